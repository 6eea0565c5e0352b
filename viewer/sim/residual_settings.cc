#include "viewer/sim/residual_settings.h"

#include <stdexcept>

#include "plugin/core/residual_model.h"
#include "plugin/mujoco/residual_instance.h"
#include "plugin/mujoco/residual_plugin.h"

namespace mjhybrid::viewer {

namespace {

std::string Config(const mjModel* m, int instance, const char* key) {
  const char* value = mj_getPluginConfig(m, instance, key);
  return value ? value : "";
}

}  // namespace

bool ReadResidualSettings(const mjModel* m, ResidualSettings* settings) {
  const int instance = ResidualInstance(m);
  if (instance < 0) return false;
  ResidualSettings s;
  s.model = Config(m, instance, "model");
  // the plugin has already accepted these values when the model compiled
  std::string error;
  const auto get = [&](const char* key) { return Config(m, instance, key); };
  if (!ParsePluginConfig(get, ModelSearchFolders(), &s.config, &error)) return false;
  // the ensemble size, from the model the plugin has just loaded (the process-wide cache
  // hands back the same weights, so nothing is read twice)
  if (!s.config.model.empty()) {
    if (auto model = SharedResidualModel(s.config.model, &error)) {
      s.members = model->network->members();
      s.can_pick_member = model->network->can_evaluate_member();
    }
  }
  *settings = s;
  return true;
}

std::string WithResidualSettings(const std::string& mjcf, const ResidualSettings& settings) {
  // the body of the first <instance> of the <plugin plugin="mjhybrid.residual"> block that is
  // not in mode params (a contact-parameter instance, docs/CONTACT.md, comes first in a scene
  // that has both)
  const std::string opening = std::string("plugin=\"") + kPluginName + "\"";
  const size_t plugin = mjcf.find(opening);
  size_t instance = plugin == std::string::npos ? plugin : mjcf.find("<instance", plugin);
  size_t body = std::string::npos, end = std::string::npos;
  while (instance != std::string::npos) {
    body = mjcf.find('>', instance);
    end = body == std::string::npos ? body : mjcf.find("</instance>", body);
    if (end == std::string::npos) break;
    if (mjcf.substr(body, end - body).find("key=\"mode\" value=\"params\"") == std::string::npos) break;
    instance = mjcf.find("<instance", end);
    end = std::string::npos;
  }
  if (end == std::string::npos || mjcf[body - 1] == '/') {
    throw std::runtime_error("no <instance> of plugin mjhybrid.residual with <config> entries in the scene");
  }
  std::string entries = "\n";
  for (const auto& [key, value] : FormatPluginConfig(settings.config, MjhybridRoot())) {
    entries += "        <config key=\"" + key + "\" value=\"" + value + "\"/>\n";
  }
  entries += "      ";
  return mjcf.substr(0, body + 1) + entries + mjcf.substr(end);
}

}  // namespace mjhybrid::viewer
