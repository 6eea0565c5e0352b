// k-step open-loop error (docs/ARCHITECTURE.md, "Metrics"): from every start index of
// held-out real episodes, put the simulator in the recorded state, replay the recorded
// controls for k steps and compare with the recorded state k steps later. Errors are RMSE per
// position DOF (hinge and slide coordinates, free-joint positions, and joint orientations by
// angle; scene/state_distance.h) and per velocity DOF, then averaged over DOFs; also
// normalized by each DOF's standard deviation in the real data.
//
// A hybrid model is just a model with an mjhybrid.residual instance: the rollout goes through
// MuJoCo and the plugin (scene/rollout.h), whose control history is set from the recorded
// controls.

#ifndef MJHYBRID_SCENE_KSTEP_ERROR_H_
#define MJHYBRID_SCENE_KSTEP_ERROR_H_

#include <mujoco/mujoco.h>

#include <functional>
#include <memory>
#include <vector>

#include "scene/dataset.h"
#include "scene/rollout.h"

namespace mjhybrid::scene {

struct KStepOptions {
  std::vector<int> horizons = {1, 10, 100, 1000};
  int stride = 1;   // use every stride-th start index
  // > 0: horizon h's starts at least start_spacing * h apart (rounded up), so that neighbouring
  // windows share at most 1 - start_spacing of their steps. At h = 1000 windows two steps apart
  // are the same rollout twice; the study scores with 0.01, which on hopper's h = 1000 costs a
  // fifth and moves its gap closed by a point (docs/ARCHITECTURE.md, "Metrics")
  double start_spacing = 0;
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
  double saturated_per_step = 0;  // hybrid only: residual inputs clamped, per physics step
  double spread_per_step = 0;     // hybrid only: ensemble disagreement (normalized), per physics step
};

// the distance between horizon `horizon`'s start indices under `options`
int StartStride(const KStepOptions& options, int horizon);

std::vector<HorizonError> KStepError(const mjModel* m, const TrajectoryDataset& data,
                                     const KStepOptions& options);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_KSTEP_ERROR_H_
