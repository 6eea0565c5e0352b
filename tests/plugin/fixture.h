// Test fixture for the MuJoCo plugin tests. Linking libmjhybrid.so registers mjhybrid.residual
// (its load-time constructor does), so scenes can use the plugin right away.
//
// MujocoTest routes MuJoCo's log through its own handler while a test runs:
//   - an error (mju_error) throws MujocoError, so it fails one test instead of exiting;
//   - a warning fails the test unless the test called AllowWarnings(); TakeWarnings() hands
//     the collected texts to tests that expect some.
// It also gives each test a temporary folder for model files and scenes, and helpers to build
// the arm2 hybrid scene around a residual model written there.

#ifndef MJHYBRID_TESTS_PLUGIN_FIXTURE_H_
#define MJHYBRID_TESTS_PLUGIN_FIXTURE_H_

#include <gtest/gtest.h>
#include <mujoco/mujoco.h>
#include <stdlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "plugin/core/mlp.h"
#include "plugin/core/residual_model.h"
#include "plugin/mujoco/mujoco_ptr.h"
#include "plugin/mujoco/residual_plugin.h"
#include "plugin/mujoco/state_layout_from_model.h"
#include "tests/common/random_network.h"

namespace mjhybrid {

struct MujocoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// warnings collected by the log handler; the handler may run on any thread
struct WarningLog {
  std::mutex mutex;
  std::vector<std::string> texts;
};
inline WarningLog& Warnings() {
  static WarningLog log;
  return log;
}

inline void FailingLogHandler(const mjLogMessage* msg) {
  if (msg->level == mjLOG_ERROR) throw MujocoError(msg->subject);
  if (msg->level == mjLOG_WARNING) {
    std::lock_guard<std::mutex> lock(Warnings().mutex);
    Warnings().texts.push_back(msg->subject);
  }
  // info and debug messages (compile timings) are not our business
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// xml with attribute `name` of its <option> element set to `value` (added when absent)
inline std::string WithOption(const std::string& xml, const std::string& name,
                              const std::string& value) {
  std::smatch option;
  if (!std::regex_search(xml, option, std::regex("<option\\b[^>]*>"))) {
    ADD_FAILURE() << "no <option> element in the scene";
    return xml;
  }
  std::string element = option.str();
  std::regex attribute("\\b" + name + "=\"[^\"]*\"");
  if (std::regex_search(element, attribute)) {
    element = std::regex_replace(element, attribute, name + "=\"" + value + "\"",
                                 std::regex_constants::format_first_only);
  } else {
    element.insert(7, " " + name + "=\"" + value + "\"");
  }
  return option.prefix().str() + element + option.suffix().str();
}

// the nominal arm2 scene, read from the repository
inline std::string SimXml() {
  std::string xml = ReadText(std::string(MJHYBRID_SOURCE_DIR) + "/scenes/arm2/sim.xml");
  EXPECT_FALSE(xml.empty()) << "cannot read scenes/arm2/sim.xml";
  return xml;
}

// the scene plus an <extension> declaring one mjhybrid.residual instance, right after
// <compiler .../>; `config` holds the <config> elements
inline std::string WithResidualPlugin(const std::string& xml, const std::string& config) {
  size_t compiler = xml.find("<compiler");
  size_t end = compiler == std::string::npos ? compiler : xml.find("/>", compiler);
  EXPECT_NE(end, std::string::npos) << "no <compiler .../> in the scene";
  if (end == std::string::npos) return xml;
  std::string extension = "\n  <extension>\n    <plugin plugin=\"mjhybrid.residual\">\n"
                          "      <instance name=\"residual\">\n" + config +
                          "      </instance>\n    </plugin>\n  </extension>\n";
  return xml.substr(0, end + 2) + extension + xml.substr(end + 2);
}

inline std::string ConfigKey(const std::string& key, const std::string& value) {
  return "        <config key=\"" + key + "\" value=\"" + value + "\"/>\n";
}

// the hybrid scene: `xml` + the residual instance with the given model path and mode
inline std::string HybridXml(const std::string& xml, const std::string& model_path,
                             const std::string& mode, const std::string& extra_config = "") {
  std::string config;
  if (!model_path.empty()) config += ConfigKey("model", model_path);
  if (!mode.empty()) config += ConfigKey("mode", mode);
  return WithResidualPlugin(xml, config + extra_config);
}

// a residual model for the compiled scene `m`: unit normalizer over a wide range, outputs
// of about +-0.5 N*m bounded at 2 N*m (comparable to the arm's motors, so trajectories move)
inline ResidualModel RandomResidual(const mjModel* m, int ctrl_history, int members,
                                    unsigned seed) {
  std::mt19937 rng(seed);
  ResidualModel model =
      testutil::ConstantNormalizerModel(StateLayoutFromModel(m), ctrl_history, 20, 0.5f, 2);
  const int nin = static_cast<int>(model.input_mean.size()), nv = model.signature.nv;
  model.network = testutil::RandomEnsemble({nin, 16, 16, nv}, members, &rng);
  model.provenance = {{"data", "random weights for a test"}, {"seed", seed}};
  return model;
}

// a training range of [-limit, limit] for the control features (the current controls and
// their history, last in the feature vector), so that larger controls saturate
inline void NarrowControlRange(ResidualModel* model, float limit) {
  const int nin = static_cast<int>(model->input_min.size());
  const int controls = model->signature.nu * (1 + model->features.ctrl_history);
  for (int i = nin - controls; i < nin; ++i) {
    model->input_min[i] = -limit;
    model->input_max[i] = limit;
  }
}

// controls for `steps` steps, uniform in each actuator's ctrlrange, the same for the same seed
inline std::vector<double> RandomControls(const mjModel* m, int steps, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<double> ctrl(static_cast<size_t>(steps) * m->nu);
  for (int t = 0; t < steps; ++t) {
    for (int i = 0; i < m->nu; ++i) {
      std::uniform_real_distribution<double> u(m->actuator_ctrlrange[2 * i],
                                               m->actuator_ctrlrange[2 * i + 1]);
      ctrl[t * m->nu + i] = u(rng);
    }
  }
  return ctrl;
}

// qpos, qvel and plugin_state after each step, for bit-for-bit comparisons
struct Trajectory {
  std::vector<double> qpos, qvel, plugin_state;
  double time = 0;  // after the last step
};

// steps d with controls[first..first+count), recording the state after each step
inline Trajectory Rollout(const mjModel* m, mjData* d, const std::vector<double>& controls,
                          int first, int count) {
  Trajectory t;
  for (int k = first; k < first + count; ++k) {
    std::copy(controls.begin() + k * m->nu, controls.begin() + (k + 1) * m->nu, d->ctrl);
    mj_step(m, d);
    t.qpos.insert(t.qpos.end(), d->qpos, d->qpos + m->nq);
    t.qvel.insert(t.qvel.end(), d->qvel, d->qvel + m->nv);
    t.plugin_state.insert(t.plugin_state.end(), d->plugin_state,
                          d->plugin_state + m->npluginstate);
  }
  t.time = d->time;
  return t;
}

inline bool BitIdentical(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

inline bool AllFinite(const std::vector<double>& v) {
  for (double x : v) {
    if (!std::isfinite(x)) return false;
  }
  return true;
}

inline double MaxAbsDifference(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

class MujocoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      std::lock_guard<std::mutex> lock(Warnings().mutex);
      Warnings().texts.clear();
    }
    previous_handler_ = mju_setLogHandler(&FailingLogHandler);
    ASSERT_NE(mjp_getPlugin(kPluginName, nullptr), nullptr)
        << kPluginName << " is not registered; is libmjhybrid.so linked?";
    std::string tmpl = ::testing::TempDir() + "mjhybrid_plugin_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }

  void TearDown() override {
    mju_setLogHandler(previous_handler_);
    if (!allow_warnings_) {
      for (const std::string& w : TakeWarnings()) ADD_FAILURE() << "MuJoCo warning: " << w;
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // this test expects MuJoCo warnings; they no longer fail it
  void AllowWarnings() { allow_warnings_ = true; }

  std::vector<std::string> TakeWarnings() {
    std::lock_guard<std::mutex> lock(Warnings().mutex);
    std::vector<std::string> out;
    out.swap(Warnings().texts);
    return out;
  }

  std::string TempPath(const std::string& name) const { return dir_ + "/" + name; }

  // compiles an MJCF text through a file in the temp folder; null (and *error set) on failure
  ModelPtr LoadXml(const std::string& xml, std::string* error = nullptr) {
    const std::string path = TempPath("scene" + std::to_string(scene_count_++) + ".xml");
    WriteText(path, xml);
    char buffer[1024] = "";
    mjModel* m = mj_loadXML(path.c_str(), nullptr, buffer, sizeof(buffer));
    if (error) {
      *error = buffer;
    } else {
      EXPECT_NE(m, nullptr) << buffer;
    }
    return ModelPtr(m);
  }

  DataPtr MakeData(const mjModel* m) {
    mjData* d = mj_makeData(m);
    EXPECT_NE(d, nullptr);
    return DataPtr(d);
  }

  // writes a residual model file into the temp folder; returns its absolute path
  std::string SaveResidual(const ResidualModel& model, const std::string& name) {
    const std::string path = TempPath(name);
    std::string error;
    EXPECT_TRUE(SaveResidualModel(path, model, &error)) << error;
    return path;
  }

  // the plugin-free scene and the hybrid one, each stepped from a fresh mjData under the same
  // random controls; {sim, hybrid} trajectories
  std::pair<Trajectory, Trajectory> RolloutTwins(const mjModel* sim, const mjModel* hybrid,
                                                 int steps, unsigned seed) {
    DataPtr d_sim = MakeData(sim), d_hybrid = MakeData(hybrid);
    const std::vector<double> controls = RandomControls(sim, steps, seed);
    return {Rollout(sim, d_sim.get(), controls, 0, steps),
            Rollout(hybrid, d_hybrid.get(), controls, 0, steps)};
  }

  std::string dir_;

 private:
  mjfLogHandler previous_handler_ = nullptr;
  bool allow_warnings_ = false;
  int scene_count_ = 0;
};

// MujocoTest with the nominal arm2 scene compiled before each test
class SimSceneTest : public MujocoTest {
 protected:
  void SetUp() override {
    MujocoTest::SetUp();
    sim_xml_ = SimXml();
    sim_ = LoadXml(sim_xml_);
    ASSERT_NE(sim_, nullptr);
  }

  std::string sim_xml_;
  ModelPtr sim_;
};

}  // namespace mjhybrid

#endif  // MJHYBRID_TESTS_PLUGIN_FIXTURE_H_
