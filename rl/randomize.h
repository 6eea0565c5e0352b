// Domain randomization, the way a user without real data would hedge: copies of the nominal
// model whose physical parameters (those system identification would fit: joint damping,
// armature and friction loss, actuator strength, geom friction, body masses and inertias,
// contact time constants) are each scaled by an independent log-uniform factor in
// [1 / spread, spread]. The layout (nq, nv, nu, names) is the nominal one.

#ifndef MJHYBRID_RL_RANDOMIZE_H_
#define MJHYBRID_RL_RANDOMIZE_H_

#include <mujoco/mujoco.h>

#include <cstdint>
#include <vector>

#include "scene/mujoco_util.h"

namespace mjhybrid::rl {

std::vector<ModelPtr> RandomizedModels(const mjModel* nominal, int count, double spread, uint64_t seed);

}  // namespace mjhybrid::rl

#endif  // MJHYBRID_RL_RANDOMIZE_H_
