// Test support for the training-target tests: a two-link arm without contact, written twice
// into a scratch folder, "real.xml" with a shoulder spring and elbow damping that the analytic
// "sim.xml" lacks, and trajectories recorded from either. The gap between the two is a known
// generalized force (see targets_test.cc), so targets can be checked against it exactly.

#ifndef MJHYBRID_TESTS_PIPELINE_TWO_ARMS_H_
#define MJHYBRID_TESTS_PIPELINE_TWO_ARMS_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "scene/collect.h"

namespace mjhybrid::pipeline::testing_arms {

constexpr double kStiffness = 4.0;  // N*m/rad, shoulder spring of the real arm
constexpr double kSpringRef = 0.3;  // rad, where it rests
constexpr double kDamping = 0.5;    // N*m*s/rad, elbow damping of the real arm

// a two-link arm in the vertical plane, two motors, no contact, no joint limits: the force
// targets are then exact (pipeline/targets.h). `real` adds the shoulder spring and the elbow
// damping. `timestep`: the physics step (data recorded at a coarser control period then has
// several physics steps per recorded step).
inline std::string ArmXml(bool real, const std::string& timestep = "0.005") {
  const std::string shoulder = real ? " stiffness=\"" + std::to_string(kStiffness) +
                                          "\" springref=\"" + std::to_string(kSpringRef) + "\""
                                    : "";
  const std::string elbow = real ? " damping=\"" + std::to_string(kDamping) + "\"" : "";
  return R"(<mujoco model="arm">
  <compiler angle="radian"/>
  <option timestep=")" + timestep + R"("/>
  <worldbody>
    <body name="upper" pos="0 0 1">
      <joint name="shoulder" type="hinge" axis="0 1 0")" + shoulder + R"(/>
      <geom type="capsule" fromto="0 0 0 0.4 0 0" size="0.04" mass="1.5" contype="0" conaffinity="0"/>
      <body name="lower" pos="0.4 0 0">
        <joint name="elbow" type="hinge" axis="0 1 0")" + elbow + R"(/>
        <geom type="capsule" fromto="0 0 0 0.35 0 0" size="0.03" mass="0.8" contype="0" conaffinity="0"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="shoulder_motor" joint="shoulder" ctrlrange="-4 4"/>
    <motor name="elbow_motor" joint="elbow" ctrlrange="-2 2"/>
  </actuator>
</mujoco>
)";
}

// a scratch folder with real.xml and sim.xml, removed after the test
class TwoArmsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "mjhybrid_two_arms_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    real_ = Write("real.xml", ArmXml(true));
    sim_ = Write("sim.xml", ArmXml(false));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = (std::filesystem::path(dir_) / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // three episodes of 150 steps, joints thrown with velocity std 2 so the spring and damping
  // work, recorded every `dt` s (0: the model's timestep)
  scene::TrajectoryDataset Record(const std::string& path, uint64_t seed, double dt = 0) const {
    scene::CollectOptions options;
    options.dt = dt;
    options.model_path = path;
    options.episodes = 3;
    options.steps = 150;
    options.seed = seed;
    options.start.qvel = 2.0;
    return scene::Collect(options, false);
  }

  std::string dir_, real_, sim_;
};

}  // namespace mjhybrid::pipeline::testing_arms

#endif  // MJHYBRID_TESTS_PIPELINE_TWO_ARMS_H_
