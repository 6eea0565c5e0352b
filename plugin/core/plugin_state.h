// Layout of the plugin's slice of mjData.plugin_state, the part of the residual that evolves
// in time. It is simulation state: mj_getState/mj_setState and mj_copyData carry it, and the
// evaluation tools write the control history into it from recorded data.
//
//   [0, history)        previous controls, newest first: u[t-1] (nu values), u[t-2], ...
//   history + 0         features saturated in the last residual evaluation
//   history + 1         features saturated, summed over all completed steps
//   history + 2         ensemble disagreement in the last evaluation (normalized units)
//   history + 3         ensemble disagreement, summed over all completed steps

#ifndef MJHYBRID_PLUGIN_CORE_PLUGIN_STATE_H_
#define MJHYBRID_PLUGIN_CORE_PLUGIN_STATE_H_

#include <algorithm>

namespace mjhybrid {

struct PluginStateLayout {
  static constexpr int kDiagnostics = 4;

  int nu = 0;
  int ctrl_history = 0;

  // the layout of a slice of `size` values, for readers that see only the compiled model
  static PluginStateLayout FromSize(int nu, int size) {
    return {nu, nu > 0 && size > kDiagnostics ? (size - kDiagnostics) / nu : 0};
  }

  int history_size() const { return nu * ctrl_history; }
  int saturated_last() const { return history_size(); }
  int saturated_total() const { return history_size() + 1; }
  int spread() const { return history_size() + 2; }
  int spread_total() const { return history_size() + 3; }
  int size() const { return history_size() + kDiagnostics; }

  // after a step that applied ctrl: shift the history by one control and put ctrl in front
  void PushControl(double* state, const double* ctrl) const {
    if (ctrl_history == 0) return;
    std::copy_backward(state, state + nu * (ctrl_history - 1), state + history_size());
    std::copy(ctrl, ctrl + nu, state);
  }
};

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_PLUGIN_STATE_H_
