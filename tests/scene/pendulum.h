// A motor-driven pendulum with a torsion spring and a given joint damping, as MJCF text: the
// smallest recorded system the scene tests collect from (a "real" and a "sim" that differ in
// damping).

#ifndef MJHYBRID_TESTS_SCENE_PENDULUM_H_
#define MJHYBRID_TESTS_SCENE_PENDULUM_H_

#include <string>

namespace mjhybrid::scene {

inline std::string PendulumXml(double damping) {
  return R"(<mujoco model="pendulum">
  <option timestep="0.01"/>
  <worldbody>
    <body name="link" pos="0 0 1">
      <joint name="hinge" type="hinge" axis="0 1 0" stiffness="2" damping=")" + std::to_string(damping) + R"("/>
      <geom type="capsule" fromto="0 0 0 0 0 -0.5" size="0.03" mass="1" contype="0" conaffinity="0"/>
    </body>
  </worldbody>
  <actuator>
    <motor name="motor" joint="hinge" ctrlrange="-3 3"/>
  </actuator>
</mujoco>
)";
}

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_TESTS_SCENE_PENDULUM_H_
