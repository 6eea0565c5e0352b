// Actuator state from recorded controls. A robot's log holds positions, velocities and commands,
// never the internal state of its actuators (a motor's current lag, a muscle's activation), yet
// a model with actuator dynamics (mjModel::na > 0) needs one at the start of every rollout.
//
// MuJoCo's activation dynamics of types integrator, filter and filterexact depend on the
// activation and the control only, never on the mechanical state, and are linear in both: with
// the control held, one physics step maps act to a * act + b * ctrl (clamped to actrange), under
// every integrator. ActivationReplay measures a and b on the model itself, by stepping a scratch
// mjData twice (so it follows MuJoCo's own discretization, RK4 stages included), and replays an
// episode's recorded controls from rest (act = 0 at its first step: the data start from a reset
// system). Replaying costs a few multiplications per physics step, so an identification can
// afford it for every candidate model.

#ifndef MJHYBRID_SCENE_ACTIVATION_H_
#define MJHYBRID_SCENE_ACTIVATION_H_

#include <mujoco/mujoco.h>

#include <vector>

#include "scene/dataset.h"

namespace mjhybrid::scene {

class ActivationReplay {
 public:
  // measures m's one-step map; throws a one-line error naming the actuator whose dynamics it
  // cannot replay (muscle, user, or anything the measurement finds non-linear)
  explicit ActivationReplay(const mjModel* m);

  bool empty() const { return a_.empty(); }  // m has no actuator state

  // act (m->na values) at recorded step s of ep, `substeps` physics steps per recorded step
  void At(const Episode& ep, int s, int substeps, mjtNum* act) const;

  // sets d->act for recorded step s of ep (nothing when the model has no actuator state)
  void Set(const Episode& ep, int s, int substeps, mjData* d) const;

 private:
  struct Activation {
    int ctrl = 0;                  // the control that drives it
    double a = 1, b = 0;           // one physics step: act <- a * act + b * ctrl
    bool clamp_act = false;
    double act_lo = 0, act_hi = 0;
    bool clamp_ctrl = false;       // MuJoCo clamps the control before the dynamics see it
    double ctrl_lo = 0, ctrl_hi = 0;
  };
  std::vector<Activation> a_;      // one per activation (index into d->act)
  int nu_ = 0;
};

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_ACTIVATION_H_
