// The shape of a simulated system as the residual sees it, with no MuJoCo types: which joints
// there are, where their coordinates sit in qpos/qvel, which actuators drive them, and the
// timestep. The MuJoCo glue fills this from an mjModel; the trainer fills it the same way and
// adds the control period of its data.
//
// Conventions follow MuJoCo: free joints take 7 qpos (position, then quaternion w-x-y-z) and
// 6 dofs (linear velocity in the world frame, angular velocity in the body frame); ball joints
// take 4 qpos and 3 dofs; hinge and slide joints take one of each.

#ifndef MJHYBRID_PLUGIN_CORE_STATE_LAYOUT_H_
#define MJHYBRID_PLUGIN_CORE_STATE_LAYOUT_H_

#include <string>
#include <vector>

namespace mjhybrid {

enum class JointKind { kFree, kBall, kSlide, kHinge };

struct JointInfo {
  std::string name;
  JointKind kind = JointKind::kHinge;
  int qposadr = 0;
  int dofadr = 0;
};

struct StateLayout {
  int nq = 0;
  int nv = 0;
  int nu = 0;
  double timestep = 0;
  // the recorded step a model was trained on, a whole number of timesteps (the analytic model
  // steps that many times per recorded step, control held); 0: one timestep. An mjModel has
  // no control period: StateLayoutFromModel leaves it 0.
  double control_period = 0;
  std::vector<JointInfo> joints;
  std::vector<std::string> actuators;

  double ControlPeriod() const { return control_period > 0 ? control_period : timestep; }
  // physics steps per control period (1 when they are equal)
  int ControlSubsteps() const;
};

// the number of `timestep`s in `period` when it is a whole number >= 1, else 0
int WholeSteps(double period, double timestep);

const char* JointKindName(JointKind kind);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_STATE_LAYOUT_H_
