// Finding and reading a compiled model's mjhybrid.residual instance from outside the plugin:
// the evaluation tools, the RL environments and the viewer use these to set the control
// history of a rollout and to read the residual's diagnostics (plugin/core/plugin_state.h).

#ifndef MJHYBRID_PLUGIN_MUJOCO_RESIDUAL_INSTANCE_H_
#define MJHYBRID_PLUGIN_MUJOCO_RESIDUAL_INSTANCE_H_

#include <mujoco/mujoco.h>

#include "plugin/core/plugin_state.h"

namespace mjhybrid {

// the mjhybrid.residual instance of a model, -1 if it has none
int ResidualInstance(const mjModel* m);

// one of the residual's diagnostics after the last step, read from the plugin's state (the
// slot is a PluginStateLayout member, e.g. &PluginStateLayout::spread); 0 without an instance
double ResidualDiagnostic(const mjModel* m, const mjData* d, int instance,
                          int (PluginStateLayout::*slot)() const);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_MUJOCO_RESIDUAL_INSTANCE_H_
