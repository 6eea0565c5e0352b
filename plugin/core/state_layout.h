// The shape of a simulated system as the residual sees it, with no MuJoCo types: which joints
// there are, where their coordinates sit in qpos/qvel, which actuators drive them, and the
// timestep. The MuJoCo glue fills this from an mjModel; the trainer fills it the same way.
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
  std::vector<JointInfo> joints;
  std::vector<std::string> actuators;
};

const char* JointKindName(JointKind kind);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_STATE_LAYOUT_H_
