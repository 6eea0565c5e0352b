// Force targets (pipeline/targets.h) on a system whose gap to the analytic model is a known
// generalized force: a two-link arm without contact whose "real" version has a spring on the
// shoulder and damping on the elbow that the analytic model lacks.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "pipeline/targets.h"
#include "plugin/mujoco/state_layout_from_model.h"
#include "scene/mujoco_util.h"
#include "tests/pipeline/two_arms.h"

namespace mjhybrid::pipeline {
namespace {

using testing_arms::kDamping;
using testing_arms::kSpringRef;
using testing_arms::kStiffness;
using scene::Episode;
using scene::LoadModel;
using scene::TrajectoryDataset;

constexpr double kAlpha = 0.3;        // the filter constant of targets.cc

// the two arms, recorded with seed 11
class TargetsTest : public testing_arms::TwoArmsTest {
 protected:
  TrajectoryDataset Record(const std::string& path) const { return TwoArmsTest::Record(path, 11); }
};

// Semi-implicit Euler with implicit joint damping (MuJoCo's default integrator) steps
//   M(q_t) (v_t+1 - v_t) = h (f(q_t, v_t, u_t) - D v_t+1),
// so the real arm's step differs from the analytic one by the generalized force
//   tau = (-k (q_shoulder,t - q_ref),  -D v_elbow,t+1)
// (the spring at the recorded position, the damping at the recorded *next* velocity), and the
// analytic step with tau applied lands exactly on v_t+1. The analytic arm has no damping, so
// its response to a force is h M^-1 and, in the free-effect coordinates of targets.cc, every
// singular value is 1: the filter keeps 1 / (1 + alpha^4) of it. The targets are therefore
// tau / (1 + alpha^4) up to round-off (the finite-difference response is exact for a step
// linear in the force). Taking the damping at v_t instead, or leaving out the filter, is off
// by more than 1e-3 N*m somewhere in the data, far outside the tolerance.
TEST_F(TargetsTest, ForceTargetsReproduceTheMissingSpringAndDamping) {
  const TrajectoryDataset data = Record(real_);
  ModelPtr sim = LoadModel(sim_);
  const TrainingSet set = BuildTrainingSet(sim.get(), data, FeatureSpec{}, false);

  ASSERT_EQ(set.output_count, 2);
  ASSERT_EQ(set.rows(), data.transitions());
  const double keep = 1 / (1 + std::pow(kAlpha, 4));
  double largest = 0, explicit_gap = 0;
  int row = 0;
  for (size_t e = 0; e < data.episodes.size(); ++e) {
    const Episode& ep = data.episodes[e];
    for (int t = 0; t < ep.steps(); ++t, ++row) {
      ASSERT_EQ(set.episode[row], static_cast<int>(e));
      const double spring = -kStiffness * (ep.qpos[2 * t] - kSpringRef);
      const double damping = -kDamping * ep.qvel[2 * (t + 1) + 1];
      const double* target = &set.targets[2 * row];
      EXPECT_NEAR(target[0], keep * spring, 1e-8 * (1 + std::abs(spring)))
          << "episode " << e << " step " << t;
      EXPECT_NEAR(target[1], keep * damping, 1e-8 * (1 + std::abs(damping)))
          << "episode " << e << " step " << t;
      largest = std::max({largest, std::abs(spring), std::abs(damping)});
      explicit_gap = std::max(explicit_gap, kDamping * std::abs(ep.qvel[2 * (t + 1) + 1] - ep.qvel[2 * t + 1]));
    }
  }
  // the data tells the right answer from the near misses by far more than the tolerance
  EXPECT_GT(largest, 0.5) << "the recorded motion hardly exercises the spring and damping";
  EXPECT_GT((1 - keep) * largest, 1e-3);
  EXPECT_GT(explicit_gap, 1e-3) << "damping at v_t would pass as well";
}

// Data recorded from the analytic arm itself: its own step from each recorded state lands on
// the recorded next velocity, so there is no force to learn.
TEST_F(TargetsTest, ForceTargetsVanishOnTheAnalyticModelsOwnData) {
  const TrajectoryDataset data = Record(sim_);
  ModelPtr sim = LoadModel(sim_);
  const TrainingSet set = BuildTrainingSet(sim.get(), data, FeatureSpec{}, false);
  ASSERT_EQ(set.rows(), data.transitions());
  for (size_t i = 0; i < set.targets.size(); ++i) {
    ASSERT_NEAR(set.targets[i], 0.0, 1e-9) << "row " << i / 2 << " dof " << i % 2;
  }
}

}  // namespace
}  // namespace mjhybrid::pipeline
