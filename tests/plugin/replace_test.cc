// Mode replace inside real MuJoCo, on the push scene (tests/plugin/push_fixture.h): a contact
// model for pusher:object in a scene that excludes the pair's native contact supplies its
// wrench near the box and nothing far from it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "tests/plugin/push_fixture.h"

namespace mjhybrid {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testutil::Shape;

// ---------------------------------------------------------------- mode replace

class ReplaceTest : public PushTest {
 protected:
  void SetUp() override {
    PushTest::SetUp();
    if (HasFatalFailure()) return;
    model_ = RandomContactResidual(excluded_.get(), {PusherObject()}, 2, 51);
    model_path_ = SaveResidual(model_, "replace.safetensors");
  }

  ModelPtr Hybrid(const std::string& extra_config = "") {
    ModelPtr m = LoadXml(HybridXml(exclude_xml_, model_path_, "replace", extra_config));
    EXPECT_NE(m, nullptr);
    return m;
  }

  ResidualModel model_;
  std::string model_path_;
};

TEST_F(ReplaceTest, CompilesWithTheExcludeAndDeclaresPluginState) {
  ModelPtr hybrid = Hybrid();
  ASSERT_NE(hybrid, nullptr);
  ASSERT_EQ(hybrid->nplugin, 1);
  // no control history in a contact model: the diagnostics only
  EXPECT_EQ(hybrid->npluginstate, (PluginStateLayout{2, 0}.size()));
  DataPtr d = MakeData(hybrid.get());
  EXPECT_NE(d, nullptr);
  // the exclude may name the bodies in either order
  const std::string reversed =
      WithContactSection(xml_, "    <exclude body1=\"object\" body2=\"pusher\"/>\n");
  ModelPtr other = LoadXml(HybridXml(reversed, model_path_, "replace"));
  ASSERT_NE(other, nullptr);
  DataPtr d_other = MakeData(other.get());
  EXPECT_NE(d_other, nullptr);
}

TEST_F(ReplaceTest, FarFromTheBoxTheTrajectoryIsBitIdenticalToTheExcludedScene) {
  ModelPtr hybrid = Hybrid();
  ASSERT_NE(hybrid, nullptr);
  const mjModel* h = hybrid.get();
  DataPtr d_sim = MakeData(excluded_.get()), d_hybrid = MakeData(h);
  // the rod starts and stays in the corner at (0.09..0.1, -0.1..-0.09), at least 7 cm from the
  // box
  for (mjData* d : {d_sim.get(), d_hybrid.get()}) {
    d->qpos[QposOf(h, "pusher_x")] = 0.1;
    d->qpos[QposOf(h, "pusher_y")] = -0.1;
  }
  const ResolvedPair pair = Resolve(h, {PusherObject()}).at(0);
  std::mt19937 rng(52);
  std::uniform_real_distribution<double> ux(0.09, 0.1), uy(-0.1, -0.09);
  constexpr int kSteps = 400;
  std::vector<double> controls(2 * kSteps);
  for (int k = 0; k < kSteps; ++k) controls[2 * k] = ux(rng), controls[2 * k + 1] = uy(rng);
  Trajectory sim, hyb;
  for (int k = 0; k < kSteps; ++k) {
    Trajectory a = Rollout(excluded_.get(), d_sim.get(), controls, k, 1);
    Trajectory b = Rollout(h, d_hybrid.get(), controls, k, 1);
    sim.qpos.insert(sim.qpos.end(), a.qpos.begin(), a.qpos.end());
    sim.qvel.insert(sim.qvel.end(), a.qvel.begin(), a.qvel.end());
    hyb.qpos.insert(hyb.qpos.end(), b.qpos.begin(), b.qpos.end());
    hyb.qvel.insert(hyb.qvel.end(), b.qvel.begin(), b.qvel.end());
    PairState s;
    MeasurePair(h, d_hybrid.get(), pair, model_.features.contact_range, &s);
    ASSERT_FALSE(s.near) << "step " << k << ": the rod came within range";
  }
  EXPECT_TRUE(BitIdentical(sim.qpos, hyb.qpos)) << MaxAbsDifference(sim.qpos, hyb.qpos);
  EXPECT_TRUE(BitIdentical(sim.qvel, hyb.qvel)) << MaxAbsDifference(sim.qvel, hyb.qvel);
  // nothing was evaluated
  const PluginStateLayout layout{2, 0};
  EXPECT_EQ(d_hybrid->plugin_state[layout.spread_total()], 0);
}

TEST_F(ReplaceTest, NearTheBoxThePassiveForceIsTheLearnedWrench) {
  for (const char* scale : {"1", "2.5"}) {
    SCOPED_TRACE(std::string("scale ") + scale);
    ModelPtr hybrid = Hybrid(ConfigKey("scale", scale));
    ASSERT_NE(hybrid, nullptr);
    const mjModel* h = hybrid.get();
    DataPtr d_sim = MakeData(excluded_.get()), d_hybrid = MakeData(h);
    std::string error;
    auto loaded = LoadResidualModel(model_path_, &error);
    ASSERT_NE(loaded, nullptr) << error;
    ResidualEvaluator evaluator(loaded);
    const ResolvedPair pair = Resolve(h, {PusherObject()}).at(0);
    std::vector<double> jac(6 * h->nv);
    std::mt19937 rng(53);
    int near = 0, far = 0;
    for (int trial = 0; trial < 60; ++trial) {
      SCOPED_TRACE("trial " + std::to_string(trial));
      RandomState(h, d_hybrid.get(), &rng);
      mju_copy(d_sim->qpos, d_hybrid->qpos, h->nq);
      mju_copy(d_sim->qvel, d_hybrid->qvel, h->nv);
      mj_forward(excluded_.get(), d_sim.get());
      mj_forward(h, d_hybrid.get());
      PairState s;
      MeasurePair(h, d_hybrid.get(), pair, 0.05, &s);
      std::vector<double> added(h->nv);
      for (int i = 0; i < h->nv; ++i) added[i] = d_hybrid->qfrc_passive[i] - d_sim->qfrc_passive[i];
      if (!s.near) {
        ++far;
        for (int i = 0; i < h->nv; ++i) EXPECT_EQ(added[i], 0) << i;
        continue;
      }
      ++near;
      double wrench[6];
      ResidualDiagnostics diag;
      ASSERT_TRUE(evaluator.ComputePairWrench(0, s, std::stod(scale), wrench, &diag));
      EXPECT_GT(std::abs(wrench[0]) + std::abs(wrench[3]), 0);
      PairJacobian(h, d_hybrid.get(), pair, s, jac.data());
      const std::vector<double> expected = JacobianTransposeTimes(h, jac, wrench);
      for (int i = 0; i < h->nv; ++i) EXPECT_NEAR(added[i], expected[i], 1e-9) << i;
      // the wrench reached the accelerations: the rod is pushed back along x and y
      EXPECT_NE(d_hybrid->qacc[DofOf(h, "pusher_x")], d_sim->qacc[DofOf(h, "pusher_x")]);
    }
    EXPECT_GE(near, 10);
    EXPECT_GE(far, 10);
  }
}

TEST_F(ReplaceTest, DiagnosticsAreRecordedForNearPairsOnly) {
  ModelPtr hybrid = Hybrid();
  ASSERT_NE(hybrid, nullptr);
  const mjModel* h = hybrid.get();
  DataPtr d = MakeData(h);
  const PluginStateLayout layout{2, 0};
  const double box[3] = {0, 0, kBoxHalfZ};
  // near: two members disagree, so the spread is positive
  Place(h, d.get(), -kBoxHalfX - kRodRadius - 0.01, 0, box, 0);
  mj_step(h, d.get());
  EXPECT_GT(d->plugin_state[layout.spread()], 0);
  // far: nothing evaluated in this step
  Place(h, d.get(), 0.1, -0.1, box, 0);
  mj_step(h, d.get());
  EXPECT_EQ(d->plugin_state[layout.spread()], 0);
  EXPECT_EQ(d->plugin_state[layout.saturated_last()], 0);
}

TEST_F(ReplaceTest, OneStepNearTheBoxDiffersFromTheExcludedScene) {
  ModelPtr hybrid = Hybrid();
  ASSERT_NE(hybrid, nullptr);
  DataPtr d_sim = MakeData(excluded_.get()), d_hybrid = MakeData(hybrid.get());
  const double box[3] = {0, 0, kBoxHalfZ};
  Place(excluded_.get(), d_sim.get(), -kBoxHalfX - kRodRadius - 0.01, 0, box, 0);
  Place(hybrid.get(), d_hybrid.get(), -kBoxHalfX - kRodRadius - 0.01, 0, box, 0);
  mj_step(excluded_.get(), d_sim.get());
  mj_step(hybrid.get(), d_hybrid.get());
  const std::vector<double> a(d_sim->qvel, d_sim->qvel + 8), b(d_hybrid->qvel, d_hybrid->qvel + 8);
  EXPECT_GT(MaxAbsDifference(a, b), 1e-6);
}

TEST_F(ReplaceTest, ThousandRandomStepsStayFinite) {
  // modest wrenches: about 0.3 N, at most 1 N; torques of a few mN*m (the box is light). A
  // range of 1 cm, so that the rod is out of range in part of the workspace
  constexpr double kRange = 0.01;
  const ResidualModel model = RandomContactResidual(excluded_.get(), {PusherObject()}, 3, 54,
                                                    0.3f, 1, 0.003f, 0.01f, kRange);
  const std::string path = SaveResidual(model, "modest.safetensors");
  for (const char* integrator : {"Euler", "RK4", "implicitfast"}) {
    SCOPED_TRACE(integrator);
    ModelPtr hybrid =
        LoadXml(HybridXml(WithOption(exclude_xml_, "integrator", integrator), path, "replace"));
    ASSERT_NE(hybrid, nullptr);
    const mjModel* h = hybrid.get();
    DataPtr d = MakeData(h);
    const ResolvedPair pair = Resolve(h, {PusherObject()}).at(0);
    // random set-points, each held for 50 steps (0.25 s): the rod sweeps the workspace, into
    // the box and out of range again
    std::vector<double> controls = RandomControls(h, 1000, 55);
    for (int k = 0; k < 1000; ++k) {
      for (int i = 0; i < 2; ++i) controls[2 * k + i] = controls[2 * (k - k % 50) + i];
    }
    Trajectory t;
    int near = 0;
    for (int k = 0; k < 1000; ++k) {
      Trajectory step = Rollout(h, d.get(), controls, k, 1);
      t.qpos.insert(t.qpos.end(), step.qpos.begin(), step.qpos.end());
      t.qvel.insert(t.qvel.end(), step.qvel.begin(), step.qvel.end());
      t.plugin_state.insert(t.plugin_state.end(), step.plugin_state.begin(), step.plugin_state.end());
      PairState s;
      MeasurePair(h, d.get(), pair, kRange, &s);
      near += s.near;
    }
    EXPECT_TRUE(AllFinite(t.qpos));
    EXPECT_TRUE(AllFinite(t.qvel));
    EXPECT_TRUE(AllFinite(t.plugin_state));
    // the learned contact acted in some of the steps, not in all
    EXPECT_GT(near, 20);
    EXPECT_LT(near, 980);
    const PluginStateLayout layout{2, 0};
    EXPECT_GT(d->plugin_state[layout.spread_total()], 0);
    // the box stays in the tray (its walls are native contacts)
    const double* box = d->qpos + QposOf(h, "object");
    EXPECT_LT(std::abs(box[0]), 0.15);
    EXPECT_LT(std::abs(box[1]), 0.15);
  }
}

TEST_F(ReplaceTest, IncompatibleContypeNeedsNoExclude) {
  // a rod that collides with nothing natively: no exclude needed
  const std::string xml =
      Edit(xml_, "contype=\"2\" conaffinity=\"0\"", "contype=\"0\" conaffinity=\"0\"");
  ModelPtr hybrid = LoadXml(HybridXml(xml, model_path_, "replace"));
  ASSERT_NE(hybrid, nullptr);
  DataPtr d = MakeData(hybrid.get());
  EXPECT_NE(d, nullptr);
}

// Two pairs, floor:object and floor:pusher (the floor's native contact with the box excluded,
// the rod never collides with the floor). A NaN in the rod's velocity makes pair 1's evaluation
// fail while pair 0's succeeds: the plugin warns "residual set to zero", so nothing may be left
// of pair 0's wrench either (as in mode augment, which adds nothing on failure).
TEST_F(ReplaceTest, AFailedPairLeavesNoWrenchOfTheOthers) {
  AllowWarnings();
  const std::vector<ContactPair> pairs = {{Shape("floor", "plane", 0.5, 0.5, 0.05), ObjectShape()},
                                          {Shape("floor", "plane", 0.5, 0.5, 0.05), PusherShape()}};
  const std::string path =
      SaveResidual(RandomContactResidual(sim_.get(), pairs, 1, 56), "two_pairs.safetensors");
  const std::string xml =
      WithContactSection(xml_, "    <exclude body1=\"world\" body2=\"object\"/>\n");
  ModelPtr sim = LoadXml(xml);
  ASSERT_NE(sim, nullptr);
  ModelPtr hybrid = LoadXml(HybridXml(xml, path, "replace"));
  ASSERT_NE(hybrid, nullptr);
  const mjModel* h = hybrid.get();
  DataPtr d_sim = MakeData(sim.get()), d_hybrid = MakeData(h);
  const std::vector<ResolvedPair> resolved = Resolve(h, pairs);
  ASSERT_EQ(resolved.size(), 2u);
  const int free = DofOf(h, "object");

  // all finite: both pairs are near (the box rests on the floor, the rod hovers 3 mm above it)
  // and both wrenches act
  mj_forward(sim.get(), d_sim.get());
  mj_forward(h, d_hybrid.get());
  for (const ResolvedPair& p : resolved) {
    PairState s;
    MeasurePair(h, d_hybrid.get(), p, 0.05, &s);
    ASSERT_TRUE(s.near);
  }
  double moved = 0;
  for (int i = 0; i < 6; ++i) {
    moved += std::abs(d_hybrid->qfrc_passive[free + i] - d_sim->qfrc_passive[free + i]);
  }
  ASSERT_GT(moved, 0);
  EXPECT_TRUE(TakeWarnings().empty());

  // the rod's velocity is NaN: pair 1 cannot be evaluated
  d_sim->qvel[DofOf(h, "pusher_x")] = d_hybrid->qvel[DofOf(h, "pusher_x")] = std::nan("");
  mj_forward(sim.get(), d_sim.get());
  mj_forward(h, d_hybrid.get());
  std::vector<std::string> warnings = TakeWarnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("residual set to zero"));
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(d_hybrid->qfrc_passive[free + i], d_sim->qfrc_passive[free + i]) << "box dof " << i;
  }
}

}  // namespace
}  // namespace mjhybrid
