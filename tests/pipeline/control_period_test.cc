// Training targets at a control period of several physics steps (pipeline/targets.h,
// velocity_targets.h): data recorded every 5 ms from the two arms of two_arms.h integrated at
// 1 ms, as a robot's log comes at its control rate while the simulator steps finer. A target
// held over the 5 analytic steps of a recorded step must land the analytic model on the
// recorded velocity, and data from the analytic model itself must need no correction.

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <string>

#include "pipeline/targets.h"
#include "pipeline/velocity_targets.h"
#include "scene/dataset_fit.h"
#include "scene/mujoco_util.h"
#include "tests/pipeline/two_arms.h"

namespace mjhybrid::pipeline {
namespace {

using scene::Episode;
using scene::LoadModel;
using scene::MakeData;
using scene::TrajectoryDataset;

constexpr double kPeriod = 0.005;  // s per recorded step
constexpr int kSubsteps = 5;       // of the arms' 1 ms
// in free motion every direction of the targets' filter keeps 1 / (1 + alpha^4), alpha = 0.3
const double kKeep = 1 / (1 + std::pow(0.3, 4));

class ControlPeriodTest : public testing_arms::TwoArmsTest {
 protected:
  void SetUp() override {
    TwoArmsTest::SetUp();
    real_ = Write("real-1ms.xml", testing_arms::ArmXml(true, "0.001"));
    sim_ = Write("sim-1ms.xml", testing_arms::ArmXml(false, "0.001"));
  }
  void ExpectNoTargetsOnOwnData(const std::string& sim_path);
};

// How far the analytic arm lands from the recorded velocities, RMS over every recorded step,
// when `correct` is applied at each of its 5 steps: with the target of each row, and without
enum class Applied { kForce, kVelocity };
void LandingErrors(const mjModel* m, const TrajectoryDataset& data, const TrainingSet& set, Applied how,
                   double* with_target, double* without) {
  DataPtr owner = MakeData(m);
  mjData* d = owner.get();
  double sq_with = 0, sq_without = 0;
  int row = 0;
  for (const Episode& ep : data.episodes) {
    for (int t = 0; t < ep.steps(); ++t, ++row) {
      for (double gain : {1.0 / kKeep, 0.0}) {
        mj_resetData(m, d);
        mju_copy(d->qpos, ep.qpos.data() + 2 * t, 2);
        mju_copy(d->qvel, ep.qvel.data() + 2 * t, 2);
        mju_copy(d->ctrl, ep.ctrl.data() + 2 * t, 2);
        double c[2] = {gain * set.targets[2 * row], gain * set.targets[2 * row + 1]};
        for (int s = 0; s < kSubsteps; ++s) {
          if (how == Applied::kForce) mju_copy(d->qfrc_applied, c, 2);
          mj_step(m, d);
          if (how == Applied::kVelocity) {
            // as the plugin's advance applies a velocity model's output
            mju_addTo(d->qvel, c, 2);
            mj_integratePos(m, d->qpos, c, m->opt.timestep);
          }
        }
        const double* v = ep.qvel.data() + 2 * (t + 1);
        const double sq = (d->qvel[0] - v[0]) * (d->qvel[0] - v[0]) + (d->qvel[1] - v[1]) * (d->qvel[1] - v[1]);
        (gain > 0 ? sq_with : sq_without) += sq;
      }
    }
  }
  *with_target = std::sqrt(sq_with / row);
  *without = std::sqrt(sq_without / row);
}

TEST_F(ControlPeriodTest, DataAtTheControlPeriodFitsTheFinerModel) {
  const TrajectoryDataset data = Record(real_, 3, kPeriod);
  ModelPtr sim = LoadModel(sim_);
  EXPECT_DOUBLE_EQ(data.timestep, kPeriod);
  EXPECT_EQ(scene::ControlSubsteps(sim.get(), data), kSubsteps);
}

// a constant force over the 5 steps cannot follow the spring and the damping within the
// period exactly, but it removes nearly all of the gap (measured: 0.06 % of it is left; with
// one analytic step per recorded step the targets would be about 5 times too large)
TEST_F(ControlPeriodTest, ForceTargetsHeldOverThePeriodLandOnTheRecordedVelocity) {
  const TrajectoryDataset data = Record(real_, 3, kPeriod);
  ModelPtr sim = LoadModel(sim_);
  const TrainingSet set = BuildTrainingSet(sim.get(), data, FeatureSpec{}, false);
  ASSERT_EQ(set.rows(), data.transitions());
  double with_target = 0, without = 0;
  LandingErrors(sim.get(), data, set, Applied::kForce, &with_target, &without);
  EXPECT_GT(without, 1e-3) << "the real and analytic arms hardly differ in this data";
  EXPECT_LT(with_target, 0.005 * without) << with_target << " vs " << without;
}

TEST_F(ControlPeriodTest, VelocityTargetsAddedAfterEachStepLandOnTheRecordedVelocity) {
  const TrajectoryDataset data = Record(real_, 3, kPeriod);
  ModelPtr sim = LoadModel(sim_);
  FeatureSpec spec;
  spec.output = ResidualOutput::kVelocity;
  const TrainingSet set = BuildVelocityTrainingSet(sim.get(), data, spec, 1, false);
  ASSERT_EQ(set.rows(), data.transitions());
  double with_target = 0, without = 0;
  LandingErrors(sim.get(), data, set, Applied::kVelocity, &with_target, &without);
  EXPECT_GT(without, 1e-3);
  // measured: 0.05 % of the gap is left
  EXPECT_LT(with_target, 0.005 * without) << with_target << " vs " << without;
}

// the analytic arm's own data, recorded every 5 of its steps: nothing to correct, under
// Euler and under RK4 (whose features come from a forward pass, not mj_step1/mj_step2,
// which would integrate with Euler)
TEST_F(ControlPeriodTest, TargetsVanishOnTheAnalyticModelsOwnData) {
  for (const bool rk4 : {false, true}) {
    SCOPED_TRACE(rk4 ? "RK4" : "Euler");
    std::string xml = testing_arms::ArmXml(false, "0.001");
    if (rk4) xml.replace(xml.find("<option "), 8, "<option integrator=\"RK4\" ");
    const std::string path = Write(rk4 ? "sim-rk4.xml" : "sim-euler.xml", xml);
    ExpectNoTargetsOnOwnData(path);
  }
}

void ControlPeriodTest::ExpectNoTargetsOnOwnData(const std::string& sim_path) {
  const TrajectoryDataset data = Record(sim_path, 3, kPeriod);
  ModelPtr sim = LoadModel(sim_path);
  FeatureSpec velocity;
  velocity.output = ResidualOutput::kVelocity;
  for (const TrainingSet& set : {BuildTrainingSet(sim.get(), data, FeatureSpec{}, false),
                                 BuildVelocityTrainingSet(sim.get(), data, velocity, 1, false)}) {
    ASSERT_EQ(set.rows(), data.transitions());
    for (size_t i = 0; i < set.targets.size(); ++i) ASSERT_NEAR(set.targets[i], 0.0, 1e-9) << "row " << i / 2;
  }
}

}  // namespace
}  // namespace mjhybrid::pipeline
