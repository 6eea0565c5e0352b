// mode="off": the plugin is present but must leave the dynamics alone, bit for bit, whatever
// the integrator (the native twin of the hybrid scene is sim.xml itself).

#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include <string>

#include "tests/plugin/fixture.h"

namespace mjhybrid {
namespace {

constexpr int kSteps = 1000;

class OffModeTest : public MujocoTest,
                    public ::testing::WithParamInterface<const char*> {};

// sim.xml with the integrator of the test parameter
std::string SimWithIntegrator(const std::string& integrator) {
  return WithOption(SimXml(), "integrator", integrator);
}

TEST_P(OffModeTest, OffIsBitIdenticalToSim) {
  const std::string sim_xml = SimWithIntegrator(GetParam());
  ModelPtr sim = LoadXml(sim_xml);
  ASSERT_NE(sim, nullptr);
  const std::string model_path =
      SaveResidual(RandomResidual(sim.get(), 4, 3, 1), "off.safetensors");
  ModelPtr hybrid = LoadXml(HybridXml(sim_xml, model_path, "off"));
  ASSERT_NE(hybrid, nullptr);
  ASSERT_EQ(hybrid->nplugin, 1);
  EXPECT_EQ(hybrid->opt.integrator, sim->opt.integrator);

  auto [a, b] = RolloutTwins(sim.get(), hybrid.get(), kSteps, 7);
  EXPECT_TRUE(BitIdentical(a.qpos, b.qpos)) << "max |dq| " << MaxAbsDifference(a.qpos, b.qpos);
  EXPECT_TRUE(BitIdentical(a.qvel, b.qvel)) << "max |dv| " << MaxAbsDifference(a.qvel, b.qvel);
  EXPECT_EQ(a.time, b.time);
  // the arm moved: a trivial rollout would make the comparison meaningless
  EXPECT_GT(MaxAbsDifference(a.qpos, std::vector<double>(a.qpos.size(), 0)), 0.1);
}

TEST_P(OffModeTest, OffWithoutAModelIsBitIdenticalToSim) {
  const std::string sim_xml = SimWithIntegrator(GetParam());
  ModelPtr sim = LoadXml(sim_xml);
  ModelPtr hybrid = LoadXml(HybridXml(sim_xml, "", "off"));
  ASSERT_NE(sim, nullptr);
  ASSERT_NE(hybrid, nullptr);
  // nothing evolves without a model, so no state is declared
  EXPECT_EQ(hybrid->npluginstate, 0);
  auto [a, b] = RolloutTwins(sim.get(), hybrid.get(), kSteps, 8);
  EXPECT_TRUE(BitIdentical(a.qpos, b.qpos));
  EXPECT_TRUE(BitIdentical(a.qvel, b.qvel));
}

TEST_P(OffModeTest, AugmentWithScaleZeroMatchesSim) {
  // scale 0 adds exact zeros; -0.0 vs +0.0 is the only difference allowed, so compare values
  const std::string sim_xml = SimWithIntegrator(GetParam());
  ModelPtr sim = LoadXml(sim_xml);
  ASSERT_NE(sim, nullptr);
  const std::string model_path =
      SaveResidual(RandomResidual(sim.get(), 2, 1, 2), "zero.safetensors");
  ModelPtr hybrid = LoadXml(HybridXml(sim_xml, model_path, "augment", ConfigKey("scale", "0")));
  ASSERT_NE(hybrid, nullptr);
  auto [a, b] = RolloutTwins(sim.get(), hybrid.get(), kSteps, 9);
  ASSERT_EQ(a.qpos.size(), b.qpos.size());
  for (size_t i = 0; i < a.qpos.size(); ++i) ASSERT_EQ(a.qpos[i], b.qpos[i]) << i;
  for (size_t i = 0; i < a.qvel.size(); ++i) ASSERT_EQ(a.qvel[i], b.qvel[i]) << i;
}

INSTANTIATE_TEST_SUITE_P(Integrators, OffModeTest,
                         ::testing::Values("Euler", "RK4", "implicitfast", "implicit"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param);
                         });

}  // namespace
}  // namespace mjhybrid
