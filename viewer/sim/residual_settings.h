// The live-tunable settings of the hybrid world's mjhybrid.residual instance. They are the
// plugin's own configuration (plugin/core/plugin_config.h): read from the compiled model with
// the plugin's parser, and changed by rewriting the hybrid MJCF's <config> entries with the
// plugin's formatter and compiling it again, so the plugin validates them as it would from a
// file (the viewer can never show a setting the plugin would refuse).

#ifndef MJHYBRID_VIEWER_SIM_RESIDUAL_SETTINGS_H_
#define MJHYBRID_VIEWER_SIM_RESIDUAL_SETTINGS_H_

#include <mujoco/mujoco.h>

#include <string>

#include "plugin/core/plugin_config.h"

namespace mjhybrid::viewer {

struct ResidualSettings {
  PluginConfig config;           // mode, scale, member; config.model is the resolved file
  std::string model;             // the residual file as the scene names it (read only)
  int members = 1;               // the model's ensemble size (read only)
  bool can_pick_member = false;  // whether its backend runs one member alone (read only)

  bool operator==(const ResidualSettings& o) const {
    return config.mode == o.config.mode && config.scale == o.config.scale && config.member == o.config.member;
  }
  bool operator!=(const ResidualSettings& o) const { return !(*this == o); }
};

// the settings of m's mjhybrid.residual instance; false when it has none
bool ReadResidualSettings(const mjModel* m, ResidualSettings* settings);

// `mjcf` (a hybrid scene's text) with the instance's <config> entries replaced by those of
// `settings.config`; throws std::runtime_error when the text declares no mjhybrid.residual
// instance with a <config> list (one written by `mjhybrid attach`, or by hand)
std::string WithResidualSettings(const std::string& mjcf, const ResidualSettings& settings);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_SIM_RESIDUAL_SETTINGS_H_
