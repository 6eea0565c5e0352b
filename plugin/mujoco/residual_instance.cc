#include "plugin/mujoco/residual_instance.h"

#include <cstring>

#include "plugin/mujoco/residual_plugin.h"

namespace mjhybrid {

namespace {

bool IsOurs(const mjModel* m, int i) {
  const mjpPlugin* p = mjp_getPluginAtSlot(m->plugin[i]);
  return p && std::strcmp(p->name, kPluginName) == 0;
}

bool InParamsMode(const mjModel* m, int i) {
  const char* mode = mj_getPluginConfig(m, i, "mode");
  ResidualMode parsed;
  return mode && ParseResidualMode(mode, &parsed) && parsed == ResidualMode::kParams;
}

}  // namespace

int ResidualInstance(const mjModel* m) {
  for (int i = 0; i < m->nplugin; ++i) {
    if (IsOurs(m, i) && !InParamsMode(m, i)) return i;
  }
  return -1;
}

int ContactParamsInstance(const mjModel* m) {
  for (int i = 0; i < m->nplugin; ++i) {
    if (IsOurs(m, i) && InParamsMode(m, i)) return i;
  }
  return -1;
}

ContactRewrite* ContactRewriteOf(const mjModel* m, mjData* d, int instance) {
  if (instance < 0 || instance >= m->nplugin || !IsOurs(m, instance) || !d->plugin_data[instance]) return nullptr;
  auto* plugin = reinterpret_cast<ResidualPlugin*>(d->plugin_data[instance]);
  return plugin->has_rewrite_ ? &plugin->rewrite_ : nullptr;
}

PluginStateLayout ResidualStateLayout(const mjModel* m, const mjData* d, int instance) {
  if (!m || !d || instance < 0 || instance >= m->nplugin || !IsOurs(m, instance) || !d->plugin_data[instance]) {
    return PluginStateLayout{};
  }
  return reinterpret_cast<const ResidualPlugin*>(d->plugin_data[instance])->state_layout();
}

double ResidualDiagnostic(const mjModel* m, const mjData* d, int instance,
                          int (PluginStateLayout::*slot)() const) {
  if (!m || instance < 0) return 0;
  const int size = m->plugin_statenum[instance];
  if (size < PluginStateLayout::kDiagnostics) return 0;
  const PluginStateLayout layout = ResidualStateLayout(m, d, instance);
  return d->plugin_state[m->plugin_stateadr[instance] + (layout.*slot)()];
}

}  // namespace mjhybrid
