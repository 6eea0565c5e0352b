// Layout of the plugin's slice of mjData.plugin_state, the part of the residual that evolves
// in time. It is simulation state: mj_getState/mj_setState and mj_copyData carry it, and the
// evaluation tools write the control history into it from recorded data.
//
//   [0, history)        previous controls, newest first: u[t-1] (nu values), u[t-2], ...
//   history + 0         physics steps taken since the control history last moved on
//   history + 1         features saturated in the last residual evaluation
//   history + 2         features saturated, summed over all completed steps
//   history + 3         ensemble disagreement in the last evaluation (normalized units)
//   history + 4         ensemble disagreement, summed over all completed steps
//
// The diagnostics end the slice, so readers may count them from its end (the Python side does).
//
// The history moves on once per control period, not once per physics step: a model trained
// on data recorded every k physics steps (the analytic model stepping k times with the
// control held, as Gymnasium's frame_skip does) saw u[t-1], u[t-2], ... of the recorded
// control steps, and sees the same at every one of the k physics steps of a control period.

#ifndef MJHYBRID_PLUGIN_CORE_PLUGIN_STATE_H_
#define MJHYBRID_PLUGIN_CORE_PLUGIN_STATE_H_

#include <algorithm>

namespace mjhybrid {

struct PluginStateLayout {
  static constexpr int kDiagnostics = 5;  // the slots after the history

  int nu = 0;
  int ctrl_history = 0;
  int control_substeps = 1;  // physics steps per control period

  // the layout of a slice of `size` values, for readers that see only the compiled model
  static PluginStateLayout FromSize(int nu, int size) {
    return {nu, nu > 0 && size > kDiagnostics ? (size - kDiagnostics) / nu : 0};
  }

  int history_size() const { return nu * ctrl_history; }
  int substeps_taken() const { return history_size(); }
  int saturated_last() const { return history_size() + 1; }
  int saturated_total() const { return history_size() + 2; }
  int spread() const { return history_size() + 3; }
  int spread_total() const { return history_size() + 4; }
  int size() const { return history_size() + kDiagnostics; }

  // after a physics step that applied ctrl: once a whole control period has passed, shift the
  // history by one control and put ctrl in front
  void PushControl(double* state, const double* ctrl) const {
    double& taken = state[substeps_taken()];
    taken += 1;
    if (taken < control_substeps) return;
    taken = 0;
    if (ctrl_history == 0) return;
    std::copy_backward(state, state + nu * (ctrl_history - 1), state + history_size());
    std::copy(ctrl, ctrl + nu, state);
  }
};

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_PLUGIN_STATE_H_
