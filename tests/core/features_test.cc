// Tests for the feature map: counts, names and values for every joint kind, with a control
// history.

#include "plugin/core/features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "tests/common/random_network.h"

namespace mjhybrid {
namespace {

// hinge, slide, ball and free joints; nq = 1+1+4+7 = 13, nv = 1+1+3+6 = 11, two actuators
StateLayout MixedLayout() {
  return testutil::MakeLayout(13, 11, 0.002,
                              {{"hinge", JointKind::kHinge, 0, 0},
                               {"slide", JointKind::kSlide, 1, 1},
                               {"ball", JointKind::kBall, 2, 2},
                               {"free", JointKind::kFree, 6, 5}},
                              {"motor_a", "motor_b"});
}

// positions of the blocks in the feature vector of MixedLayout with ctrl_history = 2
constexpr int kHinge = 0, kSlide = 2, kBall = 3, kGravity = 7, kQvel = 10, kCtrl = 21,
              kHistory = 23, kCount = 27;

struct State {
  std::vector<double> qpos = std::vector<double>(13, 0);
  std::vector<double> qvel = std::vector<double>(11, 0);
  std::vector<double> ctrl = {0, 0};
  std::vector<double> history = {0, 0, 0, 0};
};

FeatureSpec History(int ctrl_history) {
  FeatureSpec spec;
  spec.ctrl_history = ctrl_history;
  return spec;
}

std::vector<double> Features(const State& s, int ctrl_history = 2) {
  FeatureSpec spec = History(ctrl_history);
  StateLayout layout = MixedLayout();
  std::vector<double> out(FeatureCount(spec, layout), std::nan(""));
  ComputeFeatures(spec, layout, s.qpos.data(), s.qvel.data(), s.ctrl.data(),
                  ctrl_history ? s.history.data() : nullptr, nullptr, out.data());
  return out;
}

// gravity (0, 0, -1) in the body frame, from the rotation matrix written out by hand
std::vector<double> GravityInBody(double w, double x, double y, double z) {
  double n = std::sqrt(w * w + x * x + y * y + z * z);
  w /= n, x /= n, y /= n, z /= n;
  double r[3][3] = {{1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)},
                    {2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)},
                    {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)}};
  // R maps body to world, so the body-frame vector is R^T g
  std::vector<double> g = {0, 0, -1}, out(3, 0);
  for (int i = 0; i < 3; ++i) {
    for (int k = 0; k < 3; ++k) out[i] += r[k][i] * g[k];
  }
  return out;
}

TEST(FeaturesTest, CountCoversEveryBlock) {
  StateLayout layout = MixedLayout();
  // 2 (sin, cos) + 1 + 4 + 3 position features, 11 velocities, 2 controls now + 2 * 2 history
  EXPECT_EQ(FeatureCount(History(2), layout), kCount);
  EXPECT_EQ(FeatureCount(History(0), layout), kCount - 4);
  EXPECT_EQ(FeatureCount(History(5), layout), kCount + 6);
}

TEST(FeaturesTest, NamesFollowTheDocumentedOrder) {
  std::vector<std::string> names = FeatureNames(History(2), MixedLayout());
  ASSERT_EQ(names.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(names[kHinge], "sin(hinge)");
  EXPECT_EQ(names[kHinge + 1], "cos(hinge)");
  EXPECT_EQ(names[kSlide], "slide");
  EXPECT_EQ(names[kBall], "quat_w(ball)");
  EXPECT_EQ(names[kBall + 3], "quat_z(ball)");
  EXPECT_EQ(names[kGravity], "gravity_x(free)");
  EXPECT_EQ(names[kGravity + 2], "gravity_z(free)");
  EXPECT_EQ(names[kQvel], "qvel[0]");
  EXPECT_EQ(names[kQvel + 10], "qvel[10]");
  EXPECT_EQ(names[kCtrl], "ctrl[motor_a]");
  EXPECT_EQ(names[kCtrl + 1], "ctrl[motor_b]");
  // newest history first
  EXPECT_EQ(names[kHistory], "ctrl[motor_a](t-1)");
  EXPECT_EQ(names[kHistory + 1], "ctrl[motor_b](t-1)");
  EXPECT_EQ(names[kHistory + 2], "ctrl[motor_a](t-2)");
  EXPECT_EQ(names[kHistory + 3], "ctrl[motor_b](t-2)");
  EXPECT_EQ(FeatureNames(History(0), MixedLayout()).size(), static_cast<size_t>(kCount - 4));
}

TEST(FeaturesTest, ComputesEveryFeature) {
  State s;
  s.qpos = {0.3,  -0.7,             // hinge, slide
            0.5,  0.5, -0.5, 0.5,   // ball, w >= 0 already
            1, 2, 3,                // free position, left out
            1,    0,   0,    0};    // free orientation: identity
  for (int i = 0; i < 11; ++i) s.qvel[i] = 0.1 * (i + 1);
  s.ctrl = {0.25, -0.75};
  s.history = {1, 2, 3, 4};
  std::vector<double> f = Features(s);
  ASSERT_EQ(f.size(), static_cast<size_t>(kCount));
  // hinge features are computed in float: the network runs in float32
  EXPECT_NEAR(f[kHinge], std::sin(0.3), 1e-7);
  EXPECT_NEAR(f[kHinge + 1], std::cos(0.3), 1e-7);
  EXPECT_DOUBLE_EQ(f[kSlide], -0.7);
  EXPECT_EQ(std::vector<double>(f.begin() + kBall, f.begin() + kBall + 4),
            (std::vector<double>{0.5, 0.5, -0.5, 0.5}));
  EXPECT_NEAR(f[kGravity], 0, 1e-15);
  EXPECT_NEAR(f[kGravity + 1], 0, 1e-15);
  EXPECT_NEAR(f[kGravity + 2], -1, 1e-15);
  for (int i = 0; i < 11; ++i) EXPECT_EQ(f[kQvel + i], s.qvel[i]);
  EXPECT_EQ(f[kCtrl], 0.25);
  EXPECT_EQ(f[kCtrl + 1], -0.75);
  EXPECT_EQ(std::vector<double>(f.begin() + kHistory, f.end()), s.history);
}

TEST(FeaturesTest, HingeAnglesWrap) {
  State a, b;
  a.qpos[0] = 0.4;
  b.qpos[0] = 0.4 + 2 * M_PI;
  std::vector<double> fa = Features(a), fb = Features(b);
  EXPECT_NEAR(fa[kHinge], fb[kHinge], 1e-7);
  EXPECT_NEAR(fa[kHinge + 1], fb[kHinge + 1], 1e-7);
  // an arm that has spun a thousand turns: the angle is reduced in double before the float
  // sincos, so the features keep float precision
  b.qpos[0] = 0.4 - 2000 * M_PI;
  fb = Features(b);
  EXPECT_NEAR(fb[kHinge], std::sin(0.4), 1e-6);
  EXPECT_NEAR(fb[kHinge + 1], std::cos(0.4), 1e-6);
}

TEST(FeaturesTest, BallQuaternionSignIsFlippedToNonNegativeW) {
  State s;
  s.qpos[2] = -0.5, s.qpos[3] = 0.5, s.qpos[4] = -0.5, s.qpos[5] = 0.5;
  s.qpos[9] = 1;
  std::vector<double> f = Features(s);
  // -q is the same rotation as q; the feature map must not see two different inputs
  EXPECT_EQ(std::vector<double>(f.begin() + kBall, f.begin() + kBall + 4),
            (std::vector<double>{0.5, -0.5, 0.5, -0.5}));
}

TEST(FeaturesTest, FreeJointGravityInBodyFrame) {
  const double c = std::sqrt(0.5);
  struct Case {
    const char* what;
    double q[4];
    double gravity[3];
  };
  const Case cases[] = {
      {"identity", {1, 0, 0, 0}, {0, 0, -1}},
      // 90 degrees about world x: the body's y axis points up, so gravity is -y in the body
      {"90 about x", {c, c, 0, 0}, {0, -1, 0}},
      // 90 degrees about world y: the body's x axis points down, so gravity is +x in the body
      {"90 about y", {c, 0, c, 0}, {1, 0, 0}},
      // a rotation about the vertical does not change where gravity points
      {"90 about z", {c, 0, 0, c}, {0, 0, -1}},
      // upside down
      {"180 about x", {0, 1, 0, 0}, {0, 0, 1}},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.what);
    State s;
    for (int i = 0; i < 4; ++i) s.qpos[9 + i] = k.q[i];
    s.qpos[2] = 1;
    std::vector<double> f = Features(s);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(f[kGravity + i], k.gravity[i], 1e-12) << i;
  }
}

TEST(FeaturesTest, FreeJointGravityMatchesRotationMatrixForRandomOrientations) {
  std::mt19937 rng(17);
  std::normal_distribution<double> g(0, 1);
  for (int trial = 0; trial < 100; ++trial) {
    State s;
    double q[4] = {g(rng), g(rng), g(rng), g(rng)};
    // unnormalized on purpose: the feature map normalizes
    for (int i = 0; i < 4; ++i) s.qpos[9 + i] = q[i];
    s.qpos[2] = 1;
    std::vector<double> f = Features(s);
    std::vector<double> expected = GravityInBody(q[0], q[1], q[2], q[3]);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(f[kGravity + i], expected[i], 1e-12);
  }
}

TEST(FeaturesTest, FreeJointPositionIsLeftOut) {
  State a, b;
  a.qpos[9] = b.qpos[9] = 1;
  b.qpos[6] = 100, b.qpos[7] = -50, b.qpos[8] = 3;
  EXPECT_EQ(Features(a), Features(b));
}

TEST(FeaturesTest, WithoutHistoryThePointerIsNotRead) {
  State s;
  s.qpos[9] = 1;
  s.ctrl = {1, 2};
  std::vector<double> f = Features(s, 0);
  ASSERT_EQ(f.size(), static_cast<size_t>(kCount - 4));
  EXPECT_EQ(f.back(), 2);
}

TEST(FeaturesTest, JointKindNames) {
  EXPECT_STREQ(JointKindName(JointKind::kFree), "free");
  EXPECT_STREQ(JointKindName(JointKind::kBall), "ball");
  EXPECT_STREQ(JointKindName(JointKind::kSlide), "slide");
  EXPECT_STREQ(JointKindName(JointKind::kHinge), "hinge");
}

}  // namespace
}  // namespace mjhybrid

namespace mjhybrid {
namespace {

TEST(FeaturesTest, ConstraintResponseComesLastAndIsWrittenSeparately) {
  const StateLayout layout = MixedLayout();
  FeatureSpec spec = History(1);
  const int base = FeatureCount(spec, layout);
  spec.output = ResidualOutput::kVelocity;
  spec.constraint_response = true;
  ASSERT_EQ(FeatureCount(spec, layout), base + layout.nv);
  const std::vector<std::string> names = FeatureNames(spec, layout);
  ASSERT_EQ(names.size(), static_cast<size_t>(base + layout.nv));
  EXPECT_EQ(names[base], "dv_constraint[0]");
  EXPECT_EQ(names.back(), "dv_constraint[" + std::to_string(layout.nv - 1) + "]");

  std::vector<double> out(FeatureCount(spec, layout), -7);
  std::vector<double> dv(layout.nv);
  for (int i = 0; i < layout.nv; ++i) dv[i] = 0.5 * i + 1;
  SetConstraintFeatures(spec, layout, dv.data(), out.data());
  for (int i = 0; i < base; ++i) EXPECT_EQ(out[i], -7) << "state feature " << i << " was touched";
  for (int i = 0; i < layout.nv; ++i) EXPECT_EQ(out[base + i], dv[i]);
  // a spec without them writes nothing
  spec.constraint_response = false;
  std::vector<double> untouched(base, -7);
  SetConstraintFeatures(spec, layout, dv.data(), untouched.data());
  for (double v : untouched) EXPECT_EQ(v, -7);
}

}  // namespace
}  // namespace mjhybrid
