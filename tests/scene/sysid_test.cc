// System identification (scene/sysid.h) on a system whose true parameters are known: a
// motor-driven pendulum recorded with one joint damping and identified from a model that
// starts at another.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "scene/collect.h"
#include "scene/mujoco_util.h"
#include "scene/sysid.h"
#include "tests/scene/pendulum.h"

namespace mjhybrid::scene {
namespace {

namespace fs = std::filesystem;

constexpr double kRealDamping = 0.3;      // N*m*s/rad, what the "real" pendulum has
constexpr double kNominalDamping = 0.08;  // what the datasheet (sim.xml) says

class SysidTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "mjhybrid_sysid_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = (fs::path(dir_) / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
};

// Trajectories of a pendulum with damping D, fitted with a model that says d = D / 3.75 (and
// leaves armature, friction loss, motor gain and mass free to move too), give back D: the
// recorded motion is explained by the true damping and by nothing else, and the multi-step
// error falls to a tiny fraction of the nominal model's. Both pendulums carry the same torsion
// spring, which is not identified: it fixes the scale. Without it, mass (with its inertia),
// motor gain and damping scaled by one common factor give exactly the same motion, and only
// their ratios could be identified.
TEST_F(SysidTest, IdentifiesTheRealJointDamping) {
  const std::string real = Write("real.xml", PendulumXml(kRealDamping));
  const std::string sim = Write("sim.xml", PendulumXml(kNominalDamping));

  CollectOptions collect;
  collect.model_path = real;
  collect.episodes = 4;
  collect.steps = 200;
  collect.seed = 3;
  const TrajectoryDataset data = Collect(collect, false);

  ModelPtr m = LoadModel(sim);
  SysidOptions options;
  options.threads = 2;
  const SysidResult result = Identify(m.get(), data, options);

  const SysidParameter* damping = nullptr;
  for (const SysidParameter& p : result.parameters) {
    if (p.name == "damping hinge") {
      damping = &p;
    } else if (p.nominal > 0) {
      // gain and mass were right in sim.xml already
      EXPECT_NEAR(p.value(), p.nominal, 0.01 * p.nominal) << p.name;
    } else {
      // armature and friction loss: the real pendulum has none
      EXPECT_LT(p.value(), 1e-3 * p.scale) << p.name;
    }
  }
  ASSERT_NE(damping, nullptr) << "no damping parameter for the driven hinge";
  EXPECT_DOUBLE_EQ(damping->nominal, kNominalDamping);
  EXPECT_NEAR(damping->value(), kRealDamping, 0.1 * kRealDamping);
  EXPECT_GT(result.iterations, 0);
  EXPECT_GT(result.initial_cost, 0);
  EXPECT_LT(result.final_cost, 1e-3 * result.initial_cost)
      << "initial " << result.initial_cost << ", final " << result.final_cost;
  // Identify leaves the model it was given alone
  EXPECT_DOUBLE_EQ(m->dof_damping[0], kNominalDamping);
}

}  // namespace
}  // namespace mjhybrid::scene
