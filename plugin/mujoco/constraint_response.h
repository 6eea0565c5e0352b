// The constraint-response features of a velocity model (features.h): the velocity change the
// constraint solver imposes at the step's start state, h * (qacc - qacc_smooth) as mj_forward
// leaves them there. An Euler or implicit step keeps them until it is done; under RK4 they are
// read in the second stage's mj_passive, before that stage recomputes them. Used by the plugin
// and, so that both always agree, by the trainer.

#ifndef MJHYBRID_PLUGIN_MUJOCO_CONSTRAINT_RESPONSE_H_
#define MJHYBRID_PLUGIN_MUJOCO_CONSTRAINT_RESPONSE_H_

#include <mujoco/mujoco.h>

namespace mjhybrid {

// dv[nv] = h * (qacc - qacc_smooth) as d holds them
inline void ConstraintResponse(const mjModel* m, const mjData* d, mjtNum* dv) {
  for (int i = 0; i < m->nv; ++i) dv[i] = m->opt.timestep * (d->qacc[i] - d->qacc_smooth[i]);
}

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_MUJOCO_CONSTRAINT_RESPONSE_H_
