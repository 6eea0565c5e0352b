// Velocity-change targets (pipeline/velocity_targets.h) with a one-step window, on a two-link
// arm without contact whose "real" version has a shoulder spring and elbow damping that the
// analytic model lacks.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pipeline/velocity_targets.h"
#include "scene/mujoco_util.h"
#include "tests/pipeline/two_arms.h"

namespace mjhybrid::pipeline {
namespace {

using testing_arms::kDamping;
using testing_arms::kSpringRef;
using testing_arms::kStiffness;
using scene::Episode;
using scene::LoadModel;
using scene::MakeData;
using scene::TrajectoryDataset;

FeatureSpec VelocitySpec() {
  FeatureSpec spec;
  spec.output = ResidualOutput::kVelocity;
  return spec;
}

// the two arms, recorded with seed 5
class VelocityTargetsTest : public testing_arms::TwoArmsTest {
 protected:
  TrajectoryDataset Record(const std::string& path) const { return TwoArmsTest::Record(path, 5); }
};

// With window 1 each recorded transition gives one row: the real velocity change minus the
// change of one analytic mj_step from the recorded state and control, i.e. v_real,t+1 -
// v_sim,t+1. That gap is the missing physics: M(q_t) (v_real,t+1 - v_sim,t+1) = h tau with
// tau = (-k (q_shoulder,t - q_ref), -D v_elbow,t+1) (semi-implicit Euler, damping implicit).
TEST_F(VelocityTargetsTest, WindowOneGivesRealMinusAnalyticVelocityChange) {
  const TrajectoryDataset data = Record(real_);
  ModelPtr sim = LoadModel(sim_);
  const mjModel* m = sim.get();
  const TrainingSet set = BuildVelocityTrainingSet(m, data, VelocitySpec(), 1, false);
  ASSERT_EQ(set.output_count, 2);
  ASSERT_EQ(set.rows(), data.transitions());

  DataPtr owner = MakeData(m);
  mjData* d = owner.get();
  const double h = m->opt.timestep;
  double largest = 0;
  int row = 0;
  for (size_t e = 0; e < data.episodes.size(); ++e) {
    const Episode& ep = data.episodes[e];
    for (int t = 0; t < ep.steps(); ++t, ++row) {
      ASSERT_EQ(set.episode[row], static_cast<int>(e));
      mj_resetData(m, d);
      mju_copy(d->qpos, ep.qpos.data() + 2 * t, 2);
      mju_copy(d->qvel, ep.qvel.data() + 2 * t, 2);
      mju_copy(d->ctrl, ep.ctrl.data() + 2 * t, 2);
      const double* v_real = ep.qvel.data() + 2 * (t + 1);
      const double* target = &set.targets[2 * row];
      // the gap read as a generalized force, with M(q_t) from before the step moves q
      mjtNum force[2];
      mj_forward(m, d);
      mj_mulM(m, d, force, target);
      mj_step(m, d);
      for (int j = 0; j < 2; ++j) {
        EXPECT_NEAR(target[j], v_real[j] - d->qvel[j], 1e-12) << "episode " << e << " step " << t << " dof " << j;
      }
      const double tau[2] = {-kStiffness * (ep.qpos[2 * t] - kSpringRef), -kDamping * v_real[1]};
      for (int i = 0; i < 2; ++i) {
        EXPECT_NEAR(force[i] / h, tau[i], 1e-8 * (1 + std::abs(tau[i]))) << "episode " << e << " step " << t;
      }
      largest = std::max({largest, std::abs(target[0]), std::abs(target[1])});
    }
  }
  EXPECT_GT(largest, 1e-3) << "the real and analytic arms hardly differ in this data";
}

// Data recorded from the analytic arm itself: one analytic step from each recorded state
// reproduces the recorded next velocity, so every target is zero.
TEST_F(VelocityTargetsTest, TargetsVanishOnTheAnalyticModelsOwnData) {
  const TrajectoryDataset data = Record(sim_);
  ModelPtr sim = LoadModel(sim_);
  const TrainingSet set = BuildVelocityTrainingSet(sim.get(), data, VelocitySpec(), 1, false);
  ASSERT_EQ(set.rows(), data.transitions());
  for (size_t i = 0; i < set.targets.size(); ++i) {
    ASSERT_NEAR(set.targets[i], 0.0, 1e-12) << "row " << i / 2 << " dof " << i % 2;
  }
}

}  // namespace
}  // namespace mjhybrid::pipeline
