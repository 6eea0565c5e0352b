// A velocity residual (output "dqvel") in mode augment: evaluated at the state a step starts
// from, applied once the analytic step (constraint solver included) is integrated: qvel moves
// by exactly the network's dv and qpos by h*dv, under Euler, the implicit integrators and RK4
// (whose stages 2-4 keep the start state's features); scale 0 leaves the analytic trajectory
// bit for bit alone; the state round trip replays a step exactly; free joints stay unit
// quaternions.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include <random>
#include <string>
#include <vector>

#include "plugin/core/residual_evaluator.h"
#include "tests/plugin/fixture.h"

namespace mjhybrid {
namespace {

using ::testing::HasSubstr;

constexpr int kHistory = 2;

// a random whole-state model of `m` whose output is a velocity change, about +-0.05 m/s or
// rad/s per step (comparable to what a real/sim gap gives at 5 ms); with `constraint_response`
// it also sees the solver's velocity change in the step
ResidualModel RandomVelocityResidual(const mjModel* m, unsigned seed, bool constraint_response = false) {
  std::mt19937 rng(seed);
  FeatureSpec spec;
  spec.ctrl_history = kHistory;
  spec.output = ResidualOutput::kVelocity;
  spec.constraint_response = constraint_response;
  ResidualModel model = testutil::ConstantNormalizerModel(StateLayoutFromModel(m), spec, 20, 0.05f, 0.2f);
  const int nin = static_cast<int>(model.input_mean.size()), nv = model.signature.nv;
  model.network = testutil::RandomEnsemble({nin, 16, 16, nv}, 2, &rng);
  return model;
}

std::string SceneXml(const std::string& scene) {
  return ReadText(std::string(MJHYBRID_SOURCE_DIR) + "/scenes/" + scene + "/sim.xml");
}

class VelocityTest : public MujocoTest {
 protected:
  // the scene `name`'s sim.xml (with `integrator` unless empty) and its hybrid twin
  void Load(const std::string& name, const std::string& integrator = "",
            const std::string& extra_config = "", bool constraint_response = false) {
    xml_ = SceneXml(name);
    ASSERT_FALSE(xml_.empty());
    if (!integrator.empty()) xml_ = WithOption(xml_, "integrator", integrator);
    sim_ = LoadXml(xml_);
    ASSERT_NE(sim_, nullptr);
    model_path_ = SaveResidual(RandomVelocityResidual(sim_.get(), 5, constraint_response),
                               name + "-velocity.safetensors");
    hybrid_ = LoadXml(HybridXml(xml_, model_path_, "augment", extra_config));
    ASSERT_NE(hybrid_, nullptr);
  }

  // a recorded-looking state: the analytic model run for `steps` random controls
  void Settle(mjData* d, int steps, unsigned seed) {
    const std::vector<double> controls = RandomControls(sim_.get(), steps, seed);
    Rollout(sim_.get(), d, controls, 0, steps);
  }

  // from `trials` fresh starts settled for first, first + every, ... steps: one hybrid step is
  // the analytic step plus dv each time
  void ExpectStepsFromSettledStates(mjData* d_sim, mjData* d_hybrid, int trials, int first, int every);

  std::string xml_, model_path_;
  ModelPtr sim_, hybrid_;
};

// the analytic model's state and controls into the hybrid's mjData (whose plugin state, the
// control history, stays its own)
void CopyState(const mjModel* sim, const mjData* from, mjData* to) {
  mju_copy(to->qpos, from->qpos, sim->nq);
  mju_copy(to->qvel, from->qvel, sim->nv);
  mju_copy(to->act, from->act, sim->na);
  mju_copy(to->ctrl, from->ctrl, sim->nu);
  mju_copy(to->qacc_warmstart, from->qacc_warmstart, sim->nv);
  to->time = from->time;
}

// from the same state, control and history, one hybrid step is the analytic step plus dv
void ExpectStepIsAnalyticPlusCorrection(const mjModel* sim, const mjModel* hybrid,
                                        const std::string& model_path, mjData* d_sim,
                                        mjData* d_hybrid) {
  std::string error;
  auto loaded = LoadResidualModel(model_path, &error);
  ASSERT_NE(loaded, nullptr) << error;
  ResidualEvaluator evaluator(loaded);
  mj_forward(hybrid, d_hybrid);  // contacts of the start state for the pair features
  std::vector<PairState> pairs(loaded->features.contact_pairs.size());
  ASSERT_TRUE(pairs.empty()) << "the random model sees no contact pairs";
  std::vector<double> dv(hybrid->nv);
  const bool solver_features = loaded->features.constraint_response;
  if (solver_features) {
    evaluator.BeginStep(d_hybrid->qpos, d_hybrid->qvel, d_hybrid->ctrl, d_hybrid->plugin_state, nullptr);
  } else {
    ASSERT_TRUE(evaluator.Compute(d_hybrid->qpos, d_hybrid->qvel, d_hybrid->ctrl,
                                  d_hybrid->plugin_state, nullptr, 1.0, dv.data(), nullptr));
  }

  // the network's last inputs are what the solver does at the start state (under RK4 the
  // step leaves the last stage's qacc behind, so they are read before it)
  mj_forward(sim, d_sim);
  std::vector<double> constraint_dv(hybrid->nv);
  for (int i = 0; i < hybrid->nv; ++i) {
    constraint_dv[i] = hybrid->opt.timestep * (d_sim->qacc[i] - d_sim->qacc_smooth[i]);
  }
  mj_step(sim, d_sim);
  mj_step(hybrid, d_hybrid);
  if (solver_features) {
    ASSERT_TRUE(evaluator.FinishStep(constraint_dv.data(), 1.0, dv.data(), nullptr));
  }
  // the solver never saw the correction: passive forces and accelerations are analytic
  for (int i = 0; i < hybrid->nv; ++i) {
    EXPECT_EQ(d_hybrid->qfrc_passive[i], d_sim->qfrc_passive[i]) << i;
    EXPECT_EQ(d_hybrid->qacc[i], d_sim->qacc[i]) << i;
    EXPECT_NEAR(d_hybrid->qvel[i], d_sim->qvel[i] + dv[i], 1e-12) << i;
  }
  std::vector<double> expected(d_sim->qpos, d_sim->qpos + hybrid->nq);
  mj_integratePos(hybrid, expected.data(), dv.data(), hybrid->opt.timestep);
  for (int i = 0; i < hybrid->nq; ++i) EXPECT_NEAR(d_hybrid->qpos[i], expected[i], 1e-12) << i;
  EXPECT_NE(dv[0], 0);
}

void VelocityTest::ExpectStepsFromSettledStates(mjData* d_sim, mjData* d_hybrid, int trials,
                                               int first, int every) {
  for (int trial = 0; trial < trials; ++trial) {
    mj_resetData(sim_.get(), d_sim);
    mj_resetData(hybrid_.get(), d_hybrid);
    Settle(d_sim, first + every * trial, trial);
    CopyState(sim_.get(), d_sim, d_hybrid);
    ExpectStepIsAnalyticPlusCorrection(sim_.get(), hybrid_.get(), model_path_, d_sim, d_hybrid);
  }
}

TEST_F(VelocityTest, StepIsTheAnalyticStepPlusTheCorrection) {
  for (const char* integrator : {"Euler", "implicitfast", "implicit", "RK4"}) {
    SCOPED_TRACE(integrator);
    Load("arm2", integrator);
    ASSERT_FALSE(HasFatalFailure());
    DataPtr d_sim = MakeData(sim_.get()), d_hybrid = MakeData(hybrid_.get());
    for (unsigned trial = 0; trial < 10; ++trial) {
      Settle(d_sim.get(), 20, trial);
      CopyState(sim_.get(), d_sim.get(), d_hybrid.get());
      ExpectStepIsAnalyticPlusCorrection(sim_.get(), hybrid_.get(), model_path_, d_sim.get(),
                                         d_hybrid.get());
    }
  }
}

TEST_F(VelocityTest, FreeBodiesUnderContactKeepUnitQuaternions) {
  // toss: a free box on a floor; the correction acts past the solver, so it moves the box even
  // while it rests on the floor
  Load("toss");
  ASSERT_FALSE(HasFatalFailure());
  DataPtr d_sim = MakeData(sim_.get()), d_hybrid = MakeData(hybrid_.get());
  ExpectStepsFromSettledStates(d_sim.get(), d_hybrid.get(), 5, 100, 50);
  const std::vector<double> controls = RandomControls(sim_.get(), 1000, 9);
  Trajectory t = Rollout(hybrid_.get(), d_hybrid.get(), controls, 0, 1000);
  ASSERT_TRUE(AllFinite(t.qpos));
  ASSERT_TRUE(AllFinite(t.qvel));
  const int adr = hybrid_->jnt_qposadr[0] + 3;  // the box's quaternion
  EXPECT_NEAR(mju_norm(d_hybrid->qpos + adr, 4), 1.0, 1e-9);
}

TEST_F(VelocityTest, ConstraintResponseFeaturesAreTheSolversVelocityChange) {
  // toss resting and bouncing on its floor: the solver's response is large and varied
  Load("toss", "", "", /*constraint_response=*/true);
  ASSERT_FALSE(HasFatalFailure());
  DataPtr d_sim = MakeData(sim_.get()), d_hybrid = MakeData(hybrid_.get());
  ExpectStepsFromSettledStates(d_sim.get(), d_hybrid.get(), 5, 60, 40);
  // and 1000 steps stay finite
  const std::vector<double> controls = RandomControls(sim_.get(), 1000, 5);
  Trajectory t = Rollout(hybrid_.get(), d_hybrid.get(), controls, 0, 1000);
  EXPECT_TRUE(AllFinite(t.qpos));
  EXPECT_TRUE(AllFinite(t.qvel));
}

TEST_F(VelocityTest, ScaleZeroIsBitIdenticalToTheAnalyticModel) {
  Load("toss", "", ConfigKey("scale", "0"));
  ASSERT_FALSE(HasFatalFailure());
  auto [a, b] = RolloutTwins(sim_.get(), hybrid_.get(), 1000, 3);
  EXPECT_TRUE(BitIdentical(a.qpos, b.qpos));
  EXPECT_TRUE(BitIdentical(a.qvel, b.qvel));
}

TEST_F(VelocityTest, ForwardAloneAppliesNothing) {
  // mj_forward evaluates the network but never integrates: only a step applies the correction
  Load("arm2");
  ASSERT_FALSE(HasFatalFailure());
  DataPtr d = MakeData(hybrid_.get());
  d->qpos[0] = 0.4;
  d->qvel[1] = -1.5;
  const std::vector<double> qpos(d->qpos, d->qpos + hybrid_->nq), qvel(d->qvel, d->qvel + hybrid_->nv);
  for (int i = 0; i < 3; ++i) mj_forward(hybrid_.get(), d.get());
  EXPECT_TRUE(BitIdentical(qpos, std::vector<double>(d->qpos, d->qpos + hybrid_->nq)));
  EXPECT_TRUE(BitIdentical(qvel, std::vector<double>(d->qvel, d->qvel + hybrid_->nv)));
}

TEST_F(VelocityTest, StateRoundTripReplaysTheNextSteps) {
  Load("toss");
  ASSERT_FALSE(HasFatalFailure());
  DataPtr d = MakeData(hybrid_.get());
  const std::vector<double> controls = RandomControls(hybrid_.get(), 200, 4);
  Rollout(hybrid_.get(), d.get(), controls, 0, 100);
  const int spec = mjSTATE_INTEGRATION;
  std::vector<double> state(mj_stateSize(hybrid_.get(), spec));
  mj_getState(hybrid_.get(), d.get(), state.data(), spec);
  Trajectory first = Rollout(hybrid_.get(), d.get(), controls, 100, 100);
  DataPtr e = MakeData(hybrid_.get());
  mj_setState(hybrid_.get(), e.get(), state.data(), spec);
  Trajectory second = Rollout(hybrid_.get(), e.get(), controls, 100, 100);
  EXPECT_TRUE(BitIdentical(first.qpos, second.qpos));
  EXPECT_TRUE(BitIdentical(first.qvel, second.qvel));
}

// RK4 evaluates the passive stage four times a step: the features and the solver's response
// are the start state's, on a box resting and bouncing on toss's floor
TEST_F(VelocityTest, UnderRk4TheCorrectionUsesTheStartState) {
  Load("toss", "RK4", "", /*constraint_response=*/true);
  ASSERT_FALSE(HasFatalFailure());
  DataPtr d_sim = MakeData(sim_.get()), d_hybrid = MakeData(hybrid_.get());
  ExpectStepsFromSettledStates(d_sim.get(), d_hybrid.get(), 5, 60, 40);
  const std::vector<double> controls = RandomControls(sim_.get(), 1000, 5);
  Trajectory t = Rollout(hybrid_.get(), d_hybrid.get(), controls, 0, 1000);
  EXPECT_TRUE(AllFinite(t.qpos));
  EXPECT_TRUE(AllFinite(t.qvel));
}

}  // namespace
}  // namespace mjhybrid
