// The live-tunable settings of the hybrid world's mjhybrid.residual instance. A change goes
// through the plugin's own configuration path: the hybrid MJCF is rewritten with the new
// <config> values and compiled again, and the plugin parses and validates them as it would
// from a file (so the viewer can never show a setting the plugin would refuse).

#ifndef MJHYBRID_VIEWER_SIM_RESIDUAL_SETTINGS_H_
#define MJHYBRID_VIEWER_SIM_RESIDUAL_SETTINGS_H_

#include <mujoco/mujoco.h>

#include <string>

namespace mjhybrid::viewer {

struct ResidualSettings {
  std::string mode = "augment";  // off | augment | replace
  double scale = 1;
  int member = -1;               // -1: the ensemble mean ("all"), else one member
  std::string model;             // the residual file as the scene names it (read only)
  int members = 1;               // the model's ensemble size (read only)
  bool can_pick_member = false;  // whether its backend runs one member alone (read only)

  bool operator==(const ResidualSettings& o) const {
    return mode == o.mode && scale == o.scale && member == o.member;
  }
  bool operator!=(const ResidualSettings& o) const { return !(*this == o); }
};

// the settings of m's mjhybrid.residual instance; false when it has none
bool ReadResidualSettings(const mjModel* m, ResidualSettings* settings);

// `mjcf` (a hybrid scene's text) with the instance's mode, scale and member <config> entries
// set to `settings`; throws std::runtime_error when the text declares no mjhybrid.residual
// instance with an explicit <config> list (one written by `mjhybrid attach`, or by hand)
std::string WithResidualSettings(const std::string& mjcf, const ResidualSettings& settings);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_SIM_RESIDUAL_SETTINGS_H_
