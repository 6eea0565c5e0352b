// The constraint-response features of a velocity model (features.h): the velocity change the
// constraint solver imposed in the step just taken, h * (qacc - qacc_smooth). Read once the
// step is done, while qacc and qacc_smooth still describe it. Used by the plugin and, so that
// both always agree, by the trainer.

#ifndef MJHYBRID_PLUGIN_MUJOCO_CONSTRAINT_RESPONSE_H_
#define MJHYBRID_PLUGIN_MUJOCO_CONSTRAINT_RESPONSE_H_

#include <mujoco/mujoco.h>

namespace mjhybrid {

// dv[nv] = h * (qacc - qacc_smooth) of the step d has just taken
inline void ConstraintResponse(const mjModel* m, const mjData* d, mjtNum* dv) {
  for (int i = 0; i < m->nv; ++i) dv[i] = m->opt.timestep * (d->qacc[i] - d->qacc_smooth[i]);
}

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_MUJOCO_CONSTRAINT_RESPONSE_H_
