// Simulation state of the hybrid scene: mj_getState/mj_setState and mj_copyData must carry the
// plugin's history so a continuation is bit-identical, and one mjModel must serve many mjData
// on several threads.

#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/plugin/fixture.h"

namespace mjhybrid {
namespace {

class StateTest : public SimSceneTest {
 protected:
  void SetUp() override {
    SimSceneTest::SetUp();
    if (HasFatalFailure()) return;  // no scene to make a model for
    // a long history, so a continuation without it would visibly diverge
    model_path_ = SaveResidual(RandomResidual(sim_.get(), 4, 2, 31), "state.safetensors");
    hybrid_ = LoadXml(HybridXml(sim_xml_, model_path_, "augment"));
    ASSERT_NE(hybrid_, nullptr);
    controls_ = RandomControls(hybrid_.get(), 100, 12);
  }

  // steps 50, saves the parts of the state in `sig` and steps 50 more; then sets the saved
  // state on a fresh mjData and steps the same 50. {continued, restored}: the last 50 of each
  std::pair<Trajectory, Trajectory> ContinueAndRestore(int sig) {
    const mjModel* m = hybrid_.get();
    DataPtr a = MakeData(m);
    Rollout(m, a.get(), controls_, 0, 50);
    std::vector<double> saved(mj_stateSize(m, sig));
    mj_getState(m, a.get(), saved.data(), sig);
    Trajectory continued = Rollout(m, a.get(), controls_, 50, 50);
    DataPtr b = MakeData(m);
    mj_setState(m, b.get(), saved.data(), sig);
    return {continued, Rollout(m, b.get(), controls_, 50, 50)};
  }

  std::string model_path_;
  ModelPtr hybrid_;
  std::vector<double> controls_;
};

TEST_F(StateTest, FullPhysicsStateRoundTripContinuesBitForBit) {
  const int sig = mjSTATE_FULLPHYSICS;
  ASSERT_TRUE(sig & mjSTATE_PLUGIN);
  ASSERT_GT(hybrid_->npluginstate, 0);
  auto [continued, restored] = ContinueAndRestore(sig);
  EXPECT_TRUE(BitIdentical(continued.qpos, restored.qpos))
      << "max |dq| " << MaxAbsDifference(continued.qpos, restored.qpos);
  EXPECT_TRUE(BitIdentical(continued.qvel, restored.qvel));
  EXPECT_TRUE(BitIdentical(continued.plugin_state, restored.plugin_state));
  EXPECT_EQ(continued.time, restored.time);
}

TEST_F(StateTest, RestoringWithoutPluginStateDiverges) {
  // the control check: the history matters, so the round trip above tests something
  auto [continued, restored] = ContinueAndRestore(mjSTATE_FULLPHYSICS & ~mjSTATE_PLUGIN);
  EXPECT_FALSE(BitIdentical(continued.qvel, restored.qvel));
}

TEST_F(StateTest, CopyDataContinuesBitForBit) {
  const mjModel* m = hybrid_.get();
  DataPtr a = MakeData(m);
  Rollout(m, a.get(), controls_, 0, 50);

  // into a new mjData (dest = NULL makes one, with its own plugin instance)
  DataPtr fresh(mj_copyData(nullptr, m, a.get()));
  ASSERT_NE(fresh, nullptr);
  // into an existing mjData that has run a different history
  DataPtr existing = MakeData(m);
  Rollout(m, existing.get(), RandomControls(m, 20, 99), 0, 20);
  mj_copyData(existing.get(), m, a.get());
  for (int i = 0; i < m->npluginstate; ++i) {
    EXPECT_EQ(fresh->plugin_state[i], a->plugin_state[i]) << i;
    EXPECT_EQ(existing->plugin_state[i], a->plugin_state[i]) << i;
  }
  // each mjData keeps its own plugin object
  EXPECT_NE(fresh->plugin_data[0], a->plugin_data[0]);
  EXPECT_NE(existing->plugin_data[0], a->plugin_data[0]);

  Trajectory original = Rollout(m, a.get(), controls_, 50, 50);
  Trajectory copy1 = Rollout(m, fresh.get(), controls_, 50, 50);
  Trajectory copy2 = Rollout(m, existing.get(), controls_, 50, 50);
  EXPECT_TRUE(BitIdentical(original.qpos, copy1.qpos));
  EXPECT_TRUE(BitIdentical(original.qvel, copy1.qvel));
  EXPECT_TRUE(BitIdentical(original.plugin_state, copy1.plugin_state));
  EXPECT_TRUE(BitIdentical(original.qpos, copy2.qpos));
  EXPECT_TRUE(BitIdentical(original.qvel, copy2.qvel));
}

TEST_F(StateTest, DeletingACopyLeavesTheOriginalWorking) {
  const mjModel* m = hybrid_.get();
  DataPtr a = MakeData(m);
  Rollout(m, a.get(), controls_, 0, 10);
  for (int i = 0; i < 5; ++i) mj_deleteData(mj_copyData(nullptr, m, a.get()));
  Trajectory t = Rollout(m, a.get(), controls_, 10, 50);
  EXPECT_TRUE(AllFinite(t.qpos));
}

TEST_F(StateTest, ManyDataOnTwoThreadsMatchSequential) {
  const mjModel* m = hybrid_.get();
  constexpr int kData = 8, kSteps = 300;
  std::vector<std::vector<double>> controls;
  for (int i = 0; i < kData; ++i) controls.push_back(RandomControls(m, kSteps, 100 + i));

  std::vector<Trajectory> sequential;
  for (int i = 0; i < kData; ++i) {
    DataPtr d = MakeData(m);
    sequential.push_back(Rollout(m, d.get(), controls[i], 0, kSteps));
  }

  std::vector<DataPtr> data;
  for (int i = 0; i < kData; ++i) data.push_back(MakeData(m));
  std::vector<Trajectory> threaded(kData);
  // thread t steps data t, t+2, t+4, ... one step at a time, so both threads run the
  // residual at the same moment on different mjData of the same model
  auto work = [&](int t) {
    for (int k = 0; k < kSteps; ++k) {
      for (int i = t; i < kData; i += 2) {
        Trajectory step = Rollout(m, data[i].get(), controls[i], k, 1);
        Trajectory& out = threaded[i];
        out.qpos.insert(out.qpos.end(), step.qpos.begin(), step.qpos.end());
        out.qvel.insert(out.qvel.end(), step.qvel.begin(), step.qvel.end());
        out.plugin_state.insert(out.plugin_state.end(), step.plugin_state.begin(),
                                step.plugin_state.end());
      }
    }
  };
  std::thread t0(work, 0), t1(work, 1);
  t0.join();
  t1.join();

  for (int i = 0; i < kData; ++i) {
    SCOPED_TRACE("mjData " + std::to_string(i));
    EXPECT_TRUE(BitIdentical(sequential[i].qpos, threaded[i].qpos));
    EXPECT_TRUE(BitIdentical(sequential[i].qvel, threaded[i].qvel));
    EXPECT_TRUE(BitIdentical(sequential[i].plugin_state, threaded[i].plugin_state));
  }
  // different controls gave different trajectories: the data did not share anything
  EXPECT_FALSE(BitIdentical(sequential[0].qpos, sequential[1].qpos));
}

TEST_F(StateTest, ModelsCompiledTwiceShareOneNetwork) {
  // the process-wide cache: two scenes naming one file get the same read-only model
  std::string error;
  auto first = SharedResidualModel(model_path_, &error);
  auto second = SharedResidualModel(model_path_, &error);
  ASSERT_NE(first, nullptr) << error;
  EXPECT_EQ(first.get(), second.get());
  ModelPtr again = LoadXml(HybridXml(SimXml(), model_path_, "augment"));
  ASSERT_NE(again, nullptr);
  DataPtr d1 = MakeData(hybrid_.get()), d2 = MakeData(again.get());
  Trajectory a = Rollout(hybrid_.get(), d1.get(), controls_, 0, 100);
  Trajectory b = Rollout(again.get(), d2.get(), controls_, 0, 100);
  EXPECT_TRUE(BitIdentical(a.qpos, b.qpos));
}

}  // namespace
}  // namespace mjhybrid
