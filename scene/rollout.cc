#include "scene/rollout.h"

#include "plugin/core/plugin_state.h"
#include "plugin/mujoco/residual_instance.h"

namespace mjhybrid::scene {

void StartRollout(const mjModel* m, mjData* d, const Episode& ep, int s, RolloutStepper* stepper,
                  const ActivationReplay* activation, int substeps) {
  mj_resetData(m, d);
  mju_copy(d->qpos, ep.qpos.data() + s * m->nq, m->nq);
  mju_copy(d->qvel, ep.qvel.data() + s * m->nv, m->nv);
  d->time = ep.time[s];
  if (activation) activation->Set(ep, s, substeps, d);
  // a hybrid model's residual sees the controls recorded before s
  const int instance = ResidualInstance(m);
  if (instance >= 0 && m->plugin_statenum[instance] > 0) {
    const PluginStateLayout state = ResidualStateLayout(m, d, instance);
    ep.ControlHistory(s, state.ctrl_history, m->nu, d->plugin_state + m->plugin_stateadr[instance]);
  }
  if (stepper) stepper->Start(ep, s, d);
}

void StepRollout(const mjModel* m, mjData* d, const Episode& ep, int t, RolloutStepper* stepper,
                 int substeps) {
  mju_copy(d->ctrl, ep.ctrl.data() + t * m->nu, m->nu);
  if (stepper) {
    stepper->Step(d);
  } else {
    for (int i = 0; i < substeps; ++i) mj_step(m, d);
  }
}

}  // namespace mjhybrid::scene
