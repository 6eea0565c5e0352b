// mjModel -> StateLayout, the MuJoCo-free description the residual core works with.

#ifndef MJHYBRID_PLUGIN_MUJOCO_STATE_LAYOUT_FROM_MODEL_H_
#define MJHYBRID_PLUGIN_MUJOCO_STATE_LAYOUT_FROM_MODEL_H_

#include <mujoco/mujoco.h>

#include "plugin/core/state_layout.h"

namespace mjhybrid {

StateLayout StateLayoutFromModel(const mjModel* m);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_MUJOCO_STATE_LAYOUT_FROM_MODEL_H_
