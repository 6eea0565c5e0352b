#include "plugin/mujoco/state_layout_from_model.h"

namespace mjhybrid {

namespace {

JointKind KindOf(int mj_type) {
  switch (mj_type) {
    case mjJNT_FREE: return JointKind::kFree;
    case mjJNT_BALL: return JointKind::kBall;
    case mjJNT_SLIDE: return JointKind::kSlide;
    default: return JointKind::kHinge;
  }
}

std::string NameOf(const mjModel* m, int type, int id) {
  const char* name = mj_id2name(m, type, id);
  return name ? name : "#" + std::to_string(id);
}

}  // namespace

StateLayout StateLayoutFromModel(const mjModel* m) {
  StateLayout layout;
  layout.nq = static_cast<int>(m->nq);
  layout.nv = static_cast<int>(m->nv);
  layout.nu = static_cast<int>(m->nu);
  layout.timestep = m->opt.timestep;
  for (int j = 0; j < m->njnt; ++j) {
    layout.joints.push_back({NameOf(m, mjOBJ_JOINT, j), KindOf(m->jnt_type[j]),
                             m->jnt_qposadr[j], m->jnt_dofadr[j]});
  }
  for (int a = 0; a < m->nu; ++a) layout.actuators.push_back(NameOf(m, mjOBJ_ACTUATOR, a));
  return layout;
}

}  // namespace mjhybrid
