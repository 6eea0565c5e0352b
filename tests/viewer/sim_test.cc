// The viewer's simulation side on the shipped scenes and on broken copies of them: real MuJoCo,
// the real plugin and the shipped residual models; no window.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>

#include "scene/collect.h"
#include "scene/dataset.h"
#include "tests/common/random_network.h"
#include "viewer/sim/lockstep.h"
#include "viewer/sim/residual_settings.h"
#include "viewer/sim/scene_files.h"

namespace mjhybrid::viewer {

using scene::Collect;
using scene::CollectOptions;
using scene::Episode;
using scene::SaveDataset;
using scene::TrajectoryDataset;
namespace {

namespace fs = std::filesystem;

const std::string kRoot = MJHYBRID_SOURCE_DIR;
const std::string kArm2 = kRoot + "/scenes/arm2";

std::string ReadText(const fs::path& path) {
  std::ifstream f(path);
  std::stringstream text;
  text << f.rdbuf();
  return text.str();
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
}

class ViewerSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() /
           ("mjhybrid-viewer-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }

  // a copy of arm2 with only the named files
  fs::path CopyArm2(std::initializer_list<const char*> names) {
    for (const char* name : names) fs::copy_file(fs::path(kArm2) / name, tmp_ / name);
    return tmp_;
  }

  fs::path tmp_;
};

const double* Qpos(Lockstep& sim, WorldKind kind) { return sim.world(kind).data()->qpos; }

TEST_F(ViewerSimTest, FindsTheScenesFilesAndItsHiddenEffects) {
  SceneFiles files = FindSceneFiles(kArm2);
  EXPECT_EQ(files.name, "arm2");
  EXPECT_EQ(files.real, kArm2 + "/real.xml");
  EXPECT_EQ(files.sim, kArm2 + "/sim.xml");
  EXPECT_EQ(files.hybrid, kArm2 + "/hybrid.xml");
  EXPECT_NE(files.hidden_effects.find("frictionloss"), std::string::npos) << files.hidden_effects;
  EXPECT_EQ(files.hidden_effects.find("## Reproduce"), std::string::npos) << "stops at the next section";

  SceneFiles from_hybrid = FindSceneFiles(kArm2 + "/hybrid.xml");
  EXPECT_EQ(from_hybrid.real, files.real);
  EXPECT_EQ(from_hybrid.hybrid, files.hybrid);
}

TEST_F(ViewerSimTest, RefusesPathsWithNothingToSimulate) {
  EXPECT_THROW(FindSceneFiles(kRoot + "/scenes/no-such-scene"), std::runtime_error);
  try {
    FindSceneFiles(tmp_.string());
    FAIL() << "an empty folder was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("neither sim.xml nor hybrid.xml"), std::string::npos) << e.what();
  }
  WriteText(tmp_ / "notes.txt", "x");
  EXPECT_THROW(FindSceneFiles((tmp_ / "notes.txt").string()), std::runtime_error);
}

TEST_F(ViewerSimTest, ThreeWorldsStartTogetherAndShareEveryControl) {
  Lockstep sim(FindSceneFiles(kArm2), {});
  for (WorldKind kind : {WorldKind::kReal, WorldKind::kAnalytic, WorldKind::kHybrid}) {
    ASSERT_TRUE(sim.world(kind).live()) << WorldLabel(kind) << ": " << sim.world(kind).error();
  }
  const int nq = sim.reference().model()->nq, nu = sim.reference().model()->nu;
  // arm2's real system is integrated at 1 ms, the nominal model at 5 ms
  EXPECT_EQ(sim.world(WorldKind::kReal).substeps(), 5);
  EXPECT_EQ(sim.world(WorldKind::kHybrid).substeps(), 1);
  for (int i = 0; i < nq; ++i) {
    EXPECT_EQ(Qpos(sim, WorldKind::kReal)[i], Qpos(sim, WorldKind::kAnalytic)[i]);
    EXPECT_EQ(Qpos(sim, WorldKind::kReal)[i], Qpos(sim, WorldKind::kHybrid)[i]);
  }
  sim.controls().UseRandom(3);
  sim.Reset();
  for (int t = 0; t < 50; ++t) ASSERT_TRUE(sim.Step());
  for (int a = 0; a < nu; ++a) {
    const double u = sim.world(WorldKind::kAnalytic).data()->ctrl[a];
    EXPECT_NE(u, 0);
    EXPECT_EQ(sim.world(WorldKind::kReal).data()->ctrl[a], u);
    EXPECT_EQ(sim.world(WorldKind::kHybrid).data()->ctrl[a], u);
  }
  EXPECT_EQ(sim.steps(), 50);
  EXPECT_NEAR(sim.time(), 50 * 0.005, 1e-12);
  EXPECT_NEAR(sim.world(WorldKind::kReal).data()->time, sim.world(WorldKind::kAnalytic).data()->time, 1e-9);
}

TEST_F(ViewerSimTest, TheShippedResidualClosesMostOfTheGapAtOneHundredSteps) {
  LockstepOptions options;
  options.sync_every = 100;
  options.seed = 11;
  Lockstep sim(FindSceneFiles(kArm2), options);
  sim.controls().UseRandom(11);
  sim.Reset(/*random=*/true);
  for (int t = 0; t < 3000; ++t) ASSERT_TRUE(sim.Step());
  const KStepRow* row100 = nullptr;
  for (const KStepRow& row : sim.metrics().rows()) {
    if (row.k == 100) row100 = &row;
  }
  ASSERT_NE(row100, nullptr);
  EXPECT_EQ(row100->samples, 30);
  const StepErrors& analytic = row100->mean[static_cast<int>(WorldKind::kAnalytic)];
  const StepErrors& hybrid = row100->mean[static_cast<int>(WorldKind::kHybrid)];
  EXPECT_GT(analytic.qpos, 0.01) << "the analytic model drifts away from real";
  // the shipped model closes ~95% of the gap in `mjhybrid eval`; the live measure agrees
  EXPECT_LT(hybrid.qpos, 0.3 * analytic.qpos);
  EXPECT_LT(hybrid.qvel, 0.3 * analytic.qvel);
}

TEST_F(ViewerSimTest, SyncPutsTheModelsOnRealAndRestartsTheCount) {
  Lockstep sim(FindSceneFiles(kArm2), {});
  sim.controls().UseRandom(5);
  sim.Reset();
  for (int t = 0; t < 40; ++t) sim.Step();
  EXPECT_EQ(sim.metrics().steps_since_sync(), 40);
  EXPECT_GT(sim.metrics().current(static_cast<int>(WorldKind::kAnalytic)).qpos, 0);
  sim.Sync();
  EXPECT_EQ(sim.metrics().steps_since_sync(), 0);
  const int nq = sim.reference().model()->nq;
  for (int i = 0; i < nq; ++i) EXPECT_EQ(Qpos(sim, WorldKind::kAnalytic)[i], Qpos(sim, WorldKind::kReal)[i]);
  for (int i = 0; i < nq; ++i) EXPECT_EQ(Qpos(sim, WorldKind::kHybrid)[i], Qpos(sim, WorldKind::kReal)[i]);

  sim.set_sync_every(10);
  for (int t = 0; t < 100; ++t) sim.Step();
  // k = 1 and 10 were reached once after the reset, then after each of the 10 syncs
  for (const KStepRow& row : sim.metrics().rows()) {
    if (row.k == 1 || row.k == 10) {
      EXPECT_EQ(row.samples, 11) << "k = " << row.k;
    } else if (row.k == 100) {
      EXPECT_EQ(row.samples, 0);
    }
  }
}

TEST_F(ViewerSimTest, HistoryKeepsTheNewestSamplesAndExportsThem) {
  LockstepOptions options;
  options.history = 50;
  Lockstep sim(FindSceneFiles(kArm2), options);
  sim.controls().UseRandom(1);
  sim.Reset();
  for (int t = 0; t < 120; ++t) sim.Step();
  const History& h = sim.history();
  ASSERT_EQ(h.size(), 50);
  EXPECT_NEAR(h.time(49), sim.time(), 1e-12);
  EXPECT_NEAR(h.time(0), sim.time() - 49 * 0.005, 1e-9);
  const Channel& shoulder = sim.channels().front();
  EXPECT_EQ(h.value(0, 49, shoulder), Qpos(sim, WorldKind::kReal)[shoulder.qpos]);

  const fs::path csv = tmp_ / "series.csv";
  sim.WriteCsv(csv.string());
  std::istringstream lines(ReadText(csv));
  std::string header, line;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("time,real.", 0), 0u) << header;
  EXPECT_NE(header.find("hybrid.qpos_error"), std::string::npos);
  EXPECT_NE(header.find("hybrid.disagreement"), std::string::npos);
  const size_t columns = std::count(header.begin(), header.end(), ',') + 1;
  EXPECT_EQ(columns, 1 + 3 * sim.channels().size() + 5);
  int rows = 0;
  while (std::getline(lines, line)) {
    ++rows;
    EXPECT_EQ(static_cast<size_t>(std::count(line.begin(), line.end(), ',') + 1), columns);
  }
  EXPECT_EQ(rows, 50);
}

TEST_F(ViewerSimTest, WithoutRealTheTwoOtherWorldsRun) {
  CopyArm2({"sim.xml", "hybrid.xml"});
  Lockstep sim(FindSceneFiles(tmp_.string()), {});
  EXPECT_FALSE(sim.world(WorldKind::kReal).present());
  EXPECT_TRUE(sim.world(WorldKind::kAnalytic).live());
  EXPECT_TRUE(sim.world(WorldKind::kHybrid).live()) << sim.world(WorldKind::kHybrid).error();
  sim.controls().UseRandom(2);
  for (int t = 0; t < 20; ++t) ASSERT_TRUE(sim.Step());
  EXPECT_TRUE(std::isnan(sim.metrics().current(static_cast<int>(WorldKind::kHybrid)).qpos));
  sim.Sync();  // nothing to sync to: a no-op, not a crash
  EXPECT_EQ(sim.metrics().steps_since_sync(), 20);
}

TEST_F(ViewerSimTest, AHybridWhoseModelIsMissingKeepsTheOthersRunning) {
  CopyArm2({"real.xml", "sim.xml"});
  std::string hybrid = ReadText(fs::path(kArm2) / "hybrid.xml");
  const std::string shipped = "models/arm2/residual.safetensors";
  hybrid.replace(hybrid.find(shipped), shipped.size(), (tmp_ / "gone.safetensors").string());
  WriteText(tmp_ / "hybrid.xml", hybrid);
  Lockstep sim(FindSceneFiles(tmp_.string()), {});
  EXPECT_TRUE(sim.world(WorldKind::kHybrid).present());
  EXPECT_FALSE(sim.world(WorldKind::kHybrid).live());
  EXPECT_NE(sim.world(WorldKind::kHybrid).error().find("gone.safetensors"), std::string::npos)
      << sim.world(WorldKind::kHybrid).error();
  sim.controls().UseRandom(4);
  for (int t = 0; t < 20; ++t) ASSERT_TRUE(sim.Step());
  EXPECT_NEAR(sim.world(WorldKind::kAnalytic).data()->time, 0.1, 1e-9);
  EXPECT_GT(sim.metrics().current(static_cast<int>(WorldKind::kAnalytic)).qpos, 0);
}

TEST_F(ViewerSimTest, AWorldWithAnotherLayoutIsRefusedWithItsReason) {
  CopyArm2({"sim.xml"});
  fs::copy_file(kRoot + "/scenes/hopper/real.xml", tmp_ / "real.xml");
  Lockstep sim(FindSceneFiles(tmp_.string()), {});
  EXPECT_FALSE(sim.world(WorldKind::kReal).live());
  EXPECT_NE(sim.world(WorldKind::kReal).error().find("another layout"), std::string::npos)
      << sim.world(WorldKind::kReal).error();
  EXPECT_TRUE(sim.world(WorldKind::kAnalytic).live());
}

TEST_F(ViewerSimTest, NeitherModelLoadingIsAnError) {
  WriteText(tmp_ / "sim.xml", "<mujoco><worldbody><geom type='sphere'/></worldbody>");  // cut short
  try {
    Lockstep sim(FindSceneFiles(tmp_.string()), {});
    FAIL() << "a scene with no loadable model was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("neither the analytic nor the hybrid world loads"), std::string::npos)
        << e.what();
  }
}

TEST_F(ViewerSimTest, SettingsChangeThroughThePluginsConfigAndKeepTheState) {
  Lockstep sim(FindSceneFiles(kArm2), {});
  World& hybrid = sim.world(WorldKind::kHybrid);
  ASSERT_TRUE(hybrid.has_residual());
  EXPECT_EQ(hybrid.settings().config.mode, ResidualMode::kAugment);
  EXPECT_EQ(hybrid.settings().config.scale, 1);
  EXPECT_NE(hybrid.settings().model.find("models/arm2/residual.safetensors"), std::string::npos);

  sim.controls().UseRandom(9);
  sim.Reset();
  for (int t = 0; t < 30; ++t) sim.Step();
  const double time = hybrid.data()->time, q0 = hybrid.data()->qpos[0];

  ResidualSettings off = hybrid.settings();
  off.config.mode = ResidualMode::kOff;
  std::string error;
  ASSERT_TRUE(sim.Configure(off, &error)) << error;
  EXPECT_EQ(sim.world(WorldKind::kHybrid).settings().config.mode, ResidualMode::kOff);
  EXPECT_EQ(sim.world(WorldKind::kHybrid).data()->time, time);
  EXPECT_EQ(sim.world(WorldKind::kHybrid).data()->qpos[0], q0);

  // with the residual off, the hybrid world is the analytic one, step for step
  sim.Sync();
  for (int t = 0; t < 100; ++t) sim.Step();
  const int nq = sim.reference().model()->nq;
  for (int i = 0; i < nq; ++i) EXPECT_EQ(Qpos(sim, WorldKind::kHybrid)[i], Qpos(sim, WorldKind::kAnalytic)[i]);

  ResidualSettings half = off;
  half.config.mode = ResidualMode::kAugment;
  half.config.scale = 0.5;
  ASSERT_TRUE(sim.Configure(half, &error)) << error;
  EXPECT_EQ(sim.world(WorldKind::kHybrid).settings().config.scale, 0.5);
  sim.Step();
  EXPECT_NE(Qpos(sim, WorldKind::kHybrid)[0], Qpos(sim, WorldKind::kAnalytic)[0]);
}

TEST_F(ViewerSimTest, SettingsThePluginRefusesLeaveTheWorldAsItWas) {
  Lockstep sim(FindSceneFiles(kArm2), {});
  ResidualSettings replace = sim.world(WorldKind::kHybrid).settings();
  replace.config.mode = ResidualMode::kReplace;
  std::string error;
  EXPECT_FALSE(sim.Configure(replace, &error));
  EXPECT_NE(error.find("replace"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << "one line: " << error;
  EXPECT_TRUE(sim.world(WorldKind::kHybrid).live());
  EXPECT_EQ(sim.world(WorldKind::kHybrid).settings().config.mode, ResidualMode::kAugment);

  ResidualSettings negative = sim.world(WorldKind::kHybrid).settings();
  negative.config.scale = -1;
  EXPECT_FALSE(sim.Configure(negative, &error));
  EXPECT_NE(error.find("scale"), std::string::npos) << error;
}

TEST_F(ViewerSimTest, AnEnsemblesMembersCanBeWatchedOneAtATime) {
  // a three-member ensemble for arm2's layout, small random weights, beside a copy of sim.xml
  std::mt19937 rng(4);
  const StateLayout layout = testutil::Arm2Layout();
  ResidualModel model = testutil::ConstantNormalizerModel(layout, 0, 100, 0.5f, 5);
  FeatureSpec spec;
  model.network = testutil::RandomEnsemble({FeatureCount(spec, layout), 8, OutputCount(spec, layout)}, 3, &rng);
  const fs::path dir = CopyArm2({"sim.xml"});
  std::string error;
  ASSERT_TRUE(SaveResidualModel((dir / "ensemble.safetensors").string(), model, &error)) << error;
  WriteText(dir / "hybrid.xml", std::regex_replace(ReadText(fs::path(kArm2) / "hybrid.xml"),
                                                   std::regex("models/arm2/residual.safetensors"),
                                                   (dir / "ensemble.safetensors").string()));
  Lockstep sim(FindSceneFiles(dir.string()), {});
  World& hybrid = sim.world(WorldKind::kHybrid);
  ASSERT_TRUE(hybrid.live()) << hybrid.error();
  EXPECT_EQ(hybrid.settings().members, 3);
  EXPECT_TRUE(hybrid.settings().can_pick_member);

  // each member alone moves the arm its own way; the mean is none of them
  sim.controls().UseRandom(5);
  std::vector<double> after;
  for (int member = -1; member < 3; ++member) {
    ResidualSettings s = hybrid.settings();
    s.config.member = member;
    ASSERT_TRUE(sim.Configure(s, &error)) << error;
    EXPECT_EQ(sim.world(WorldKind::kHybrid).settings().config.member, member);
    sim.Reset();
    for (int t = 0; t < 50; ++t) sim.Step();
    after.push_back(Qpos(sim, WorldKind::kHybrid)[1]);
    EXPECT_GT(sim.world(WorldKind::kHybrid).disagreement(), 0) << "the whole ensemble's spread, also for one member";
  }
  for (size_t i = 0; i < after.size(); ++i) {
    for (size_t j = i + 1; j < after.size(); ++j) EXPECT_NE(after[i], after[j]) << i << " vs " << j;
  }

  // a member the ensemble lacks: the plugin's own refusal, and the world runs on as before
  ResidualSettings missing = sim.world(WorldKind::kHybrid).settings();
  missing.config.member = 3;
  EXPECT_FALSE(sim.Configure(missing, &error));
  EXPECT_NE(error.find("0 to 2"), std::string::npos) << error;
  EXPECT_EQ(sim.world(WorldKind::kHybrid).settings().config.member, 2);
  EXPECT_TRUE(sim.world(WorldKind::kHybrid).live());
}

TEST_F(ViewerSimTest, APolicyDecidesOncePerControlPeriodAndItsActionHolds) {
  Lockstep sim(FindSceneFiles(kArm2), {});
  ControlSource& controls = sim.controls();
  controls.UsePolicy();  // none given yet: nothing changes
  EXPECT_NE(controls.kind(), ControlKind::kPolicy);
  int decisions = 0;
  controls.SetPolicy([&](double* ctrl) { ctrl[0] = ++decisions; ctrl[1] = -decisions; }, 4, "counting");
  ASSERT_TRUE(controls.has_policy());
  controls.UsePolicy();
  EXPECT_EQ(controls.kind(), ControlKind::kPolicy);
  double ctrl[2];
  std::vector<double> first;
  for (int t = 0; t < 8; ++t) {
    controls.Next(ctrl);
    first.push_back(ctrl[0]);
  }
  EXPECT_EQ(decisions, 2);
  EXPECT_EQ(first, (std::vector<double>{1, 1, 1, 1, 2, 2, 2, 2}));
  // the worlds step under the policy's controls
  sim.Reset();
  EXPECT_TRUE(sim.Step());
  EXPECT_EQ(sim.world(WorldKind::kAnalytic).data()->ctrl[0], decisions);
}

TEST_F(ViewerSimTest, SettingsAreWrittenIntoTheInstancesConfig) {
  const std::string text = ReadText(fs::path(kArm2) / "hybrid.xml");
  ResidualSettings s;
  s.config.model = MjhybridRoot() + "/models/arm2/residual.safetensors";
  s.config.mode = ResidualMode::kOff;
  s.config.scale = 0.25;
  s.config.member = 1;
  const std::string out = WithResidualSettings(text, s);
  EXPECT_NE(out.find(R"(<config key="mode" value="off"/>)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"(<config key="scale" value="0.25"/>)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"(<config key="member" value="1"/>)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"(<config key="model" value="models/arm2/residual.safetensors"/>)"), std::string::npos);
  EXPECT_EQ(out.find(R"(value="augment")"), std::string::npos);
  EXPECT_THROW(WithResidualSettings(ReadText(fs::path(kArm2) / "sim.xml"), s), std::runtime_error);
}

TEST_F(ViewerSimTest, SettingsLeaveAContactParameterInstanceAlone) {
  // a scene with both instances (attach --params P --residual R): params first
  const std::string params_instance =
      "      <instance name=\"contact_params\">\n"
      "        <config key=\"model\" value=\"models/push/params.safetensors\"/>\n"
      "        <config key=\"mode\" value=\"params\"/>\n"
      "      </instance>\n";
  std::string text = ReadText(fs::path(kArm2) / "hybrid.xml");
  const size_t first = text.find("      <instance");
  ASSERT_NE(first, std::string::npos);
  text.insert(first, params_instance);
  ResidualSettings s;
  s.config.model = MjhybridRoot() + "/models/arm2/residual.safetensors";
  s.config.mode = ResidualMode::kOff;
  const std::string out = WithResidualSettings(text, s);
  EXPECT_NE(out.find(params_instance), std::string::npos) << out;
  EXPECT_NE(out.find(R"(<config key="mode" value="off"/>)"), std::string::npos) << out;
  EXPECT_EQ(out.find(R"(value="augment")"), std::string::npos) << out;
}

TEST_F(ViewerSimTest, ReplayDrivesTheWorldsWithRecordedControlsFromTheRecordedStart) {
  CollectOptions collect;
  collect.model_path = kArm2 + "/real.xml";
  collect.episodes = 2;
  collect.steps = 60;
  collect.dt = 0.005;
  collect.seed = 8;
  TrajectoryDataset data = Collect(collect, false);
  const fs::path path = tmp_ / "real.h5";
  SaveDataset(path.string(), data);

  Lockstep sim(FindSceneFiles(kArm2), {});
  std::string error;
  ASSERT_TRUE(sim.controls().UseReplay(path.string(), 1, &error)) << error;
  sim.Reset();
  const Episode& ep = data.episodes[1];
  const int nq = data.nq;
  for (int i = 0; i < nq; ++i) EXPECT_EQ(Qpos(sim, WorldKind::kAnalytic)[i], ep.qpos[i]);
  int steps = 0;
  while (sim.Step()) ++steps;
  EXPECT_EQ(steps, 60);
  EXPECT_TRUE(sim.controls().finished());
  // the real world is the system the data came from: it retraces the recording
  for (int i = 0; i < nq; ++i) EXPECT_NEAR(Qpos(sim, WorldKind::kReal)[i], ep.qpos[60 * nq + i], 1e-9);

  EXPECT_FALSE(sim.controls().UseReplay(path.string(), 2, &error));
  EXPECT_NE(error.find("2 episodes"), std::string::npos) << error;
  EXPECT_FALSE(sim.controls().UseReplay((tmp_ / "none.h5").string(), 0, &error));
}

TEST_F(ViewerSimTest, ReplayOfAnotherSystemsDataIsRefused) {
  CollectOptions collect;
  collect.model_path = kRoot + "/scenes/hopper/real.xml";
  collect.episodes = 1;
  collect.steps = 5;
  collect.seed = 1;
  const fs::path path = tmp_ / "hopper.h5";
  SaveDataset(path.string(), Collect(collect, false));
  Lockstep sim(FindSceneFiles(kArm2), {});
  std::string error;
  EXPECT_FALSE(sim.controls().UseReplay(path.string(), 0, &error));
  EXPECT_NE(error.find("actuators"), std::string::npos) << error;
  EXPECT_EQ(sim.controls().kind(), ControlKind::kManual);
}

TEST_F(ViewerSimTest, RandomResetsFollowTheScenesProtocolAndDiffer) {
  Lockstep sim(FindSceneFiles(kRoot + "/scenes/push"), {});
  const mjModel* m = sim.reference().model();
  sim.Reset(true);
  std::vector<double> first(Qpos(sim, WorldKind::kReal), Qpos(sim, WorldKind::kReal) + m->nq);
  sim.Reset(true);
  int differ = 0;
  for (int i = 0; i < m->nq; ++i) differ += first[i] != Qpos(sim, WorldKind::kReal)[i];
  EXPECT_GT(differ, 0);
  const int pusher_x = m->jnt_qposadr[mj_name2id(m, mjOBJ_JOINT, "pusher_x")];
  EXPECT_GE(Qpos(sim, WorldKind::kReal)[pusher_x], -0.1);  // scene.json: pusher_x in [-0.1, 0.1]
  EXPECT_LE(Qpos(sim, WorldKind::kReal)[pusher_x], 0.1);
  for (int i = 0; i < m->nq; ++i) EXPECT_EQ(Qpos(sim, WorldKind::kHybrid)[i], Qpos(sim, WorldKind::kReal)[i]);
}

TEST_F(ViewerSimTest, ModelCardsAreFoundBesideTheModel) {
  EXPECT_NE(ModelCardFor(kRoot + "/models/push/residual.safetensors", false).find("push"), std::string::npos);
  const std::string replace = ModelCardFor(kRoot + "/models/push/contact.safetensors", true);
  EXPECT_EQ(replace, ReadText(kRoot + "/models/push/MODEL_CARD-replace.md"));
  EXPECT_NE(ModelCardFor((tmp_ / "x.safetensors").string(), false).find("No model card"), std::string::npos);
}

}  // namespace
}  // namespace mjhybrid::viewer
