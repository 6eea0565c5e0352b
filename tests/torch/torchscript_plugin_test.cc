// The TorchScript backend inside MuJoCo: arm2 with the plugin loading an exported *.pt must
// follow the same trajectory as arm2 with the *.safetensors it came from (a native twin, with
// the Eigen MLP as the reference), for one network and for an ensemble.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "plugin/core/residual_model.h"
#include "plugin/mujoco/mujoco_ptr.h"
#include "tests/torch/export_fixture.h"
#include "tests/torch/test_models.h"

namespace mjhybrid {
namespace {

using ::testing::HasSubstr;

constexpr int kSteps = 1000;

// a normalized-output difference of up to 1e-5 between the backends (see
// torchscript_network_test.cc) times output.std is the largest force difference we accept
constexpr double kOutputStd = 0.2;
constexpr double kForceTolerance = 1e-5 * kOutputStd;

std::vector<std::string>& Warnings() {
  static std::vector<std::string> warnings;
  return warnings;
}

class TorchScriptPluginTest : public ExportedModelsTest {
 protected:
  static void SetUpTestSuite() {
    MakeModels("mjhybrid-torch-plugin-test", 20);
    if (!error_->empty()) return;
    // arm2 with the plugin loading each file
    for (int members : {1, 3}) {
      for (const char* ext : {".safetensors", ".pt"}) {
        testutil::WriteTextFile(HybridPath(members, ext),
                                testutil::HybridXml(testutil::Arm2SimPath(),
                                                    testutil::ModelConfig(Path(members, ext))));
      }
    }
  }

  // any MuJoCo warning fails the test: a silent fallback would hide a broken backend
  void SetUp() override {
    ExportedModelsTest::SetUp();
    Warnings().clear();
    mju_user_warning = [](const char* msg) { Warnings().push_back(msg); };
  }
  void TearDown() override {
    mju_user_warning = nullptr;
    EXPECT_THAT(Warnings(), ::testing::IsEmpty());
  }

  static ModelPtr Compile(const std::string& xml_path) {
    char error[1000] = "";
    ModelPtr m(mj_loadXML(xml_path.c_str(), nullptr, error, sizeof(error)));
    EXPECT_TRUE(m) << xml_path << ": " << error;
    return m;
  }

  static std::string HybridPath(int members, const char* ext) {
    return Path(members, std::string(ext) + ".xml");
  }
};

// Joint-space PD tracking of random targets that change every 0.25 s: the arm sweeps its
// whole range, and the closed loop damps perturbations instead of amplifying them (the
// uncontrolled double pendulum is chaotic and would turn a 1e-9 difference into an O(1) one
// long before 1000 steps, which says nothing about the backends)
class TargetTracker {
 public:
  explicit TargetTracker(uint32_t seed) : rng_(seed) {}

  void Control(const mjModel* m, mjData* d) {
    if (step_++ % 50 == 0) {
      std::uniform_real_distribution<double> target(-1.5, 1.5);
      for (double& t : target_) t = target(rng_);
    }
    for (int i = 0; i < m->nu; ++i) {
      double u = kKp[i] * (target_[i] - d->qpos[i]) - kKd[i] * d->qvel[i];
      d->ctrl[i] = std::clamp(u, m->actuator_ctrlrange[2 * i], m->actuator_ctrlrange[2 * i + 1]);
    }
  }

 private:
  static constexpr double kKp[2] = {8, 3};
  static constexpr double kKd[2] = {0.8, 0.3};
  std::mt19937 rng_;
  double target_[2] = {0, 0};
  int step_ = 0;
};

// ||M^-1||_inf at the configuration of the last step (qM and its factor are still in d)
double InverseMassNorm(const mjModel* m, mjData* d) {
  double worst = 0;
  std::vector<double> row(m->nv, 0.0);
  std::vector<double> unit(m->nv, 0.0);
  std::vector<double> sum(m->nv, 0.0);
  for (int j = 0; j < m->nv; ++j) {
    std::fill(unit.begin(), unit.end(), 0.0);
    unit[j] = 1;
    mj_solveM(m, d, row.data(), unit.data(), 1);
    for (int i = 0; i < m->nv; ++i) sum[i] += std::abs(row[i]);
  }
  for (double s : sum) worst = std::max(worst, s);
  return worst;
}

TEST_F(TorchScriptPluginTest, OneStepAgreesWithEigen) {
  // both worlds start every step from the state of the Eigen world, so each difference is
  // that of one residual evaluation: |dqvel| <= h ||M^-1|| |dqfrc| (Euler), |dqpos| = h |dqvel|
  for (int members : {1, 3}) {
    SCOPED_TRACE("members " + std::to_string(members));
    ModelPtr m_eigen = Compile(HybridPath(members, ".safetensors"));
    ModelPtr m_torch = Compile(HybridPath(members, ".pt"));
    ASSERT_TRUE(m_eigen && m_torch);
    DataPtr a(mj_makeData(m_eigen.get())), b(mj_makeData(m_torch.get()));
    const mjModel* m = m_eigen.get();
    const int sig = mjSTATE_FULLPHYSICS;
    ASSERT_EQ(mj_stateSize(m, sig), mj_stateSize(m_torch.get(), sig));
    std::vector<double> state(mj_stateSize(m, sig));
    TargetTracker tracker(5);
    double worst_qvel_ratio = 0;
    for (int t = 0; t < kSteps; ++t) {
      tracker.Control(m, a.get());
      mj_getState(m, a.get(), state.data(), sig);
      mj_setState(m_torch.get(), b.get(), state.data(), sig);
      mju_copy(b->ctrl, a->ctrl, m->nu);
      mj_step(m, a.get());
      mj_step(m_torch.get(), b.get());

      const double qvel_tol = m->opt.timestep * InverseMassNorm(m, a.get()) * kForceTolerance;
      for (int i = 0; i < m->nv; ++i) {
        const double dv = std::abs(a->qvel[i] - b->qvel[i]);
        ASSERT_LE(dv, qvel_tol) << "step " << t << " dof " << i;
        ASSERT_LE(std::abs(a->qpos[i] - b->qpos[i]), m->opt.timestep * qvel_tol + 1e-15)
            << "step " << t << " dof " << i;
        worst_qvel_ratio = std::max(worst_qvel_ratio, dv / qvel_tol);
      }
      // diagnostics in plugin_state: history is copied, the spread is the ensemble's
      for (int i = 0; i < m->npluginstate; ++i) {
        ASSERT_NEAR(a->plugin_state[i], b->plugin_state[i], 1e-5) << "plugin_state " << i;
      }
    }
    RecordProperty("worst_qvel_error_over_tolerance_x" + std::to_string(members),
                   Format(worst_qvel_ratio));
  }
}

TEST_F(TorchScriptPluginTest, ThousandStepTrajectoriesAgree) {
  // free-running twins. Per step the worlds drift apart by at most the one-step bound above
  // (|dqvel| <~ 0.005 s * 460 kg^-1 m^-2 * 2e-6 N*m ~ 5e-9 rad/s on arm2); the PD loop damps
  // each kick, so the gap stays at a few kicks' worth rather than growing with time. 1e-6 rad
  // and 1e-5 rad/s leave two orders of magnitude for that, and still fail on a real
  // mismatch (a wrong weight moves the arm by ~1e-2 within a second)
  constexpr double kQposTolerance = 1e-6, kQvelTolerance = 1e-5;
  for (int members : {1, 3}) {
    SCOPED_TRACE("members " + std::to_string(members));
    ModelPtr m_eigen = Compile(HybridPath(members, ".safetensors"));
    ModelPtr m_torch = Compile(HybridPath(members, ".pt"));
    ModelPtr m_sim = Compile(testutil::Arm2SimPath());
    ASSERT_TRUE(m_eigen && m_torch && m_sim);
    DataPtr a(mj_makeData(m_eigen.get())), b(mj_makeData(m_torch.get()));
    DataPtr c(mj_makeData(m_sim.get()));
    TargetTracker ta(6), tb(6), tc(6);
    double max_qpos = 0, max_qvel = 0, max_analytic_gap = 0;
    for (int t = 0; t < kSteps; ++t) {
      ta.Control(m_eigen.get(), a.get());
      tb.Control(m_torch.get(), b.get());
      tc.Control(m_sim.get(), c.get());
      mj_step(m_eigen.get(), a.get());
      mj_step(m_torch.get(), b.get());
      mj_step(m_sim.get(), c.get());
      for (int i = 0; i < m_eigen->nv; ++i) {
        ASSERT_TRUE(std::isfinite(b->qpos[i]) && std::isfinite(b->qvel[i])) << "step " << t;
        max_qpos = std::max(max_qpos, std::abs(a->qpos[i] - b->qpos[i]));
        max_qvel = std::max(max_qvel, std::abs(a->qvel[i] - b->qvel[i]));
        max_analytic_gap = std::max(max_analytic_gap, std::abs(a->qpos[i] - c->qpos[i]));
      }
    }
    EXPECT_LE(max_qpos, kQposTolerance);
    EXPECT_LE(max_qvel, kQvelTolerance);
    // the residual acts: hybrid and analytic part ways by far more than the tolerance
    EXPECT_GT(max_analytic_gap, 1e3 * kQposTolerance);
    // the same ensemble disagreement at the end
    const int spread = m_eigen->npluginstate - 1;
    EXPECT_NEAR(a->plugin_state[spread], b->plugin_state[spread], 1e-4);
    if (members > 1) {
      EXPECT_GT(b->plugin_state[spread], 0);
    }
    RecordProperty("max_qpos_difference_x" + std::to_string(members), Format(max_qpos));
    RecordProperty("max_qvel_difference_x" + std::to_string(members), Format(max_qvel));
  }
}

TEST_F(TorchScriptPluginTest, ArchiveWithoutMetadataIsACompileError) {
  // a TorchScript file the plugin cannot use fails the scene at load time, naming the reason
  const std::string pt = *dir_ + "/plain_module.pt";
  std::string error;
  ASSERT_TRUE(testutil::RunCommand(
      testutil::ShellQuote(testutil::PythonExecutable()) +
          " -W ignore -c 'import sys, torch; torch.jit.script(torch.nn.Linear(16, 2))"
          ".save(sys.argv[1])' " + testutil::ShellQuote(pt),
      &error))
      << error;
  const std::string xml = *dir_ + "/plain_module.xml";
  testutil::WriteTextFile(xml, testutil::HybridXml(testutil::Arm2SimPath(),
                                                   testutil::ModelConfig(pt)));
  char compile_error[1000] = "";
  ModelPtr m(mj_loadXML(xml.c_str(), nullptr, compile_error, sizeof(compile_error)));
  EXPECT_FALSE(m);
  EXPECT_THAT(compile_error, HasSubstr("instance 'residual'"));
  EXPECT_THAT(compile_error, HasSubstr("no extra file 'mjhybrid.json'"));
}

}  // namespace
}  // namespace mjhybrid
