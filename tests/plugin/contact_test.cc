// Contact pairs inside real MuJoCo, on the push scene (scenes/push/sim.xml: a capsule rod
// "pusher" on two slides, a free box "object", a plane "floor", walls "wall_*"):
//   - MeasurePair's geometry and relative velocity, PairJacobian and ApplyPairWrench;
//   - mode augment with a whole-state model that sees the pair pusher:object;
//   - mode replace with a contact model for pusher:object, in a scene that excludes the pair's
//     native contact;
//   - the compile errors of contact models that do not fit the scene.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "plugin/core/contact.h"
#include "plugin/core/plugin_state.h"
#include "plugin/core/residual_evaluator.h"
#include "plugin/mujoco/contact_pairs.h"
#include "tests/plugin/fixture.h"

namespace mjhybrid {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testutil::Shape;

// the push scene's geoms as a model file records them
GeomShape PusherShape() { return Shape("pusher", "capsule", 0.012, 0.0265, 0); }
GeomShape ObjectShape() { return Shape("object", "box", 0.04, 0.03, 0.025); }
ContactPair PusherObject() { return {PusherShape(), ObjectShape()}; }

constexpr double kRodRadius = 0.012;
constexpr double kBoxHalfX = 0.04, kBoxHalfY = 0.03, kBoxHalfZ = 0.025;

// the nominal push scene, read from the repository
std::string PushXml() {
  std::string xml = ReadText(std::string(MJHYBRID_SOURCE_DIR) + "/scenes/push/sim.xml");
  EXPECT_FALSE(xml.empty()) << "cannot read scenes/push/sim.xml";
  return xml;
}

// the scene with a <contact> section (right before <actuator>) holding `elements`
std::string WithContactSection(const std::string& xml, const std::string& elements) {
  const size_t actuator = xml.find("<actuator>");
  EXPECT_NE(actuator, std::string::npos) << "no <actuator> in the scene";
  if (actuator == std::string::npos) return xml;
  return xml.substr(0, actuator) + "<contact>\n" + elements + "  </contact>\n\n  " +
         xml.substr(actuator);
}

// the scene with the native pusher-object contact switched off
std::string WithExclude(const std::string& xml) {
  return WithContactSection(xml, "    <exclude body1=\"pusher\" body2=\"object\"/>\n");
}

// xml with the first occurrence of `from` replaced by `to` (which must occur)
std::string Edit(const std::string& xml, const std::string& from, const std::string& to) {
  const size_t at = xml.find(from);
  EXPECT_NE(at, std::string::npos) << "no '" << from << "' in the scene";
  if (at == std::string::npos) return xml;
  return xml.substr(0, at) + to + xml.substr(at + from.size());
}

void Cross(const double a[3], const double b[3], double out[3]) {
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

// a whole-state model (mode augment) of the compiled scene `m` whose features include `pairs`
ResidualModel WholeStateWithPairs(const mjModel* m, std::vector<ContactPair> pairs,
                                  int ctrl_history, unsigned seed) {
  std::mt19937 rng(seed);
  FeatureSpec spec;
  spec.ctrl_history = ctrl_history;
  spec.contact_pairs = std::move(pairs);
  spec.contact_range = 0.05;
  ResidualModel model =
      testutil::ConstantNormalizerModel(StateLayoutFromModel(m), spec, 20, 0.5f, 2);
  const int nin = static_cast<int>(model.input_mean.size()), nv = model.signature.nv;
  model.network = testutil::RandomEnsemble({nin, 16, 16, nv}, 2, &rng);
  model.provenance = {{"data", "random weights for a test"}, {"seed", seed}};
  return model;
}

// a contact model (mode replace) for `pairs` with random weights: forces of about
// +-force_std N bounded at force_bound, torques of about +-torque_std N*m bounded at
// torque_bound
ResidualModel RandomContactResidual(const mjModel* m, std::vector<ContactPair> pairs,
                                    int members, unsigned seed, float force_std = 0.5f,
                                    float force_bound = 2, float torque_std = 0.5f,
                                    float torque_bound = 2, double range = 0.05) {
  std::mt19937 rng(seed);
  ResidualModel model = testutil::ContactModel(StateLayoutFromModel(m), std::move(pairs), range,
                                               20, force_std, force_bound);
  for (int i = 3; i < kWrenchSize; ++i) {
    model.output_std[i] = torque_std;
    model.output_bound[i] = torque_bound;
  }
  const int nin = static_cast<int>(model.input_mean.size());
  model.network = testutil::RandomEnsemble({nin, 16, 16, kWrenchSize}, members, &rng);
  model.provenance = {{"data", "random weights for a test"}, {"seed", seed}};
  return model;
}

class PushTest : public MujocoTest {
 protected:
  void SetUp() override {
    MujocoTest::SetUp();
    if (HasFatalFailure()) return;
    xml_ = PushXml();
    exclude_xml_ = WithExclude(xml_);
    sim_ = LoadXml(xml_);
    ASSERT_NE(sim_, nullptr);
    excluded_ = LoadXml(exclude_xml_);
    ASSERT_NE(excluded_, nullptr);
    ASSERT_EQ(sim_->nq, 9);
    ASSERT_EQ(sim_->nv, 8);
    ASSERT_EQ(sim_->nu, 2);
  }

  // qpos/qvel addresses of a joint, by name
  static int QposOf(const mjModel* m, const char* joint) {
    return m->jnt_qposadr[mj_name2id(m, mjOBJ_JOINT, joint)];
  }
  static int DofOf(const mjModel* m, const char* joint) {
    return m->jnt_dofadr[mj_name2id(m, mjOBJ_JOINT, joint)];
  }

  // the rod at world (x, y), the box at `pos` turned by `yaw` about the vertical, all at rest
  static void Place(const mjModel* m, mjData* d, double x, double y, const double pos[3],
                    double yaw) {
    mju_zero(d->qvel, m->nv);
    d->qpos[QposOf(m, "pusher_x")] = x;
    d->qpos[QposOf(m, "pusher_y")] = y;
    double* free = d->qpos + QposOf(m, "object");
    mju_copy3(free, pos);
    free[3] = std::cos(yaw / 2);
    free[4] = free[5] = 0;
    free[6] = std::sin(yaw / 2);
  }

  // a random state of the push scene: the rod within +-0.1 m, the box near the centre in a
  // random orientation, random velocities of every dof
  static void RandomState(const mjModel* m, mjData* d, std::mt19937* rng) {
    std::uniform_real_distribution<double> u(-1, 1);
    std::normal_distribution<double> g(0, 1);
    d->qpos[QposOf(m, "pusher_x")] = 0.1 * u(*rng);
    d->qpos[QposOf(m, "pusher_y")] = 0.1 * u(*rng);
    double* free = d->qpos + QposOf(m, "object");
    free[0] = 0.05 * u(*rng);
    free[1] = 0.05 * u(*rng);
    free[2] = 0.04 + 0.02 * u(*rng);
    double n = 0;
    for (int i = 3; i < 7; ++i) {
      free[i] = g(*rng);
      n += free[i] * free[i];
    }
    for (int i = 3; i < 7; ++i) free[i] /= std::sqrt(n);
    for (int i = 0; i < m->nv; ++i) d->qvel[i] = g(*rng);
  }

  // the pairs of `m`; fails the test when they do not resolve
  static std::vector<ResolvedPair> Resolve(const mjModel* m, const std::vector<ContactPair>& pairs) {
    std::vector<ResolvedPair> out;
    EXPECT_EQ(ResolveContactPairs(m, pairs, &out), "");
    EXPECT_EQ(out.size(), pairs.size());
    return out;
  }

  // J(nv x 6)' * wrench
  static std::vector<double> JacobianTransposeTimes(const mjModel* m, const std::vector<double>& jac,
                                                    const double wrench[6]) {
    std::vector<double> out(m->nv, 0);
    for (int r = 0; r < 6; ++r) {
      for (int c = 0; c < m->nv; ++c) out[c] += jac[r * m->nv + c] * wrench[r];
    }
    return out;
  }

  std::string xml_, exclude_xml_;
  ModelPtr sim_, excluded_;
};

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

// ---------------------------------------------------------------- bad input

class ContactBadInputTest : public PushTest {
 protected:
  // loading must fail with one line; returns it. A MuJoCo error raised while compiling is
  // the compile error; one raised only when the test makes an mjData fails the test.
  std::string ExpectCompileError(const std::string& xml) {
    std::string error;
    ModelPtr m;
    try {
      m = LoadXml(xml, &error);
    } catch (const MujocoError& e) {
      ADD_FAILURE() << "the error escaped mj_loadXML as an exception: " << e.what();
      return e.what();
    }
    EXPECT_EQ(m, nullptr) << "compiled, but should not have";
    if (m) {
      try {
        DataPtr d(mj_makeData(m.get()));
        ADD_FAILURE() << "mj_makeData succeeded too";
      } catch (const MujocoError& e) {
        return e.what();
      }
    }
    EXPECT_FALSE(error.empty());
    EXPECT_THAT(error, Not(HasSubstr("\n"))) << error;
    return error;
  }

  std::string SaveContact(const std::vector<ContactPair>& pairs, const std::string& name) {
    return SaveResidual(RandomContactResidual(sim_.get(), pairs, 1, 61), name);
  }
};

// This check runs when mjData is made: MuJoCo fills the exclude table after it asks for the
// state size, and compiling makes no mjData. Under this fixture's throwing handler our
// message arrives as a warning beside MuJoCo's "init failed" (the Python test checks MuJoCo's
// own handling, where it is the error itself).
TEST_F(ContactBadInputTest, ReplaceWithoutExclude) {
  const std::string path = SaveContact({PusherObject()}, "replace.safetensors");
  AllowWarnings();
  std::string error;
  ModelPtr m = LoadXml(HybridXml(xml_, path, "replace"), &error);
  ASSERT_NE(m, nullptr) << error;
  bool refused = false;
  try {
    DataPtr d(mj_makeData(m.get()));
    refused = d == nullptr;
  } catch (const MujocoError& e) {
    refused = true;
    error = e.what();
  }
  EXPECT_TRUE(refused) << "mj_makeData accepted a replace scene whose pair still collides";
  std::string text = error;
  for (const std::string& w : TakeWarnings()) text += "\n" + w;
  EXPECT_THAT(text,
              AllOf(HasSubstr("'residual'"), HasSubstr("mode 'replace'"), HasSubstr("'pusher'"),
                    HasSubstr("'object'"), HasSubstr("still collide natively"),
                    HasSubstr("<exclude body1=\"pusher\" body2=\"object\"/>")));
}

TEST_F(ContactBadInputTest, ReplaceWithAnExplicitPair) {
  const std::string path = SaveContact({PusherObject()}, "replace.safetensors");
  const std::string xml = WithContactSection(
      xml_, "    <exclude body1=\"pusher\" body2=\"object\"/>\n"
            "    <pair geom1=\"pusher\" geom2=\"object\"/>\n");
  EXPECT_THAT(ExpectCompileError(HybridXml(xml, path, "replace")),
              AllOf(HasSubstr("still collide natively"), HasSubstr("<pair>")));
}

TEST_F(ContactBadInputTest, GeomTheSceneLacks) {
  const std::string path =
      SaveContact({{PusherShape(), Shape("crate", "box", 0.04, 0.03, 0.025)}}, "crate.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(exclude_xml_, path, "replace")),
              AllOf(HasSubstr("crate.safetensors"), HasSubstr("no geom named 'crate'")));
}

TEST_F(ContactBadInputTest, BoxOfAnotherSize) {
  const std::string path = SaveContact({PusherObject()}, "box.safetensors");
  const std::string xml =
      Edit(exclude_xml_, "size=\"0.04 0.03 0.025\" mass=\"0.35\"",
           "size=\"0.05 0.03 0.025\" mass=\"0.35\"");
  EXPECT_THAT(ExpectCompileError(HybridXml(xml, path, "replace")),
              AllOf(HasSubstr("box.safetensors"), HasSubstr("'object'"),
                    HasSubstr("is a box of size 0.05 0.03 0.025"),
                    HasSubstr("box of size 0.04 0.03 0.025 in the model")));
}

TEST_F(ContactBadInputTest, RodOfAnotherType) {
  const std::string path = SaveContact({PusherObject()}, "rod.safetensors");
  const std::string xml = Edit(exclude_xml_, "type=\"capsule\"", "type=\"cylinder\"");
  EXPECT_THAT(ExpectCompileError(HybridXml(xml, path, "replace")),
              AllOf(HasSubstr("'pusher'"), HasSubstr("is a cylinder"), HasSubstr("capsule")));
}

TEST_F(ContactBadInputTest, GeomsThatCanNeverTouch) {
  // the floor and a wall are both fixed to the world
  const std::vector<ContactPair> pairs = {
      {Shape("floor", "plane", 0.5, 0.5, 0.05), Shape("wall_px", "box", 0.01, 0.165, 0.025)}};
  const std::string path =
      SaveResidual(WholeStateWithPairs(sim_.get(), pairs, 0, 62), "walls.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(xml_, path, "augment")),
              AllOf(HasSubstr("walls.safetensors"), HasSubstr("floor"), HasSubstr("wall_px"),
                    HasSubstr("never touch")));
}

TEST_F(ContactBadInputTest, ReplaceWithAWholeStateModel) {
  const std::string path =
      SaveResidual(WholeStateWithPairs(sim_.get(), {PusherObject()}, 0, 63), "whole.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(exclude_xml_, path, "replace")),
              AllOf(HasSubstr("whole.safetensors"), HasSubstr("mode 'replace' needs a contact model"),
                    HasSubstr("use mode 'augment'")));
  // a whole-state model without any pair, too
  const std::string plain = SaveResidual(RandomResidual(sim_.get(), 0, 1, 64), "plain.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(exclude_xml_, plain, "replace")),
              HasSubstr("mode 'replace' needs a contact model"));
}

TEST_F(ContactBadInputTest, AugmentWithAContactModel) {
  const std::string path = SaveContact({PusherObject()}, "contact.safetensors");
  for (const std::string& xml : {xml_, exclude_xml_}) {
    EXPECT_THAT(ExpectCompileError(HybridXml(xml, path, "augment")),
                AllOf(HasSubstr("contact.safetensors"), HasSubstr("contact model"),
                      HasSubstr("use mode 'replace'")));
  }
  // augment is the default mode
  EXPECT_THAT(ExpectCompileError(HybridXml(exclude_xml_, path, "")), HasSubstr("use mode 'replace'"));
}

}  // namespace
}  // namespace mjhybrid
