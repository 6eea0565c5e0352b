#include "viewer/sim/residual_settings.h"

#include <cstdlib>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "plugin/mujoco/residual_instance.h"
#include "plugin/core/plugin_config.h"
#include "plugin/core/residual_model.h"

namespace mjhybrid::viewer {

namespace {

std::string Config(const mjModel* m, int instance, const char* key) {
  const char* value = mj_getPluginConfig(m, instance, key);
  return value ? value : "";
}

std::string FormatScale(double scale) {
  std::ostringstream out;
  out << scale;
  return out.str();
}

}  // namespace

bool ReadResidualSettings(const mjModel* m, ResidualSettings* settings) {
  const int instance = ResidualInstance(m);
  if (instance < 0) return false;
  ResidualSettings s;
  // the plugin has already validated these values when the model compiled
  if (std::string mode = Config(m, instance, "mode"); !mode.empty()) s.mode = mode;
  if (std::string scale = Config(m, instance, "scale"); !scale.empty()) s.scale = std::atof(scale.c_str());
  if (std::string member = Config(m, instance, "member"); !member.empty() && member != "all") {
    s.member = std::atoi(member.c_str());
  }
  s.model = Config(m, instance, "model");
  // the ensemble size, from the model the plugin has just loaded (the process-wide cache
  // hands back the same weights, so nothing is read twice)
  PluginConfig config;
  std::string error;
  const auto get = [&](const char* key) { return Config(m, instance, key); };
  if (ParsePluginConfig(get, MjhybridRoot(), &config, &error) && !config.model.empty()) {
    if (auto model = SharedResidualModel(config.model, &error)) {
      s.members = model->network->members();
      s.can_pick_member = model->network->can_evaluate_member();
    }
  }
  *settings = s;
  return true;
}

std::string WithResidualSettings(const std::string& mjcf, const ResidualSettings& settings) {
  // the <plugin plugin="mjhybrid.residual"> block and its first <instance>
  static const std::regex plugin_block(
      R"(<plugin\s+plugin\s*=\s*"mjhybrid\.residual"\s*>[\s\S]*?<instance\b[^>]*?>([\s\S]*?)</instance>)");
  std::smatch block;
  if (!std::regex_search(mjcf, block, plugin_block)) {
    throw std::runtime_error("no <instance> of plugin mjhybrid.residual with <config> entries in the scene");
  }
  std::string body = block.str(1);
  const std::string member = settings.member < 0 ? "all" : std::to_string(settings.member);
  const std::pair<const char*, std::string> entries[] = {
      {"mode", settings.mode}, {"scale", FormatScale(settings.scale)}, {"member", member}};
  for (const auto& [key, value] : entries) {
    const std::regex entry(std::string(R"(<config\s+key\s*=\s*")") + key + R"("\s+value\s*=\s*"[^"]*"\s*/>)");
    const std::string line = std::string("<config key=\"") + key + "\" value=\"" + value + "\"/>";
    std::smatch found;
    if (std::regex_search(body, found, entry)) {
      body = found.prefix().str() + line + found.suffix().str();
    } else {
      body += "  " + line + "\n      ";
    }
  }
  const size_t at = block.position(1);
  return mjcf.substr(0, at) + body + mjcf.substr(at + block.length(1));
}

}  // namespace mjhybrid::viewer
