// One open-loop rollout of recorded controls, the unit every evaluation is made of (the k-step
// error, sysid's fitted error, the study's overlay, the viewer's replay). A model with an
// mjhybrid.residual instance steps through MuJoCo and the plugin like any other; its control
// history is set from the controls recorded before the start.

#ifndef MJHYBRID_SCENE_ROLLOUT_H_
#define MJHYBRID_SCENE_ROLLOUT_H_

#include <mujoco/mujoco.h>

#include "scene/activation.h"
#include "scene/dataset.h"

namespace mjhybrid::scene {

// How a rollout advances, for a model that is not MuJoCo's own step (the pure learned
// baseline of the study). One per worker thread.
class RolloutStepper {
 public:
  virtual ~RolloutStepper() = default;
  // d holds the recorded qpos, qvel and time at step s of ep
  virtual void Start(const Episode& ep, int s, mjData* d) = 0;
  // one recorded step under d->ctrl; a non-finite qpos or qvel marks the rollout as diverged
  virtual void Step(mjData* d) = 0;
};

// StartRollout puts d in the recorded state at step s of ep (qpos, qvel, time, a hybrid
// model's control history, and, given `activation`, the actuator state that the controls
// recorded before s leave, `substeps` physics steps per recorded step); StepRollout applies the recorded control of step t and advances
// one recorded step: `substeps` mj_steps with the control held (scene/dataset_fit.h
// ControlSubsteps), or one stepper->Step, which steps a whole recorded step itself
void StartRollout(const mjModel* m, mjData* d, const Episode& ep, int s, RolloutStepper* stepper,
                  const ActivationReplay* activation = nullptr, int substeps = 1);
void StepRollout(const mjModel* m, mjData* d, const Episode& ep, int t, RolloutStepper* stepper,
                 int substeps);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_ROLLOUT_H_
