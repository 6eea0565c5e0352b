#include "plugin/mujoco/residual_instance.h"

#include <cstring>

#include "plugin/mujoco/residual_plugin.h"

namespace mjhybrid {

int ResidualInstance(const mjModel* m) {
  for (int i = 0; i < m->nplugin; ++i) {
    const mjpPlugin* p = mjp_getPluginAtSlot(m->plugin[i]);
    if (p && std::strcmp(p->name, kPluginName) == 0) return i;
  }
  return -1;
}

double ResidualDiagnostic(const mjModel* m, const mjData* d, int instance,
                          int (PluginStateLayout::*slot)() const) {
  if (!m || instance < 0) return 0;
  const int size = m->plugin_statenum[instance];
  if (size < PluginStateLayout::kDiagnostics) return 0;
  const PluginStateLayout layout = PluginStateLayout::FromSize(m->nu, size);
  return d->plugin_state[m->plugin_stateadr[instance] + (layout.*slot)()];
}

}  // namespace mjhybrid
