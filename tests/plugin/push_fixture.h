// Test support for the contact tests on the push scene (scenes/push/sim.xml: a capsule rod
// "pusher" on two slides, a free box "object", a plane "floor", walls "wall_*"): the scene and
// its variants, the pair's shapes as a model file records them, random contact and
// whole-state models, and PushTest, the fixture that compiles them.

#ifndef MJHYBRID_TESTS_PLUGIN_PUSH_FIXTURE_H_
#define MJHYBRID_TESTS_PLUGIN_PUSH_FIXTURE_H_

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

// the push scene's geoms as a model file records them
inline GeomShape PusherShape() { return testutil::Shape("pusher", "capsule", 0.012, 0.0265, 0); }
inline GeomShape ObjectShape() { return testutil::Shape("object", "box", 0.04, 0.03, 0.025); }
inline ContactPair PusherObject() { return {PusherShape(), ObjectShape()}; }

constexpr double kRodRadius = 0.012;
constexpr double kBoxHalfX = 0.04, kBoxHalfY = 0.03, kBoxHalfZ = 0.025;

// the nominal push scene, read from the repository
inline std::string PushXml() {
  std::string xml = ReadText(std::string(MJHYBRID_SOURCE_DIR) + "/scenes/push/sim.xml");
  EXPECT_FALSE(xml.empty()) << "cannot read scenes/push/sim.xml";
  return xml;
}

// the scene with a <contact> section (right before <actuator>) holding `elements`
inline std::string WithContactSection(const std::string& xml, const std::string& elements) {
  const size_t actuator = xml.find("<actuator>");
  EXPECT_NE(actuator, std::string::npos) << "no <actuator> in the scene";
  if (actuator == std::string::npos) return xml;
  return xml.substr(0, actuator) + "<contact>\n" + elements + "  </contact>\n\n  " +
         xml.substr(actuator);
}

// the scene with the native pusher-object contact switched off
inline std::string WithExclude(const std::string& xml) {
  return WithContactSection(xml, "    <exclude body1=\"pusher\" body2=\"object\"/>\n");
}

// xml with the first occurrence of `from` replaced by `to` (which must occur)
inline std::string Edit(const std::string& xml, const std::string& from, const std::string& to) {
  const size_t at = xml.find(from);
  EXPECT_NE(at, std::string::npos) << "no '" << from << "' in the scene";
  if (at == std::string::npos) return xml;
  return xml.substr(0, at) + to + xml.substr(at + from.size());
}

inline void Cross(const double a[3], const double b[3], double out[3]) {
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

// a whole-state model (mode augment) of the compiled scene `m` whose features include `pairs`
inline ResidualModel WholeStateWithPairs(const mjModel* m, std::vector<ContactPair> pairs,
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
inline ResidualModel RandomContactResidual(const mjModel* m, std::vector<ContactPair> pairs,
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

}  // namespace mjhybrid

#endif  // MJHYBRID_TESTS_PLUGIN_PUSH_FIXTURE_H_
