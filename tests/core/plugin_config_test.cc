// Tests for the plugin's MJCF config (parsed without MuJoCo) and the plugin_state layout.

#include "plugin/core/plugin_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "plugin/core/plugin_state.h"

namespace mjhybrid {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRoot[] = "/opt/mjhybrid";

struct Parsed {
  bool ok;
  PluginConfig config;
  std::string error;
};

// unset keys read as "", like mj_getPluginConfig for a declared key the MJCF did not set
Parsed Parse(const std::map<std::string, std::string>& values) {
  auto get = [&](const char* key) {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  };
  Parsed p;
  p.ok = ParsePluginConfig(get, {kRoot}, &p.config, &p.error);
  if (!p.ok) {
    EXPECT_THAT(p.error, Not(HasSubstr("\n")));
  }
  return p;
}

TEST(PluginConfigTest, DefaultsAreAugmentAndScaleOne) {
  Parsed p = Parse({{"model", "/models/a.safetensors"}});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.config.mode, ResidualMode::kAugment);
  EXPECT_EQ(p.config.scale, 1);
  EXPECT_EQ(p.config.member, kAllMembers);
  EXPECT_EQ(p.config.model, "/models/a.safetensors");
}

TEST(PluginConfigTest, AcceptsEveryValidValue) {
  Parsed p = Parse({{"model", "/m"}, {"mode", "augment"}, {"scale", "0.25"}});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.config.mode, ResidualMode::kAugment);
  EXPECT_EQ(p.config.scale, 0.25);

  p = Parse({{"model", "/m"}, {"mode", "off"}, {"scale", "0"}});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.config.mode, ResidualMode::kOff);
  EXPECT_EQ(p.config.scale, 0);

  p = Parse({{"model", "/m"}, {"scale", "1e-3"}});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.config.scale, 1e-3);
}

TEST(PluginConfigTest, SurroundingWhitespaceIsIgnored) {
  Parsed p = Parse({{"model", "  /m.safetensors\n"}, {"mode", " off "}, {"scale", "\t2.5 "}});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.config.mode, ResidualMode::kOff);
  EXPECT_EQ(p.config.scale, 2.5);
  EXPECT_EQ(p.config.model, "/m.safetensors");
}

TEST(PluginConfigTest, RejectsUnknownMode) {
  for (const char* mode : {"fast", "Augment", "Replace", "on"}) {
    Parsed p = Parse({{"model", "/m"}, {"mode", mode}});
    EXPECT_FALSE(p.ok) << mode;
    EXPECT_THAT(p.error, AllOf(HasSubstr("'mode'"), HasSubstr(std::string("'") + mode + "'"),
                               HasSubstr("off"), HasSubstr("augment"), HasSubstr("replace")));
  }
}

TEST(PluginConfigTest, RejectsBadScale) {
  for (const char* scale : {"abc", "-1", "inf", "-inf", "nan", "1.5x", "1,5", "--1", "1e999"}) {
    Parsed p = Parse({{"model", "/m"}, {"scale", scale}});
    EXPECT_FALSE(p.ok) << scale;
    EXPECT_THAT(p.error, AllOf(HasSubstr("'scale'"), HasSubstr(std::string("'") + scale + "'"),
                               HasSubstr(">= 0")))
        << scale;
  }
}

TEST(PluginConfigTest, MemberIsAllOrAnIndex) {
  const std::pair<const char*, int> cases[] = {
      {"all", kAllMembers}, {"", kAllMembers}, {"  all ", kAllMembers}, {"0", 0},
      {"2", 2},             {" 3\n", 3},       {"007", 7},             {"2147483647", 2147483647}};
  for (const auto& [text, member] : cases) {
    Parsed p = Parse({{"model", "/m"}, {"member", text}});
    ASSERT_TRUE(p.ok) << "'" << text << "': " << p.error;
    EXPECT_EQ(p.config.member, member) << "'" << text << "'";
  }
  // any mode takes a member: it is checked against the model, if any, when it loads
  Parsed p = Parse({{"mode", "off"}, {"member", "1"}});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.config.member, 1);
}

TEST(PluginConfigTest, RejectsBadMember) {
  for (const char* member : {"-1", "x", "1.5", "+1", "ALL", "All", "mean", "1e2", "0x1", "1 2",
                             "-0", "2147483648", "99999999999999999999"}) {
    Parsed p = Parse({{"model", "/m"}, {"member", member}});
    EXPECT_FALSE(p.ok) << member;
    EXPECT_THAT(p.error, AllOf(HasSubstr("'member'"), HasSubstr(std::string("'") + member + "'"),
                               HasSubstr("all"), HasSubstr("index >= 0")))
        << member;
  }
}

TEST(PluginConfigTest, MissingModelIsAnErrorUnlessModeIsOff) {
  Parsed p = Parse({});
  EXPECT_FALSE(p.ok);
  EXPECT_THAT(p.error, AllOf(HasSubstr("'model'"), HasSubstr(kRoot)));
  p = Parse({{"model", "   "}, {"mode", "augment"}});
  EXPECT_FALSE(p.ok);

  p = Parse({{"mode", "off"}});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.config.mode, ResidualMode::kOff);
  EXPECT_EQ(p.config.model, "");
}

TEST(PluginConfigTest, RelativeModelPathIsJoinedToTheRoot) {
  Parsed p = Parse({{"model", "models/arm2/residual.safetensors"}});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.config.model, "/opt/mjhybrid/models/arm2/residual.safetensors");
  p = Parse({{"model", "/abs/residual.safetensors"}});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.config.model, "/abs/residual.safetensors");
}

// A relative model is looked up folder by folder; the first folder holding the file wins and
// the last (the root) is the fallback, so a scene's own folder or $MJHYBRID_MODEL_PATH can
// hold a model without shadowing the shipped ones where they do not.
TEST(PluginConfigTest, RelativeModelPathIsLookedUpInTheSearchFolders) {
  namespace fs = std::filesystem;
  const fs::path base = fs::temp_directory_path() / ("mjhybrid-search-" + std::to_string(getpid()));
  fs::create_directories(base / "first");
  fs::create_directories(base / "second");
  std::ofstream(base / "second" / "r.safetensors") << "x";
  std::ofstream(base / "first" / "only-first.safetensors") << "x";
  const std::vector<std::string> folders = {(base / "first").string(), (base / "second").string(), kRoot};
  const auto parse = [&](const std::string& model) {
    PluginConfig config;
    std::string error;
    EXPECT_TRUE(ParsePluginConfig([&](const char* key) { return std::string(key) == "model" ? model : ""; },
                                  folders, &config, &error)) << error;
    return config.model;
  };
  EXPECT_EQ(parse("r.safetensors"), (base / "second" / "r.safetensors").string());
  EXPECT_EQ(parse("only-first.safetensors"), (base / "first" / "only-first.safetensors").string());
  EXPECT_EQ(parse("missing.safetensors"), std::string(kRoot) + "/missing.safetensors") << "the root is the fallback";
  EXPECT_EQ(parse("/abs/r.safetensors"), "/abs/r.safetensors");

  // a relative model in none of the folders: one line naming them; found or absolute: ""
  const std::string missing = MissingRelativeModel("missing.safetensors", folders);
  EXPECT_THAT(missing, AllOf(HasSubstr("'missing.safetensors'"), HasSubstr((base / "first").string()),
                             HasSubstr(kRoot), HasSubstr("MJHYBRID_MODEL_PATH"), Not(HasSubstr("\n"))));
  EXPECT_EQ(MissingRelativeModel(" r.safetensors ", folders), "");
  EXPECT_EQ(MissingRelativeModel("/abs/missing.safetensors", folders), "") << "the loader reports those";
  EXPECT_EQ(MissingRelativeModel("", folders), "");
  fs::remove_all(base);
}

TEST(ModelSearchFoldersTest, EnvironmentFoldersComeBeforeTheRoot) {
  ASSERT_EQ(setenv("MJHYBRID_ROOT", "/the/root", 1), 0);
  ASSERT_EQ(setenv("MJHYBRID_MODEL_PATH", "/a::/b/c:", 1), 0);
  EXPECT_EQ(ModelSearchFolders(), (std::vector<std::string>{"/a", "/b/c", "/the/root"}))
      << "empty entries are skipped";
  ASSERT_EQ(unsetenv("MJHYBRID_MODEL_PATH"), 0);
  EXPECT_EQ(ModelSearchFolders(), (std::vector<std::string>{"/the/root"}));
  ASSERT_EQ(unsetenv("MJHYBRID_ROOT"), 0);
}

// what attach writes and the viewer rewrites must parse back to the same configuration
TEST(PluginConfigTest, FormattedEntriesParseBackToTheSameConfig) {
  PluginConfig config;
  config.model = "/opt/mjhybrid/models/arm2/residual.safetensors";
  config.mode = ResidualMode::kReplace;
  config.scale = 0.3;
  config.member = 2;
  const auto entries = FormatPluginConfig(config, kRoot);
  std::map<std::string, std::string> values(entries.begin(), entries.end());
  EXPECT_EQ(values["model"], "models/arm2/residual.safetensors") << "relative to the root it lies under";
  EXPECT_EQ(values["scale"], "0.3");
  Parsed p = Parse(values);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.config.model, config.model);
  EXPECT_EQ(p.config.mode, config.mode);
  EXPECT_EQ(p.config.scale, config.scale);
  EXPECT_EQ(p.config.member, config.member);

  // a scale is written with the digits it needs to read back exactly (found by tests/fuzz:
  // regressions/plugin_config/scale-precision), and no more
  config.scale = 33333313333;
  const auto precise = FormatPluginConfig(config, kRoot);
  EXPECT_EQ((std::map<std::string, std::string>(precise.begin(), precise.end())["scale"]), "33333313333");

  // a file outside the root stays absolute; the defaults (member all) are left out
  config.model = "/elsewhere/r.safetensors";
  config.member = kAllMembers;
  const auto outside = FormatPluginConfig(config, kRoot);
  EXPECT_EQ(outside.front(), (std::pair<std::string, std::string>{"model", "/elsewhere/r.safetensors"}));
  for (const auto& [key, value] : outside) EXPECT_NE(key, "member");

  // mode off without a model: no model entry, and it still parses
  PluginConfig off;
  off.mode = ResidualMode::kOff;
  const auto off_entries = FormatPluginConfig(off, kRoot);
  Parsed q = Parse(std::map<std::string, std::string>(off_entries.begin(), off_entries.end()));
  ASSERT_TRUE(q.ok) << q.error;
  EXPECT_EQ(q.config.mode, ResidualMode::kOff);
}

TEST(PluginConfigTest, ModeNamesRoundTrip) {
  for (ResidualMode m : {ResidualMode::kOff, ResidualMode::kAugment, ResidualMode::kReplace}) {
    ResidualMode back = ResidualMode::kAugment;
    ASSERT_TRUE(ParseResidualMode(ResidualModeName(m), &back));
    EXPECT_EQ(back, m);
  }
  ResidualMode unchanged = ResidualMode::kOff;
  EXPECT_FALSE(ParseResidualMode("auto", &unchanged));
  EXPECT_EQ(unchanged, ResidualMode::kOff);
}

// found by tests/fuzz (regressions/plugin_config/newline-in-mode): a value is echoed with its
// control bytes escaped, so the error stays one line
TEST(PluginConfigTest, ValuesWithControlBytesAreEscapedInTheError) {
  Parsed p = Parse({{"model", "/m"}, {"mode", "offl\na"}});
  ASSERT_FALSE(p.ok);
  EXPECT_THAT(p.error, HasSubstr("'offl\\na'"));
  p = Parse({{"model", "/m"}, {"scale", "1\t\xb3"}});
  ASSERT_FALSE(p.ok);
  EXPECT_THAT(p.error, HasSubstr("'1\\x09\xb3'")) << "control bytes escaped, others kept";
}

TEST(PluginConfigTest, ConfigKeysAreTheDocumentedOnes) {
  std::vector<std::string> keys(kConfigKeys, kConfigKeys + kConfigKeyCount);
  EXPECT_EQ(keys, (std::vector<std::string>{"model", "mode", "scale", "member"}));
  EXPECT_EQ(std::size(kConfigKeys), static_cast<size_t>(kConfigKeyCount));
}

TEST(MjhybridRootTest, EnvironmentVariableWins) {
  ASSERT_EQ(setenv("MJHYBRID_ROOT", "/somewhere/else", 1), 0);
  EXPECT_EQ(MjhybridRoot(), "/somewhere/else");
  ASSERT_EQ(unsetenv("MJHYBRID_ROOT"), 0);
}

TEST(MjhybridRootTest, OtherwiseTwoFoldersAboveTheLibrary) {
  ASSERT_EQ(unsetenv("MJHYBRID_ROOT"), 0);
  // <root>/build*/lib/libmjhybrid.so -> <root>, as build*/ holds no models/ (the installed
  // layout, <site-packages>/mjhybrid/lib/, is tested from a wheel: tests/package)
  std::filesystem::path lib = MJHYBRID_LIBRARY_PATH;
  std::filesystem::path expected = lib.parent_path().parent_path().parent_path();
  EXPECT_EQ(std::filesystem::weakly_canonical(MjhybridRoot()),
            std::filesystem::weakly_canonical(expected));
}

TEST(PluginStateLayoutTest, SlotsFollowTheHistory) {
  PluginStateLayout layout{3, 4};
  EXPECT_EQ(layout.history_size(), 12);
  EXPECT_EQ(layout.substeps_taken(), 12);
  EXPECT_EQ(layout.saturated_last(), 13);
  EXPECT_EQ(layout.saturated_total(), 14);
  EXPECT_EQ(layout.spread(), 15);
  EXPECT_EQ(layout.spread_total(), 16);
  EXPECT_EQ(layout.size(), 17);
  PluginStateLayout none{3, 0};
  EXPECT_EQ(none.size(), 5);
}

TEST(PluginStateLayoutTest, HeldCorrectionSitsBetweenHistoryAndCounters) {
  // a model trained at 5 physics steps per control period, 8 dofs
  PluginStateLayout layout{3, 4, 5, 8};
  EXPECT_EQ(layout.held_correction(), 12);
  EXPECT_EQ(layout.substeps_taken(), 20);
  EXPECT_EQ(layout.spread_total(), 24);
  EXPECT_EQ(layout.size(), 25);
  std::vector<double> state(layout.size(), 0);
  const double u[3] = {1, 2, 3};
  // the period's first step evaluates; the next four apply what it held
  EXPECT_FALSE(layout.MidPeriod(state.data()));
  for (int step = 1; step < 5; ++step) {
    layout.PushControl(state.data(), u);
    EXPECT_TRUE(layout.MidPeriod(state.data())) << step;
  }
  layout.PushControl(state.data(), u);
  EXPECT_FALSE(layout.MidPeriod(state.data()));
  // nothing is held without held values, whatever the period
  PluginStateLayout unheld{3, 4, 5, 0};
  std::vector<double> other(unheld.size(), 0);
  unheld.PushControl(other.data(), u);
  EXPECT_FALSE(unheld.MidPeriod(other.data()));
}

TEST(PluginStateLayoutTest, PushControlKeepsNewestFirst) {
  PluginStateLayout layout{2, 3};
  std::vector<double> state(layout.size(), 0);
  state[layout.saturated_last()] = 7;
  state[layout.saturated_total()] = 8;
  state[layout.spread()] = 9;
  state[layout.spread_total()] = 10;
  for (int t = 1; t <= 4; ++t) {
    double u[2] = {10.0 * t, 10.0 * t + 1};
    layout.PushControl(state.data(), u);
  }
  // u4, u3, u2; u1 has dropped off; the counters are untouched
  EXPECT_EQ(state, (std::vector<double>{40, 41, 30, 31, 20, 21, 0, 7, 8, 9, 10}));
}

TEST(PluginStateLayoutTest, PushControlWithoutHistoryWritesNothing) {
  PluginStateLayout layout{2, 0};
  std::vector<double> state = {0, 1, 2, 3, 4};
  double u[2] = {5, 6};
  layout.PushControl(state.data(), u);
  EXPECT_EQ(state, (std::vector<double>{0, 1, 2, 3, 4}));
}

TEST(PluginStateLayoutTest, PushControlWithOneStep) {
  PluginStateLayout layout{1, 1};
  std::vector<double> state = {0, 0, 0, 0, 0, 0};
  double u = 3;
  layout.PushControl(state.data(), &u);
  u = 4;
  layout.PushControl(state.data(), &u);
  EXPECT_EQ(state, (std::vector<double>{4, 0, 0, 0, 0, 0}));
}

// data recorded every 3 physics steps: the history holds the controls of whole control
// periods, and all 3 physics steps of a period see the same history
TEST(PluginStateLayoutTest, PushControlOncePerControlPeriod) {
  PluginStateLayout layout{1, 2, 3};
  std::vector<double> state(layout.size(), 0);
  for (int period = 1; period <= 3; ++period) {
    double u = period;
    for (int s = 0; s < 3; ++s) {
      const std::vector<double> before(state.begin(), state.begin() + 2);
      layout.PushControl(state.data(), &u);
      if (s < 2) {
        EXPECT_EQ(std::vector<double>(state.begin(), state.begin() + 2), before) << period << "," << s;
        EXPECT_EQ(state[layout.substeps_taken()], s + 1);
      }
    }
    EXPECT_EQ(state[layout.substeps_taken()], 0);
  }
  EXPECT_EQ(state[0], 3);
  EXPECT_EQ(state[1], 2);
}

}  // namespace
}  // namespace mjhybrid
