// A whole-state model trained at a control period of k physics steps (its signature's
// control_period is k timesteps) is evaluated at each period's first step, and its correction
// is held through the other k - 1, as its training targets assumed (pipeline/targets.h,
// pipeline/velocity_targets.h; plugin/core/plugin_state.h): every step of a period is the
// analytic step with the correction of the period's start state, for a force model and for a
// velocity model, under Euler and RK4; a state saved mid-period continues bit for bit, because the held values are
// plugin state.

#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include <random>
#include <string>
#include <vector>

#include "plugin/core/residual_evaluator.h"
#include "plugin/mujoco/state_layout_from_model.h"
#include "tests/plugin/fixture.h"

namespace mjhybrid {
namespace {

constexpr int kSubsteps = 3;  // physics steps per control period
constexpr int kHistory = 2;
constexpr int kPeriods = 8;

// arm2's 5 ms step under a 15 ms control period; outputs large enough to move the arm
ResidualModel HeldModel(const mjModel* m, ResidualOutput output, unsigned seed) {
  std::mt19937 rng(seed);
  FeatureSpec spec;
  spec.ctrl_history = kHistory;
  spec.output = output;
  const float scale = output == ResidualOutput::kVelocity ? 0.05f : 0.5f;
  ResidualModel model = testutil::ConstantNormalizerModel(StateLayoutFromModel(m), spec, 20, scale, 4 * scale);
  model.signature.control_period = kSubsteps * m->opt.timestep;
  const int nin = static_cast<int>(model.input_mean.size()), nv = model.signature.nv;
  model.network = testutil::RandomEnsemble({nin, 16, 16, nv}, 1, &rng);
  return model;
}

class HoldTest : public SimSceneTest {
 protected:
  // `integrator`: unless empty, both models use it
  void Load(ResidualOutput output, const std::string& integrator = "") {
    if (!integrator.empty()) {
      sim_xml_ = WithOption(sim_xml_, "integrator", integrator);
      sim_ = LoadXml(sim_xml_);
      ASSERT_NE(sim_, nullptr);
    }
    path_ = SaveResidual(HeldModel(sim_.get(), output, 11), "held.safetensors");
    hybrid_ = LoadXml(HybridXml(sim_xml_, path_, "augment"));
    ASSERT_NE(hybrid_, nullptr);
    std::string error;
    loaded_ = LoadResidualModel(path_, &error);
    ASSERT_NE(loaded_, nullptr) << error;
    // one control per period, as a policy or a recorded log gives them
    controls_ = RandomControls(sim_.get(), kPeriods, 3);
  }

  // steps the hybrid kPeriods periods beside the analytic model, to which the correction the
  // network gives at each period's start state is applied by hand, held for the period
  void ExpectPeriodsAreAnalyticWithHeldCorrection(ResidualOutput output);

  std::string path_;
  ModelPtr hybrid_;
  std::shared_ptr<const ResidualModel> loaded_;
  std::vector<double> controls_;
};

void HoldTest::ExpectPeriodsAreAnalyticWithHeldCorrection(ResidualOutput output) {
  const mjModel* sim = sim_.get();
  const mjModel* hybrid = hybrid_.get();
  const int nv = sim->nv;
  DataPtr d_sim = MakeData(sim), d_hybrid = MakeData(hybrid);
  ResidualEvaluator evaluator(loaded_);
  std::vector<double> correction(nv), first(nv);
  for (int p = 0; p < kPeriods; ++p) {
    mju_copy(d_sim->ctrl, controls_.data() + p * sim->nu, sim->nu);
    mju_copy(d_hybrid->ctrl, d_sim->ctrl, sim->nu);
    // the history the network sees is the hybrid's own plugin state (its first values)
    ASSERT_TRUE(evaluator.Compute(d_hybrid->qpos, d_hybrid->qvel, d_hybrid->ctrl, d_hybrid->plugin_state,
                                  nullptr, 1.0, correction.data(), nullptr));
    if (p == 0) first = correction;
    for (int s = 0; s < kSubsteps; ++s) {
      if (output == ResidualOutput::kForce) mju_copy(d_sim->qfrc_applied, correction.data(), nv);
      mj_step(sim, d_sim.get());
      if (output == ResidualOutput::kVelocity) {
        mju_addTo(d_sim->qvel, correction.data(), nv);
        mj_integratePos(sim, d_sim->qpos, correction.data(), sim->opt.timestep);
      }
      mj_step(hybrid, d_hybrid.get());
      for (int i = 0; i < nv; ++i) {
        ASSERT_NEAR(d_hybrid->qvel[i], d_sim->qvel[i], 1e-9) << "period " << p << ", step " << s << ", dof " << i;
        ASSERT_NEAR(d_hybrid->qpos[i], d_sim->qpos[i], 1e-9) << "period " << p << ", step " << s << ", dof " << i;
      }
    }
  }
  // the correction follows the state from period to period; held only within one
  EXPECT_GT(MaxAbsDifference(first, correction), 1e-3);
  EXPECT_GT(MaxAbsDifference(std::vector<double>(d_sim->qpos, d_sim->qpos + sim->nq),
                             std::vector<double>(sim->qpos0, sim->qpos0 + sim->nq)),
            1e-2)
      << "the arm hardly moved";
}

TEST_F(HoldTest, ForceModelHoldsThePeriodsFirstCorrection) {
  Load(ResidualOutput::kForce);
  ASSERT_FALSE(HasFatalFailure());
  // the history, the held correction (nv), the counters
  EXPECT_EQ(hybrid_->plugin_statenum[0], (PluginStateLayout{sim_->nu, kHistory, kSubsteps, sim_->nv}.size()));
  ExpectPeriodsAreAnalyticWithHeldCorrection(ResidualOutput::kForce);
}

TEST_F(HoldTest, VelocityModelHoldsThePeriodsFirstCorrection) {
  Load(ResidualOutput::kVelocity);
  ASSERT_FALSE(HasFatalFailure());
  ExpectPeriodsAreAnalyticWithHeldCorrection(ResidualOutput::kVelocity);
}

// under RK4 the force model is evaluated at the period's start state only: its correction
// holds through the stages of every step of the period, as a held applied force does
TEST_F(HoldTest, UnderRk4TheForceHoldsThroughTheStages) {
  Load(ResidualOutput::kForce, "RK4");
  ASSERT_FALSE(HasFatalFailure());
  ExpectPeriodsAreAnalyticWithHeldCorrection(ResidualOutput::kForce);
}

TEST_F(HoldTest, UnderRk4TheVelocityModelHoldsItsCorrection) {
  Load(ResidualOutput::kVelocity, "RK4");
  ASSERT_FALSE(HasFatalFailure());
  ExpectPeriodsAreAnalyticWithHeldCorrection(ResidualOutput::kVelocity);
}

// a copy taken after the first step of a period must go on applying that period's correction
TEST_F(HoldTest, StateSavedMidPeriodContinuesBitForBit) {
  for (ResidualOutput output : {ResidualOutput::kForce, ResidualOutput::kVelocity}) {
    SCOPED_TRACE(output == ResidualOutput::kForce ? "force" : "velocity");
    Load(output);
    ASSERT_FALSE(HasFatalFailure());
    const mjModel* m = hybrid_.get();
    const std::vector<double> controls = RandomControls(m, 4 * kSubsteps, 5);
    DataPtr a = MakeData(m);
    Rollout(m, a.get(), controls, 0, kSubsteps + 1);
    const PluginStateLayout layout{m->nu, kHistory, kSubsteps, m->nv};
    ASSERT_TRUE(layout.MidPeriod(a->plugin_state));
    EXPECT_NE(a->plugin_state[layout.held_correction()], 0);
    std::vector<double> saved(mj_stateSize(m, mjSTATE_FULLPHYSICS));
    mj_getState(m, a.get(), saved.data(), mjSTATE_FULLPHYSICS);
    const Trajectory continued = Rollout(m, a.get(), controls, kSubsteps + 1, 2 * kSubsteps);
    DataPtr b = MakeData(m);
    mj_setState(m, b.get(), saved.data(), mjSTATE_FULLPHYSICS);
    const Trajectory restored = Rollout(m, b.get(), controls, kSubsteps + 1, 2 * kSubsteps);
    EXPECT_TRUE(BitIdentical(continued.qpos, restored.qpos)) << MaxAbsDifference(continued.qpos, restored.qpos);
    EXPECT_TRUE(BitIdentical(continued.qvel, restored.qvel));
    EXPECT_TRUE(BitIdentical(continued.plugin_state, restored.plugin_state));
  }
}

// mj_forward mid-period (a viewer redrawing a paused simulation) applies the held force and
// changes no state
TEST_F(HoldTest, ForwardMidPeriodAppliesTheHeldForce) {
  Load(ResidualOutput::kForce);
  ASSERT_FALSE(HasFatalFailure());
  const mjModel* m = hybrid_.get();
  DataPtr d = MakeData(m);
  const std::vector<double> controls = RandomControls(m, kSubsteps, 9);
  Rollout(m, d.get(), controls, 0, 1);
  const std::vector<double> state(d->plugin_state, d->plugin_state + m->npluginstate);
  DataPtr d_sim = MakeData(sim_.get());
  mju_copy(d_sim->qpos, d->qpos, m->nq);
  mju_copy(d_sim->qvel, d->qvel, m->nv);
  mj_forward(m, d.get());
  mj_forward(sim_.get(), d_sim.get());
  const PluginStateLayout layout{m->nu, kHistory, kSubsteps, m->nv};
  for (int i = 0; i < m->nv; ++i) {
    EXPECT_NEAR(d->qfrc_passive[i] - d_sim->qfrc_passive[i], d->plugin_state[layout.held_correction() + i], 1e-12);
  }
  EXPECT_TRUE(BitIdentical(state, std::vector<double>(d->plugin_state, d->plugin_state + m->npluginstate)));
}

}  // namespace
}  // namespace mjhybrid
