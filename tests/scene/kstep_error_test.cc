// The k-step error's start spacing (scene/kstep_error.h): a long horizon's starts are thinned
// to a fraction of the horizon, a short one's are left at the stride, and a thinned horizon is
// scored exactly as the same stride would score it.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scene/collect.h"
#include "scene/kstep_error.h"
#include "scene/mujoco_util.h"
#include "tests/scene/pendulum.h"

namespace mjhybrid::scene {
namespace {

namespace fs = std::filesystem;

class KStepErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "mjhybrid_kstep_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    const std::string real = (fs::path(dir_) / "real.xml").string();
    std::ofstream(real) << PendulumXml(0.1);
    CollectOptions collect;
    collect.model_path = real;
    collect.episodes = 3;
    collect.steps = 250;
    collect.seed = 5;
    data_ = Collect(collect, false);
    // the analytic model is another pendulum (less damping), so every error is non-zero
    const std::string sim = (fs::path(dir_) / "sim.xml").string();
    std::ofstream(sim) << PendulumXml(0.02);
    sim_ = LoadModel(sim);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string dir_;
  TrajectoryDataset data_;
  ModelPtr sim_;
};

TEST_F(KStepErrorTest, SpacingThinsOnlyTheLongHorizons) {
  KStepOptions spaced;
  spaced.horizons = {1, 10, 100};
  spaced.stride = 2;
  spaced.start_spacing = 0.1;
  EXPECT_EQ(StartStride(spaced, 1), 2);    // 0.1 rounds up to 1, below the stride
  EXPECT_EQ(StartStride(spaced, 10), 2);   // exactly 1: still the stride
  EXPECT_EQ(StartStride(spaced, 100), 10);
  EXPECT_EQ(StartStride(spaced, 25), 3);   // 2.5 rounds up
  spaced.start_spacing = 0;
  EXPECT_EQ(StartStride(spaced, 100), 2);  // off: the stride alone
  spaced.start_spacing = 0.1;

  const std::vector<HorizonError> thinned = KStepError(sim_.get(), data_, spaced);
  ASSERT_EQ(thinned.size(), 3u);
  // 3 episodes of 250 steps: starts 0, 2, ... while s + h <= 250
  EXPECT_EQ(thinned[0].rollouts, 3 * 125);
  EXPECT_EQ(thinned[1].rollouts, 3 * 121);
  EXPECT_EQ(thinned[2].rollouts, 3 * 16);  // 0, 10, ..., 150

  // the unthinned short horizons are the same numbers, the thinned one is what stride 10 gives
  KStepOptions plain = spaced;
  plain.start_spacing = 0;
  plain.horizons = {1, 10};
  const std::vector<HorizonError> short_ones = KStepError(sim_.get(), data_, plain);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(thinned[i].rollouts, short_ones[i].rollouts);
    EXPECT_DOUBLE_EQ(thinned[i].qpos_rmse, short_ones[i].qpos_rmse);
    EXPECT_DOUBLE_EQ(thinned[i].qvel_rmse, short_ones[i].qvel_rmse);
  }
  plain.horizons = {100};
  plain.stride = 10;
  const HorizonError every_tenth = KStepError(sim_.get(), data_, plain).front();
  EXPECT_EQ(thinned[2].rollouts, every_tenth.rollouts);
  EXPECT_DOUBLE_EQ(thinned[2].qpos_rmse, every_tenth.qpos_rmse);
  EXPECT_GT(thinned[2].qpos_rmse, 0);
  // and a different set of starts than the stride alone would score
  plain.stride = 2;
  EXPECT_GT(KStepError(sim_.get(), data_, plain).front().rollouts, thinned[2].rollouts);
}

}  // namespace
}  // namespace mjhybrid::scene
