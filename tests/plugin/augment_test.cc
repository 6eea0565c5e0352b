// mode="augment": the residual lands in qfrc_passive, equals what the evaluator computes on
// the same state, is idempotent within a step, and the control history evolves in
// plugin_state.

#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include <random>
#include <string>
#include <vector>

#include "plugin/core/plugin_state.h"
#include "plugin/core/residual_evaluator.h"
#include "tests/plugin/fixture.h"

namespace mjhybrid {
namespace {

constexpr int kHistory = 4;

class AugmentTest : public SimSceneTest {
 protected:
  void SetUp() override {
    SimSceneTest::SetUp();
    if (HasFatalFailure()) return;  // no scene to make a model for
    model_ = RandomResidual(sim_.get(), kHistory, 3, 21);
    model_path_ = SaveResidual(model_, "augment.safetensors");
  }

  ModelPtr Hybrid(const std::string& extra_config = "") {
    ModelPtr m = LoadXml(HybridXml(sim_xml_, model_path_, "augment", extra_config));
    EXPECT_NE(m, nullptr);
    return m;
  }

  // a random state, control and history in both mjData
  void RandomState(const mjModel* hybrid, mjData* d_hybrid, mjData* d_sim, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-3, 3);
    for (int i = 0; i < hybrid->nq; ++i) d_hybrid->qpos[i] = d_sim->qpos[i] = u(rng);
    for (int i = 0; i < hybrid->nv; ++i) d_hybrid->qvel[i] = d_sim->qvel[i] = 2 * u(rng);
    for (int i = 0; i < hybrid->nu; ++i) d_hybrid->ctrl[i] = d_sim->ctrl[i] = u(rng);
    for (int i = 0; i < hybrid->nu * kHistory; ++i) d_hybrid->plugin_state[i] = u(rng);
  }

  ResidualModel model_;
  std::string model_path_;
};

TEST_F(AugmentTest, DeclaresHistoryAndDiagnosticsAsPluginState) {
  ModelPtr hybrid = Hybrid();
  ASSERT_NE(hybrid, nullptr);
  ASSERT_EQ(hybrid->nplugin, 1);
  EXPECT_EQ(hybrid->plugin_statenum[0], (PluginStateLayout{2, kHistory}.size()));
  EXPECT_EQ(hybrid->npluginstate, hybrid->plugin_statenum[0]);
  EXPECT_EQ(mj_name2id(hybrid.get(), mjOBJ_PLUGIN, "residual"), 0);
}

// a model trained on data recorded every 4 physics steps: the history moves on once per 4
// steps, so each of them sees the controls of whole recorded steps, as in training
TEST_F(AugmentTest, HistoryMovesOnOncePerControlPeriod) {
  ResidualModel model = model_;
  model.signature.control_period = 4 * model.signature.timestep;
  const std::string path = SaveResidual(model, "period.safetensors");
  ModelPtr hybrid = LoadXml(HybridXml(sim_xml_, path, "augment"));
  ASSERT_NE(hybrid, nullptr);
  DataPtr d = MakeData(hybrid.get());
  const PluginStateLayout layout{2, kHistory};
  for (int period = 1; period <= 3; ++period) {
    d->ctrl[0] = 0.1 * period;
    d->ctrl[1] = -0.1 * period;
    for (int s = 0; s < 4; ++s) {
      const std::vector<mjtNum> before(d->plugin_state, d->plugin_state + layout.history_size());
      mj_step(hybrid.get(), d.get());
      if (s < 3) {
        EXPECT_EQ(std::vector<mjtNum>(d->plugin_state, d->plugin_state + layout.history_size()), before)
            << "period " << period << " step " << s;
      }
    }
    EXPECT_EQ(d->plugin_state[0], 0.1 * period);
    EXPECT_EQ(d->plugin_state[1], -0.1 * period);
    EXPECT_EQ(d->plugin_state[2], 0.1 * (period - 1));
  }
  // a period that is not a whole number of timesteps is refused when the model loads
  model.signature.control_period = 2.5 * model.signature.timestep;
  const std::string odd = SaveResidual(model, "odd-period.safetensors");
  std::string error;
  EXPECT_EQ(LoadResidualModel(odd, &error), nullptr);
  EXPECT_NE(error.find("control_period"), std::string::npos) << error;
}

TEST_F(AugmentTest, TrajectoryDiffersFromSimAndStaysFinite) {
  ModelPtr hybrid = Hybrid();
  ASSERT_NE(hybrid, nullptr);
  auto [a, b] = RolloutTwins(sim_.get(), hybrid.get(), 1000, 3);
  EXPECT_TRUE(AllFinite(b.qpos));
  EXPECT_TRUE(AllFinite(b.qvel));
  EXPECT_TRUE(AllFinite(b.plugin_state));
  EXPECT_GT(MaxAbsDifference(a.qpos, b.qpos), 1e-3);
  // the first step already differs: the residual acts from t = 0
  EXPECT_NE(a.qvel[0], b.qvel[0]);
}

TEST_F(AugmentTest, StaysFiniteUnderEveryIntegrator) {
  for (const char* integrator : {"RK4", "implicitfast", "implicit"}) {
    SCOPED_TRACE(integrator);
    std::string xml = WithOption(sim_xml_, "integrator", integrator);
    ModelPtr hybrid = LoadXml(HybridXml(xml, model_path_, "augment"));
    ASSERT_NE(hybrid, nullptr);
    ModelPtr sim = LoadXml(xml);
    auto [a, b] = RolloutTwins(sim.get(), hybrid.get(), 1000, 4);
    EXPECT_TRUE(AllFinite(b.qpos));
    EXPECT_TRUE(AllFinite(b.qvel));
    EXPECT_GT(MaxAbsDifference(a.qpos, b.qpos), 1e-3);
  }
}

TEST_F(AugmentTest, ResidualEqualsTheEvaluatorOnTheSameState) {
  for (const char* scale : {"1", "0.5", "3"}) {
    SCOPED_TRACE(std::string("scale ") + scale);
    ModelPtr hybrid = Hybrid(ConfigKey("scale", scale));
    ASSERT_NE(hybrid, nullptr);
    DataPtr d_sim = MakeData(sim_.get()), d_hybrid = MakeData(hybrid.get());
    std::string error;
    auto loaded = LoadResidualModel(model_path_, &error);
    ASSERT_NE(loaded, nullptr) << error;
    ResidualEvaluator evaluator(loaded);
    const PluginStateLayout layout{2, kHistory};
    for (unsigned trial = 0; trial < 20; ++trial) {
      RandomState(hybrid.get(), d_hybrid.get(), d_sim.get(), trial);
      mj_forward(sim_.get(), d_sim.get());
      mj_forward(hybrid.get(), d_hybrid.get());

      double expected[2];
      ResidualDiagnostics diag;
      ASSERT_TRUE(evaluator.Compute(d_hybrid->qpos, d_hybrid->qvel, d_hybrid->ctrl,
                                    d_hybrid->plugin_state, nullptr, std::stod(scale), expected, &diag));
      // the plugin adds its residual to the analytic passive force (the joint dampers)
      for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(d_hybrid->qfrc_passive[i], d_sim->qfrc_passive[i] + expected[i]) << i;
      }
      EXPECT_NE(expected[0], 0);
      EXPECT_GT(diag.spread, 0);  // three members with different weights disagree
      // and the residual reached the accelerations
      EXPECT_NE(d_hybrid->qacc[0], d_sim->qacc[0]);
      // the diagnostics are state, so only a step records them: those of the evaluation at
      // the state the step started from (Euler evaluates once)
      const double saturated_before = d_hybrid->plugin_state[layout.saturated_total()];
      mj_step(hybrid.get(), d_hybrid.get());
      EXPECT_EQ(d_hybrid->plugin_state[layout.saturated_last()], diag.saturated);
      EXPECT_FLOAT_EQ(d_hybrid->plugin_state[layout.spread()], diag.spread);
      EXPECT_EQ(d_hybrid->plugin_state[layout.saturated_total()], saturated_before + diag.saturated);
    }
  }
}

TEST_F(AugmentTest, MemberAllIsTheDefault) {
  ModelPtr by_default = Hybrid(), all = Hybrid(ConfigKey("member", "all"));
  ASSERT_NE(by_default, nullptr);
  ASSERT_NE(all, nullptr);
  auto [a, b] = RolloutTwins(by_default.get(), all.get(), 300, 7);
  EXPECT_TRUE(BitIdentical(a.qpos, b.qpos));
  EXPECT_TRUE(BitIdentical(a.qvel, b.qvel));
  EXPECT_TRUE(BitIdentical(a.plugin_state, b.plugin_state));
}

TEST_F(AugmentTest, EachMemberRunsAloneAndDiffers) {
  ModelPtr mean = Hybrid();
  ASSERT_NE(mean, nullptr);
  std::vector<Trajectory> runs;
  const std::vector<double> controls = RandomControls(mean.get(), 300, 8);
  for (const char* member : {"0", "1"}) {
    SCOPED_TRACE(std::string("member ") + member);
    ModelPtr hybrid = Hybrid(ConfigKey("member", member));
    ASSERT_NE(hybrid, nullptr);
    DataPtr d = MakeData(hybrid.get());
    runs.push_back(Rollout(hybrid.get(), d.get(), controls, 0, 300));
    EXPECT_TRUE(AllFinite(runs.back().qpos));
    EXPECT_TRUE(AllFinite(runs.back().qvel));
  }
  DataPtr d = MakeData(mean.get());
  Trajectory ensemble = Rollout(mean.get(), d.get(), controls, 0, 300);
  // members with different weights move the arm differently, and neither is the mean
  EXPECT_GT(MaxAbsDifference(runs[0].qpos, runs[1].qpos), 1e-3);
  EXPECT_GT(MaxAbsDifference(runs[0].qpos, ensemble.qpos), 1e-3);
  EXPECT_GT(MaxAbsDifference(runs[1].qpos, ensemble.qpos), 1e-3);
}

TEST_F(AugmentTest, MemberResidualEqualsThatMembersEvaluatorWithTheEnsembleSpread) {
  std::string error;
  auto loaded = LoadResidualModel(model_path_, &error);
  ASSERT_NE(loaded, nullptr) << error;
  ASSERT_EQ(loaded->network->members(), 3);
  ResidualEvaluator mean(loaded);
  const PluginStateLayout layout{2, kHistory};
  DataPtr d_sim = MakeData(sim_.get());
  for (int member = 0; member < 3; ++member) {
    SCOPED_TRACE("member " + std::to_string(member));
    ModelPtr hybrid = Hybrid(ConfigKey("member", std::to_string(member)));
    ASSERT_NE(hybrid, nullptr);
    DataPtr d_hybrid = MakeData(hybrid.get());
    ResidualEvaluator evaluator(loaded, member);
    for (unsigned trial = 0; trial < 10; ++trial) {
      RandomState(hybrid.get(), d_hybrid.get(), d_sim.get(), trial);
      mj_forward(sim_.get(), d_sim.get());
      mj_forward(hybrid.get(), d_hybrid.get());
      double expected[2], ensemble[2];
      ResidualDiagnostics diag, ensemble_diag;
      ASSERT_TRUE(evaluator.Compute(d_hybrid->qpos, d_hybrid->qvel, d_hybrid->ctrl,
                                    d_hybrid->plugin_state, nullptr, 1, expected, &diag));
      ASSERT_TRUE(mean.Compute(d_hybrid->qpos, d_hybrid->qvel, d_hybrid->ctrl,
                               d_hybrid->plugin_state, nullptr, 1, ensemble, &ensemble_diag));
      for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(d_hybrid->qfrc_passive[i], d_sim->qfrc_passive[i] + expected[i]) << i;
      }
      EXPECT_NE(expected[0], ensemble[0]);
      // the disagreement recorded in plugin_state stays the ensemble's
      EXPECT_EQ(diag.spread, ensemble_diag.spread);
      EXPECT_GT(diag.spread, 0);
      mj_step(hybrid.get(), d_hybrid.get());
      EXPECT_FLOAT_EQ(d_hybrid->plugin_state[layout.spread()], ensemble_diag.spread);
    }
  }
}

TEST_F(AugmentTest, ResidualIsBounded) {
  ModelPtr hybrid = Hybrid(ConfigKey("scale", "1.5"));
  ASSERT_NE(hybrid, nullptr);
  DataPtr d = MakeData(hybrid.get());
  const std::vector<double> controls = RandomControls(hybrid.get(), 300, 5);
  for (int k = 0; k < 300; ++k) {
    std::copy(controls.begin() + 2 * k, controls.begin() + 2 * k + 2, d->ctrl);
    mj_step(hybrid.get(), d.get());
    mj_forward(hybrid.get(), d.get());
    for (int i = 0; i < 2; ++i) {
      ASSERT_LE(std::abs(d->qfrc_passive[i]), 1.5 * model_.output_bound[i]) << "step " << k;
    }
  }
}

TEST_F(AugmentTest, ForwardIsIdempotent) {
  ModelPtr hybrid = Hybrid();
  ASSERT_NE(hybrid, nullptr);
  DataPtr d = MakeData(hybrid.get());
  Rollout(hybrid.get(), d.get(), RandomControls(hybrid.get(), 25, 6), 0, 25);
  mj_forward(hybrid.get(), d.get());
  const int nv = hybrid->nv, ns = hybrid->npluginstate;
  std::vector<double> passive(d->qfrc_passive, d->qfrc_passive + nv);
  std::vector<double> qacc(d->qacc, d->qacc + nv);
  std::vector<double> state(d->plugin_state, d->plugin_state + ns);
  for (int repeat = 0; repeat < 3; ++repeat) {
    mj_forward(hybrid.get(), d.get());
    EXPECT_TRUE(BitIdentical(passive, {d->qfrc_passive, d->qfrc_passive + nv}));
    EXPECT_TRUE(BitIdentical(qacc, {d->qacc, d->qacc + nv}));
    EXPECT_TRUE(BitIdentical(state, {d->plugin_state, d->plugin_state + ns}));
  }
}

TEST_F(AugmentTest, HistoryHoldsTheLastControlsNewestFirst) {
  // RK4 evaluates the residual four times per step; the history must still move once
  for (const char* integrator : {"Euler", "RK4", "implicitfast"}) {
    SCOPED_TRACE(integrator);
    ModelPtr hybrid =
        LoadXml(HybridXml(WithOption(sim_xml_, "integrator", integrator), model_path_, "augment"));
    ASSERT_NE(hybrid, nullptr);
    DataPtr d = MakeData(hybrid.get());
    // a fresh mjData starts with an empty history
    for (int i = 0; i < hybrid->npluginstate; ++i) EXPECT_EQ(d->plugin_state[i], 0) << i;
    const std::vector<double> controls = RandomControls(hybrid.get(), 7, 10);
    Rollout(hybrid.get(), d.get(), controls, 0, 7);
    // u[6], u[5], u[4], u[3]
    for (int tap = 0; tap < kHistory; ++tap) {
      for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(d->plugin_state[2 * tap + i], controls[2 * (6 - tap) + i])
            << "tap " << tap << " actuator " << i;
      }
    }
    // mj_resetData clears the history and the counters
    mj_resetData(hybrid.get(), d.get());
    for (int i = 0; i < hybrid->npluginstate; ++i) EXPECT_EQ(d->plugin_state[i], 0) << i;
  }
}

TEST_F(AugmentTest, SaturationCounterSumsEveryStep) {
  // a training range that only covers small controls: the controls of most steps saturate
  ResidualModel narrow = model_;
  NarrowControlRange(&narrow, 0.5f);
  const std::string path = SaveResidual(narrow, "narrow.safetensors");
  ModelPtr hybrid = LoadXml(HybridXml(sim_xml_, path, "augment"));
  ASSERT_NE(hybrid, nullptr);
  DataPtr d = MakeData(hybrid.get());
  const PluginStateLayout layout{2, kHistory};
  const std::vector<double> controls = RandomControls(hybrid.get(), 50, 11);
  double sum = 0;
  for (int k = 0; k < 50; ++k) {
    std::copy(controls.begin() + 2 * k, controls.begin() + 2 * k + 2, d->ctrl);
    mj_step(hybrid.get(), d.get());
    // Euler evaluates the residual once per step, so the total is the sum of the lasts
    sum += d->plugin_state[layout.saturated_last()];
    ASSERT_EQ(d->plugin_state[layout.saturated_total()], sum) << "step " << k;
  }
  EXPECT_GT(sum, 50);
}

}  // namespace
}  // namespace mjhybrid
