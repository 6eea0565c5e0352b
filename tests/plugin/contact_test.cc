// Contact pairs inside real MuJoCo, on the push scene (tests/plugin/push_fixture.h):
// MeasurePair's geometry and relative velocity, PairJacobian and ApplyPairWrench, and mode
// augment with a whole-state model that sees the pair pusher:object.

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

// ---------------------------------------------------------------- MeasurePair

TEST_F(PushTest, GeomShapeOfReadsTheScene) {
  const GeomShape rod = GeomShapeOf(sim_.get(), mj_name2id(sim_.get(), mjOBJ_GEOM, "pusher"));
  const GeomShape box = GeomShapeOf(sim_.get(), mj_name2id(sim_.get(), mjOBJ_GEOM, "object"));
  const GeomShape floor = GeomShapeOf(sim_.get(), mj_name2id(sim_.get(), mjOBJ_GEOM, "floor"));
  EXPECT_EQ(rod.name, "pusher");
  EXPECT_EQ(rod.type, "capsule");
  EXPECT_EQ(rod.size, PusherShape().size);
  EXPECT_EQ(box.type, "box");
  EXPECT_EQ(box.size, ObjectShape().size);
  EXPECT_EQ(floor.type, "plane");
  std::vector<ResolvedPair> pairs = Resolve(sim_.get(), {PusherObject()});
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].geom1, mj_name2id(sim_.get(), mjOBJ_GEOM, "pusher"));
  EXPECT_EQ(pairs[0].geom2, mj_name2id(sim_.get(), mjOBJ_GEOM, "object"));
  EXPECT_EQ(pairs[0].body1, mj_name2id(sim_.get(), mjOBJ_BODY, "pusher"));
  EXPECT_EQ(pairs[0].body2, mj_name2id(sim_.get(), mjOBJ_BODY, "object"));
}

TEST_F(PushTest, MeasurePairGeometryAtKnownPoses) {
  const mjModel* m = sim_.get();
  DataPtr d = MakeData(m);
  const ResolvedPair pair = Resolve(m, {PusherObject()}).at(0);
  const double box[3] = {0, 0, kBoxHalfZ};
  struct Case {
    const char* what;
    double x, y, yaw;
    double distance, normal[3], point_x, point_y;
  };
  const Case cases[] = {
      // the rod 2 cm in front of the box's -x face
      {"-x face, 2 cm", -kBoxHalfX - kRodRadius - 0.02, 0.005, 0, 0.02, {1, 0, 0}, -kBoxHalfX, 0.005},
      // the rod 1 cm from the -y face
      {"-y face, 1 cm", 0.01, -kBoxHalfY - kRodRadius - 0.01, 0, 0.01, {0, 1, 0}, 0.01, -kBoxHalfY},
      // the rod 3 cm beyond the +x face: the normal points back at the box
      {"+x face, 3 cm", kBoxHalfX + kRodRadius + 0.03, -0.01, 0, 0.03, {-1, 0, 0}, kBoxHalfX, -0.01},
      // the rod 4 mm into the -x face: negative distance, same normal
      {"-x face, 4 mm deep", -kBoxHalfX - kRodRadius + 0.004, 0, 0, -0.004, {1, 0, 0}, -kBoxHalfX, 0},
      // the box turned 90 degrees: its y extent now faces -x
      {"turned box, 1.5 cm", -kBoxHalfY - kRodRadius - 0.015, 0.01, M_PI / 2, 0.015, {1, 0, 0},
       -kBoxHalfY, 0.01},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Place(m, d.get(), c.x, c.y, box, c.yaw);
    mj_forward(m, d.get());
    PairState s;
    MeasurePair(m, d.get(), pair, 0.05, &s);
    EXPECT_TRUE(s.near);
    EXPECT_NEAR(s.distance, c.distance, 1e-9);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(s.normal[i], c.normal[i], 1e-9) << i;
    // the nearest point on the box is on the face; its height is anywhere the rod overlaps
    EXPECT_NEAR(s.point[0], c.point_x, 1e-9);
    EXPECT_NEAR(s.point[1], c.point_y, 1e-9);
    EXPECT_GE(s.point[2], -1e-9);
    EXPECT_LE(s.point[2], 2 * kBoxHalfZ + 1e-9);
    // at rest: no relative motion
    for (int i = 0; i < 6; ++i) EXPECT_EQ(s.velocity[i], 0) << i;

    // the same pair the other way round: normal from the box to the rod, point on the rod
    PairState r;
    const ResolvedPair reversed = Resolve(m, {{ObjectShape(), PusherShape()}}).at(0);
    MeasurePair(m, d.get(), reversed, 0.05, &r);
    EXPECT_TRUE(r.near);
    EXPECT_NEAR(r.distance, c.distance, 1e-9);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(r.normal[i], -c.normal[i], 1e-9) << i;
    // the rod's nearest point lies on its surface, `distance` from the box's along the normal
    EXPECT_NEAR(r.point[0], c.point_x - c.distance * c.normal[0], 1e-9);
    EXPECT_NEAR(r.point[1], c.point_y - c.distance * c.normal[1], 1e-9);
  }
}

TEST_F(PushTest, MeasurePairBeyondRangeReadsRangeAndNothingElse) {
  const mjModel* m = sim_.get();
  DataPtr d = MakeData(m);
  const ResolvedPair pair = Resolve(m, {PusherObject()}).at(0);
  const double box[3] = {0, 0, kBoxHalfZ};
  // 6.8 cm from the -y face, moving: beyond a range of 5 cm
  Place(m, d.get(), 0, -0.11, box, 0);
  for (int i = 0; i < m->nv; ++i) d->qvel[i] = 0.3 * (i + 1);
  mj_forward(m, d.get());
  PairState s;
  s.near = true;
  for (int i = 0; i < 3; ++i) s.normal[i] = 5;
  for (int i = 0; i < 6; ++i) s.velocity[i] = 5;
  MeasurePair(m, d.get(), pair, 0.05, &s);
  EXPECT_FALSE(s.near);
  EXPECT_EQ(s.distance, 0.05);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(s.normal[i], 0) << i;
  for (int i = 0; i < 6; ++i) EXPECT_EQ(s.velocity[i], 0) << i;

  // in range of a wider window: the true distance
  MeasurePair(m, d.get(), pair, 0.1, &s);
  EXPECT_TRUE(s.near);
  EXPECT_NEAR(s.distance, 0.11 - kBoxHalfY - kRodRadius, 1e-9);

  // 2 cm away with a range of 1.5 cm: not near
  Place(m, d.get(), -kBoxHalfX - kRodRadius - 0.02, 0, box, 0);
  mj_forward(m, d.get());
  MeasurePair(m, d.get(), pair, 0.015, &s);
  EXPECT_FALSE(s.near);
  EXPECT_EQ(s.distance, 0.015);
}

// MeasurePair skips the narrow phase for pairs its bounds say are out of range; the bounds
// (bounding spheres, oriented bounding boxes) must never skip a pair that is in range. Over
// random poses of the box among the walls, the rod and the floor, the measured distance is
// MuJoCo's own, in range and out.
TEST_F(PushTest, MeasurePairSkipsOnlyPairsOutOfRange) {
  const mjModel* m = sim_.get();
  DataPtr d = MakeData(m);
  std::vector<ResolvedPair> pairs;
  for (const char* other : {"floor", "wall_px", "wall_nx", "wall_py", "wall_ny", "pusher"}) {
    ResolvedPair p;
    p.geom1 = mj_name2id(m, mjOBJ_GEOM, other);
    p.geom2 = mj_name2id(m, mjOBJ_GEOM, "object");
    p.body1 = m->geom_bodyid[p.geom1];
    p.body2 = m->geom_bodyid[p.geom2];
    pairs.push_back(p);
  }
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  int in_range = 0, out_of_range = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    // anywhere in and around the tray, tilted and turned
    const double box[3] = {0.2 * u(rng), 0.2 * u(rng), kBoxHalfZ + 0.03 * u(rng)};
    Place(m, d.get(), 0.1 * u(rng), 0.1 * u(rng), box, 3.2 * u(rng));
    const int free = m->jnt_qposadr[mj_name2id(m, mjOBJ_JOINT, "object")];
    double quat[4] = {d->qpos[free + 3] + 0.3 * u(rng), d->qpos[free + 4] + 0.3 * u(rng), d->qpos[free + 5],
                      d->qpos[free + 6]};
    mju_normalize4(quat);
    mju_copy4(d->qpos + free + 3, quat);
    mj_forward(m, d.get());
    for (const ResolvedPair& p : pairs) {
      const double range = 0.05;
      PairState s;
      MeasurePair(m, d.get(), p, range, &s);
      const double truth = mj_geomDistance(m, d.get(), p.geom1, p.geom2, range, nullptr);
      EXPECT_EQ(s.distance, truth) << "trial " << trial << ", geom " << p.geom1;
      (truth < range ? in_range : out_of_range)++;
    }
  }
  EXPECT_GT(in_range, 1000);
  EXPECT_GT(out_of_range, 1000);
}

TEST_F(PushTest, MeasurePairVelocityByHand) {
  // box at rest pose, spinning and sliding; the rod moving: the relative velocity of the box at
  // its nearest point, computed here from rigid-body kinematics
  const mjModel* m = sim_.get();
  DataPtr d = MakeData(m);
  const ResolvedPair pair = Resolve(m, {PusherObject()}).at(0);
  const double box[3] = {0.01, -0.005, kBoxHalfZ};
  Place(m, d.get(), box[0] - kBoxHalfX - kRodRadius - 0.01, 0, box, 0);
  const double rod_v[2] = {0.3, -0.2}, box_v[3] = {0.1, 0.05, -0.02}, box_w[3] = {1, -0.5, 2};
  d->qvel[DofOf(m, "pusher_x")] = rod_v[0];
  d->qvel[DofOf(m, "pusher_y")] = rod_v[1];
  const int free = DofOf(m, "object");
  // the box is not turned, so its body frame (angular dofs) is the world frame
  for (int i = 0; i < 3; ++i) d->qvel[free + i] = box_v[i], d->qvel[free + 3 + i] = box_w[i];
  mj_forward(m, d.get());
  PairState s;
  MeasurePair(m, d.get(), pair, 0.05, &s);
  ASSERT_TRUE(s.near);
  const double arm[3] = {s.point[0] - box[0], s.point[1] - box[1], s.point[2] - box[2]};
  double spin[3];
  Cross(box_w, arm, spin);
  const double expected[6] = {box_v[0] + spin[0] - rod_v[0], box_v[1] + spin[1] - rod_v[1],
                              box_v[2] + spin[2], box_w[0], box_w[1], box_w[2]};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(s.velocity[i], expected[i], 1e-9) << i;
}

// ---------------------------------------------------------------- PairJacobian, ApplyPairWrench

TEST_F(PushTest, PairJacobianTimesQvelIsTheMeasuredRelativeVelocity) {
  const mjModel* m = sim_.get();
  DataPtr d = MakeData(m);
  // rod-box, box-rod (MuJoCo flips the geoms internally) and floor-box (a static first body)
  const std::vector<ContactPair> pairs = {
      PusherObject(),
      {ObjectShape(), PusherShape()},
      {Shape("floor", "plane", 0, 0, 0), ObjectShape()}};
  const std::vector<ResolvedPair> resolved = Resolve(m, pairs);
  ASSERT_EQ(resolved.size(), 3u);
  std::mt19937 rng(31);
  std::vector<double> jac(6 * m->nv);
  for (int trial = 0; trial < 100; ++trial) {
    RandomState(m, d.get(), &rng);
    mj_forward(m, d.get());
    for (size_t p = 0; p < resolved.size(); ++p) {
      SCOPED_TRACE("trial " + std::to_string(trial) + " pair " + std::to_string(p));
      PairState s;
      // a wide range: every random state is near, so the velocity is reported
      MeasurePair(m, d.get(), resolved[p], 0.5, &s);
      ASSERT_TRUE(s.near) << s.distance;
      std::fill(jac.begin(), jac.end(), std::nan(""));
      PairJacobian(m, d.get(), resolved[p], s, jac.data());
      for (int r = 0; r < 6; ++r) {
        double v = 0;
        for (int c = 0; c < m->nv; ++c) v += jac[r * m->nv + c] * d->qvel[c];
        EXPECT_NEAR(v, s.velocity[r], 1e-9) << "row " << r;
      }
    }
  }
}

TEST_F(PushTest, ApplyPairWrenchAddsJacobianTransposeTimesWrench) {
  const mjModel* m = sim_.get();
  DataPtr d = MakeData(m);
  const std::vector<ContactPair> pairs = {PusherObject(),
                                          {Shape("floor", "plane", 0, 0, 0), ObjectShape()}};
  const std::vector<ResolvedPair> resolved = Resolve(m, pairs);
  ASSERT_EQ(resolved.size(), 2u);
  std::mt19937 rng(32);
  std::uniform_real_distribution<double> u(-2, 2);
  std::vector<double> jac(6 * m->nv);
  for (int trial = 0; trial < 50; ++trial) {
    RandomState(m, d.get(), &rng);
    mj_forward(m, d.get());
    for (size_t p = 0; p < resolved.size(); ++p) {
      SCOPED_TRACE("trial " + std::to_string(trial) + " pair " + std::to_string(p));
      PairState s;
      MeasurePair(m, d.get(), resolved[p], 0.5, &s);
      double wrench[6];
      for (double& w : wrench) w = u(rng);
      PairJacobian(m, d.get(), resolved[p], s, jac.data());
      const std::vector<double> expected = JacobianTransposeTimes(m, jac, wrench);
      // added to what is there
      std::vector<double> qfrc(m->nv);
      for (int i = 0; i < m->nv; ++i) qfrc[i] = 0.25 * i;
      ApplyPairWrench(m, d.get(), resolved[p], s, wrench, qfrc.data());
      for (int i = 0; i < m->nv; ++i) EXPECT_NEAR(qfrc[i] - 0.25 * i, expected[i], 1e-9) << i;
    }
  }
}

TEST_F(PushTest, ApplyPairWrenchByHand) {
  // box not turned, so its angular dofs are world axes: force F and torque T on the box at the
  // point p give F on its linear dofs and T + (p - c) x F on its angular ones; the rod, on
  // slides, feels -F along x and y
  const mjModel* m = sim_.get();
  DataPtr d = MakeData(m);
  const ResolvedPair pair = Resolve(m, {PusherObject()}).at(0);
  const double box[3] = {0, 0.01, kBoxHalfZ};
  Place(m, d.get(), -kBoxHalfX - kRodRadius - 0.005, 0.01, box, 0);
  mj_forward(m, d.get());
  PairState s;
  MeasurePair(m, d.get(), pair, 0.05, &s);
  ASSERT_TRUE(s.near);
  const double wrench[6] = {1, -2, 3, 0.1, 0.2, -0.3};
  std::vector<double> qfrc(m->nv, 0);
  ApplyPairWrench(m, d.get(), pair, s, wrench, qfrc.data());
  const double arm[3] = {s.point[0] - box[0], s.point[1] - box[1], s.point[2] - box[2]};
  double moment[3];
  Cross(arm, wrench, moment);
  EXPECT_NEAR(qfrc[DofOf(m, "pusher_x")], -1, 1e-12);
  EXPECT_NEAR(qfrc[DofOf(m, "pusher_y")], 2, 1e-12);
  const int free = DofOf(m, "object");
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(qfrc[free + i], wrench[i], 1e-12) << i;
    EXPECT_NEAR(qfrc[free + 3 + i], wrench[3 + i] + moment[i], 1e-12) << i;
  }
}

// ---------------------------------------------------------------- mode augment with a pair

TEST_F(PushTest, AugmentResidualSeesThePair) {
  constexpr int kHistory = 1;
  const ResidualModel model = WholeStateWithPairs(sim_.get(), {PusherObject()}, kHistory, 41);
  ASSERT_EQ(model.input_mean.size(), static_cast<size_t>(FeatureCount(
                                         FeatureSpec{ResidualKind::kWholeState, kHistory, {}},
                                         model.signature) + kPairFeatureCount));
  const std::string path = SaveResidual(model, "augment_pair.safetensors");
  ModelPtr hybrid = LoadXml(HybridXml(xml_, path, "augment"));
  ASSERT_NE(hybrid, nullptr);
  const mjModel* h = hybrid.get();
  DataPtr d_sim = MakeData(sim_.get()), d_hybrid = MakeData(h);
  std::string error;
  auto loaded = LoadResidualModel(path, &error);
  ASSERT_NE(loaded, nullptr) << error;
  ResidualEvaluator evaluator(loaded);
  const ResolvedPair pair = Resolve(h, {PusherObject()}).at(0);

  std::mt19937 rng(42);
  std::uniform_real_distribution<double> u(-0.1, 0.1);
  int near = 0, far = 0;
  for (int trial = 0; trial < 60; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    RandomState(h, d_hybrid.get(), &rng);
    for (int i = 0; i < h->nu; ++i) d_hybrid->ctrl[i] = u(rng);
    for (int i = 0; i < h->nu * kHistory; ++i) d_hybrid->plugin_state[i] = u(rng);
    mju_copy(d_sim->qpos, d_hybrid->qpos, h->nq);
    mju_copy(d_sim->qvel, d_hybrid->qvel, h->nv);
    mju_copy(d_sim->ctrl, d_hybrid->ctrl, h->nu);
    mj_forward(sim_.get(), d_sim.get());
    mj_forward(h, d_hybrid.get());

    PairState s;
    MeasurePair(h, d_hybrid.get(), pair, 0.05, &s);
    (s.near ? near : far) += 1;
    double expected[8];
    ResidualDiagnostics diag;
    ASSERT_TRUE(evaluator.Compute(d_hybrid->qpos, d_hybrid->qvel, d_hybrid->ctrl,
                                  d_hybrid->plugin_state, &s, 1.0, expected, &diag));
    for (int i = 0; i < h->nv; ++i) {
      EXPECT_EQ(d_hybrid->qfrc_passive[i], d_sim->qfrc_passive[i] + expected[i]) << i;
    }
    EXPECT_NE(expected[0], 0);
    if (s.near) {
      // the pair's features reach the network: reading the pair as far apart changes the force
      PairState nothing;
      nothing.distance = 0.05;
      double without[8];
      ASSERT_TRUE(evaluator.Compute(d_hybrid->qpos, d_hybrid->qvel, d_hybrid->ctrl,
                                    d_hybrid->plugin_state, &nothing, 1.0, without, &diag));
      const std::vector<double> with_pair(expected, expected + 8), no_pair(without, without + 8);
      EXPECT_GT(MaxAbsDifference(with_pair, no_pair), 1e-6);
    }
  }
  // both kinds of state were tried
  EXPECT_GE(near, 10);
  EXPECT_GE(far, 10);
}

}  // namespace
}  // namespace mjhybrid
