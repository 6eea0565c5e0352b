// k-step open-loop error (DESIGN.md section 6): from every start index of held-out real
// episodes, put the simulator in the recorded state, replay the recorded controls for k steps
// and compare with the recorded state k steps later. Errors are RMSE per position DOF (hinge
// and slide coordinates, free-joint positions, and joint orientations by angle) and per
// velocity DOF, then averaged over DOFs; also normalized by each DOF's standard deviation in
// the real data.
//
// A hybrid model is just a model with an mjhybrid.residual instance: the rollout goes through
// MuJoCo and the plugin, whose control history is set from the recorded controls.

#ifndef MJHYBRID_PIPELINE_KSTEP_ERROR_H_
#define MJHYBRID_PIPELINE_KSTEP_ERROR_H_

#include <mujoco/mujoco.h>

#include <functional>
#include <memory>
#include <vector>

#include "pipeline/dataset.h"
#include "plugin/core/plugin_state.h"

namespace mjhybrid {

// How a rollout advances, for a model that is not MuJoCo's own step (the pure learned
// baseline of the study). One per worker thread.
class RolloutStepper {
 public:
  virtual ~RolloutStepper() = default;
  // d holds the recorded qpos, qvel and time at step s of ep
  virtual void Start(const Episode& ep, int s, mjData* d) = 0;
  // one step under d->ctrl; a non-finite qpos or qvel marks the rollout as diverged
  virtual void Step(mjData* d) = 0;
};

struct KStepOptions {
  std::vector<int> horizons = {1, 10, 100, 1000};
  int stride = 1;   // use every stride-th start index
  int threads = 2;
  // empty: mj_step (through the plugin for a hybrid model)
  std::function<std::unique_ptr<RolloutStepper>()> stepper;
};

struct HorizonError {
  int horizon = 0;
  long long rollouts = 0;
  long long diverged = 0;         // rollouts that went non-finite; excluded from the RMSE
  double qpos_rmse = 0, qvel_rmse = 0;
  double qpos_nrmse = 0, qvel_nrmse = 0;
  double saturated_per_step = 0;  // hybrid only: residual inputs clamped, per step
  double spread_per_step = 0;     // hybrid only: ensemble disagreement (normalized), per step
};

// one open-loop rollout, as KStepError runs them: StartRollout puts d in the recorded state at
// step s of ep (qpos, qvel, time, and a hybrid model's control history); StepRollout applies
// the recorded control of step t and advances one step (stepper null: mj_step)
void StartRollout(const mjModel* m, mjData* d, const Episode& ep, int s, RolloutStepper* stepper);
void StepRollout(const mjModel* m, mjData* d, const Episode& ep, int t, RolloutStepper* stepper);

std::vector<HorizonError> KStepError(const mjModel* m, const TrajectoryDataset& data,
                                     const KStepOptions& options);

// position error DOFs: hinge/slide 1, ball 1 (angle), free 3 + 1 (angle)
int PositionDofs(const mjModel* m);
// qa - qb per position DOF (out[PositionDofs(m)]); orientations as the angle between them
void PositionErrors(const mjModel* m, const double* qa, const double* qb, double* out);

// the standard deviation of each position DOF (orientations against the first recorded one)
// and each velocity DOF over the recorded states: the units errors are normalized by
void DofScales(const mjModel* m, const TrajectoryDataset& data, std::vector<double>* pos,
               std::vector<double>* vel);

// the mjhybrid.residual instance of a model, -1 if it has none
int ResidualInstance(const mjModel* m);

// one of the residual's diagnostics after the last step, read from the plugin's state (the
// slot is a PluginStateLayout member, e.g. &PluginStateLayout::spread); 0 without an instance
double ResidualDiagnostic(const mjModel* m, const mjData* d, int instance,
                          int (PluginStateLayout::*slot)() const);

}  // namespace mjhybrid

#endif  // MJHYBRID_PIPELINE_KSTEP_ERROR_H_
