// Layout of the plugin's slice of mjData.plugin_state, the part of the residual that evolves
// in time. It is simulation state: mj_getState/mj_setState and mj_copyData carry it, and the
// evaluation tools write the control history into it from recorded data.
//
//   [0, history)        previous controls, newest first: u[t-1] (nu values), u[t-2], ...
//   [history, +held)    the correction held through the current control period (nv values;
//                       only for a whole-state model trained at a period of k > 1 steps)
//   after them: 0       physics steps taken since the control history last moved on
//               1       features saturated in the last residual evaluation
//               2       features saturated, summed over all completed steps
//               3       ensemble disagreement in the last evaluation (normalized units)
//               4       ensemble disagreement, summed over all completed steps
//
// The diagnostics end the slice, so readers may count them from its end (the Python side does).
// The slice's size alone does not say how it divides (history and held values trade places);
// readers in C++ ask the live plugin (ResidualStateLayout, plugin/mujoco/residual_instance.h).
//
// The history moves on once per control period, not once per physics step: a model trained
// on data recorded every k physics steps (the analytic model stepping k times with the
// control held, as Gymnasium's frame_skip does) saw u[t-1], u[t-2], ... of the recorded
// control steps, and sees the same at every one of the k physics steps of a control period.
//
// For the same reason a whole-state model's correction is evaluated once per control period,
// at its first physics step, and held for the other k - 1: its training targets are one
// correction per recorded step, from the features of the period's start state, held through
// the k steps (pipeline/targets.h, pipeline/velocity_targets.h). Evaluating it again at the
// intermediate states would ask it about states it was never trained at, and costs k times as
// much. The held values are state, so that a copy of mjData taken mid-period steps on alike.

#ifndef MJHYBRID_PLUGIN_CORE_PLUGIN_STATE_H_
#define MJHYBRID_PLUGIN_CORE_PLUGIN_STATE_H_

#include <algorithm>

namespace mjhybrid {

struct PluginStateLayout {
  static constexpr int kDiagnostics = 5;  // the slots after the history

  int nu = 0;
  int ctrl_history = 0;
  int control_substeps = 1;  // physics steps per control period
  int held = 0;              // correction values held through a period (nv, or 0: none held)

  int history_size() const { return nu * ctrl_history; }
  int held_correction() const { return history_size(); }
  int substeps_taken() const { return history_size() + held; }
  int saturated_last() const { return substeps_taken() + 1; }
  int saturated_total() const { return substeps_taken() + 2; }
  int spread() const { return substeps_taken() + 3; }
  int spread_total() const { return substeps_taken() + 4; }
  int size() const { return substeps_taken() + kDiagnostics; }

  // inside a control period, past its first physics step: a held correction applies
  bool MidPeriod(const double* state) const { return held > 0 && state[substeps_taken()] > 0; }

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
