// Actuator state replayed from recorded controls (scene/activation.h): what MuJoCo's own steps
// leave in d->act, for every kind of linear actuator dynamics, under Euler and RK4, with
// controls and activations clamped; and the k-step error of a lagged model on its own data,
// which is exact only when its rollouts start with that state.

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

#include "scene/activation.h"
#include "scene/kstep_error.h"
#include "scene/mujoco_util.h"

namespace mjhybrid::scene {
namespace {

// three hinges: a motor with a filter lag, a motor with an exact filter lag whose activation is
// limited, and a velocity command (integrator); the controls are limited below what the episode
// sends, so clamping matters
std::string LaggedArmXml(const std::string& integrator) {
  return R"(<mujoco>
  <option timestep="0.002" integrator=")" + integrator + R"("/>
  <worldbody>
    <body pos="0 0 1">
      <joint name="j0" axis="0 1 0" damping="0.5"/>
      <geom type="capsule" fromto="0 0 0 0.3 0 0" size="0.02" mass="0.5" contype="0" conaffinity="0"/>
      <body pos="0.3 0 0">
        <joint name="j1" axis="0 1 0" damping="0.3"/>
        <geom type="capsule" fromto="0 0 0 0.3 0 0" size="0.02" mass="0.3" contype="0" conaffinity="0"/>
        <body pos="0.3 0 0">
          <joint name="j2" axis="0 1 0" damping="0.2"/>
          <geom type="capsule" fromto="0 0 0 0.2 0 0" size="0.02" mass="0.2" contype="0" conaffinity="0"/>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <general name="lag" joint="j0" ctrllimited="true" ctrlrange="-1 1" gear="5" dyntype="filter" dynprm="0.02"/>
    <general name="exact" joint="j1" ctrllimited="true" ctrlrange="-1 1" gear="3" dyntype="filterexact" dynprm="0.005"
             actlimited="true" actrange="-0.5 0.8"/>
    <general name="velocity" joint="j2" ctrllimited="true" ctrlrange="-2 2" dyntype="integrator" gaintype="fixed"
             gainprm="1" biastype="affine" biasprm="0 -1 0" actlimited="true" actrange="-0.6 0.6"/>
  </actuator>
</mujoco>)";
}

ModelPtr Compile(const std::string& xml) {
  char error[1000] = "";
  mjSpec* spec = mj_parseXMLString(xml.c_str(), nullptr, error, sizeof(error));
  if (!spec) throw std::runtime_error(error);
  mjModel* m = mj_compile(spec, nullptr);
  mj_deleteSpec(spec);
  if (!m) throw std::runtime_error("does not compile");
  return ModelPtr(m);
}

// an episode of m under random controls beyond the control range, `substeps` physics steps per
// recorded step; act_out gets MuJoCo's own activation at every recorded step
TrajectoryDataset Record(const mjModel* m, int steps, int substeps, std::vector<double>* act_out) {
  TrajectoryDataset data;
  data.timestep = m->opt.timestep * substeps;
  data.nq = m->nq;
  data.nv = m->nv;
  data.nu = m->nu;
  Episode ep;
  DataPtr d = MakeData(m);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1.6, 1.6);
  auto record = [&] {
    ep.time.push_back(d->time);
    ep.qpos.insert(ep.qpos.end(), d->qpos, d->qpos + m->nq);
    ep.qvel.insert(ep.qvel.end(), d->qvel, d->qvel + m->nv);
    act_out->insert(act_out->end(), d->act, d->act + m->na);
  };
  record();
  for (int t = 0; t < steps; ++t) {
    for (int i = 0; i < m->nu; ++i) d->ctrl[i] = u(rng);
    ep.ctrl.insert(ep.ctrl.end(), d->ctrl, d->ctrl + m->nu);
    for (int k = 0; k < substeps; ++k) mj_step(m, d.get());
    record();
  }
  data.episodes.push_back(std::move(ep));
  return data;
}

class ActivationReplayTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ActivationReplayTest, LeavesWhatMuJoCosOwnStepsLeave) {
  ModelPtr m = Compile(LaggedArmXml(GetParam()));
  ASSERT_EQ(m->na, 3);
  constexpr int kSubsteps = 3, kSteps = 200;
  std::vector<double> act;
  const TrajectoryDataset data = Record(m.get(), kSteps, kSubsteps, &act);
  const ActivationReplay replay(m.get());
  ASSERT_FALSE(replay.empty());
  bool clamped = false;
  std::vector<double> got(m->na);
  for (int s = 0; s <= kSteps; ++s) {
    replay.At(data.episodes[0], s, kSubsteps, got.data());
    for (int j = 0; j < m->na; ++j) {
      EXPECT_NEAR(got[j], act[s * m->na + j], 1e-12) << "activation " << j << " at step " << s;
      const double a = act[s * m->na + j];
      clamped |= std::abs(a) == 0.6 || a == 0.8 || a == -0.5;
    }
  }
  EXPECT_TRUE(clamped) << "the episode never reached an activation limit: the clamp is untested";
}

INSTANTIATE_TEST_SUITE_P(Integrators, ActivationReplayTest, ::testing::Values("Euler", "RK4", "implicitfast"));

TEST(ActivationReplay, AModelWithoutActuatorStateHasNothingToReplay) {
  ModelPtr m = Compile(R"(<mujoco><worldbody><body><joint name="j" axis="0 1 0"/><geom size="0.1" mass="1"/></body></worldbody>
    <actuator><motor name="m" joint="j" ctrlrange="-1 1"/></actuator></mujoco>)");
  EXPECT_TRUE(ActivationReplay(m.get()).empty());
}

TEST(ActivationReplay, RefusesMuscleDynamicsNamingTheActuator) {
  ModelPtr m = Compile(R"(<mujoco><worldbody><body><joint name="j" axis="0 1 0"/><geom size="0.1" mass="1"/></body></worldbody>
    <actuator><muscle name="biceps" joint="j" lengthrange="0.5 1.5"/></actuator></mujoco>)");
  try {
    ActivationReplay replay(m.get());
    FAIL() << "a muscle was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'biceps'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("muscle"), std::string::npos) << e.what();
  }
}

// the k-step error of a model on data it recorded itself is zero only if every rollout starts
// with the activation the recorded controls left (act = 0 would start each window unlagged)
TEST(ActivationReplay, ALaggedModelPredictsItsOwnDataExactly) {
  ModelPtr m = Compile(LaggedArmXml("RK4"));
  std::vector<double> act;
  const TrajectoryDataset data = Record(m.get(), 300, 4, &act);
  KStepOptions options;
  options.horizons = {10};
  options.stride = 7;
  const std::vector<HorizonError> err = KStepError(m.get(), data, options);
  ASSERT_EQ(err.size(), 1u);
  EXPECT_GT(err[0].rollouts, 30);
  EXPECT_LT(err[0].qpos_rmse, 1e-9);
  EXPECT_LT(err[0].qvel_rmse, 1e-9);
}

}  // namespace
}  // namespace mjhybrid::scene
