// Training targets of a velocity residual (output dqvel): the velocity change the analytic
// step misses. The correction is applied after the step, past the constraint solver, so no
// linearization is needed; what needs care is *which states* the targets are taken at.
//
// Taken at the recorded real states alone (v_real[t+1] - v_sim[t+1] from s_t), the targets
// are dominated by the analytic contact's reaction to a foreign state: a real box rests
// deeper in its softer table than the analytic one would, so the analytic step from that
// state kicks it out (push: 0.28 rad/s of roll rate per step, three times the real velocity
// change). A rollout of the analytic or hybrid model never visits such states after its first
// few steps, and the kick is not what makes it drift.
//
// So the targets are taken along short analytic rollouts ("windows") that start at recorded
// states and follow the recorded controls. At window state x_t (s_t at the window's start):
//
//     dv_t = (v_real[t+1] - v_real[t]) - (v_sim[t+1] - v_sim[t]) ,  v_sim[t+1] = step(x_t, u_t)
//
// the real velocity change minus the analytic one from the state the hybrid would be in. At a
// window's first step this is exactly the one-step target; later on, the analytic model has
// settled into its own contact, and the target is the difference of the two systems'
// accelerations over the same stretch of motion (slower sliding, more bounce, weaker motors),
// the part that makes rollouts drift. The features are those of x_t, as the plugin will see
// them, the constraint response included (h * (qacc - qacc_smooth) of the analytic step from
// x_t) when the spec asks for it. Windows start every window/2 steps, so each recorded step is
// seen at two offsets.
//
// At a control period of k analytic steps (data recorded every k physics steps, control
// held), "step" above is those k steps, and the target is the velocity change per physics step
// that, added after each of them as the plugin does, closes the period's gap: solved through
// the k-step response by finite differences, with the filter of targets.h (in free motion it
// is the gap / k). Under RK4 the features are taken by a forward pass at x_t, as the plugin
// takes them in the step's first stage.
// Only the analytic model and the recorded data are used (black-box rule).

#ifndef MJHYBRID_PIPELINE_VELOCITY_TARGETS_H_
#define MJHYBRID_PIPELINE_VELOCITY_TARGETS_H_

#include <mujoco/mujoco.h>

#include "scene/dataset.h"
#include "pipeline/targets.h"
#include "plugin/core/features.h"

namespace mjhybrid::pipeline {

inline constexpr int kDefaultVelocityWindow = 20;

// `window` steps per analytic rollout; 1 gives the plain one-step targets at the recorded
// states. With `rollout` (the hybrid model of a previous round: sim plus the residual so far),
// the windows follow the hybrid instead of the analytic model, so the next round also learns
// at the states its own corrections lead to (data aggregation, "DAgger for models"); the
// targets stay the real minus the *analytic* velocity change from each state.
TrainingSet BuildVelocityTrainingSet(const mjModel* sim, const scene::TrajectoryDataset& data,
                                     const FeatureSpec& spec, int window, bool progress,
                                     const mjModel* rollout = nullptr);

}  // namespace mjhybrid::pipeline

#endif  // MJHYBRID_PIPELINE_VELOCITY_TARGETS_H_
