// Finding and reading a compiled model's mjhybrid.residual instance from outside the plugin:
// the evaluation tools, the RL environments and the viewer use these to set the control
// history of a rollout and to read the residual's diagnostics (plugin/core/plugin_state.h).

#ifndef MJHYBRID_PLUGIN_MUJOCO_RESIDUAL_INSTANCE_H_
#define MJHYBRID_PLUGIN_MUJOCO_RESIDUAL_INSTANCE_H_

#include <mujoco/mujoco.h>

#include "plugin/core/plugin_state.h"
#include "plugin/mujoco/contact_rewrite.h"

namespace mjhybrid {

// the first mjhybrid.residual instance of a model that is not in mode params (the one with a
// control history and diagnostics), -1 if it has none
int ResidualInstance(const mjModel* m);

// the first instance in mode params, -1 if none
int ContactParamsInstance(const mjModel* m);

// the contact rewrite of a mode-params instance in mjData d: its values can be changed, e.g. by
// a fit that searches them through the plugin itself (scene/params_fit.h); null when the
// instance is not in mode params or has no plugin object in d
ContactRewrite* ContactRewriteOf(const mjModel* m, mjData* d, int instance);

// how the instance's plugin_state slice divides (control history, held correction,
// diagnostics), as its plugin object in d lays it out; an empty layout without one
PluginStateLayout ResidualStateLayout(const mjModel* m, const mjData* d, int instance);

// one of the residual's diagnostics after the last step, read from the plugin's state (the
// slot is a PluginStateLayout member, e.g. &PluginStateLayout::spread); 0 without an instance
double ResidualDiagnostic(const mjModel* m, const mjData* d, int instance,
                          int (PluginStateLayout::*slot)() const);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_MUJOCO_RESIDUAL_INSTANCE_H_
