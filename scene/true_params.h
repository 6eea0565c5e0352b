// The true-parameter bound of a study: the scene's real.xml (its hidden parameters, which the
// pipeline otherwise never reads) stepped like sim.xml, at sim.xml's timestep and integrator.
// It is what perfect system identification would reach: the error it leaves is the analytic
// model's discretization of the real system, which only a learned correction can remove. It is
// reported beside the methods as a bound, never as one of them (docs/ARCHITECTURE.md, "Study").
//
// The data records no actuator state. Where real.xml has some (a motor lag), a rollout starts
// with the activation that replaying the recorded controls gives, one recorded step at a
// time from the recorded states, as a robot's controller would have driven it.

#ifndef MJHYBRID_SCENE_TRUE_PARAMS_H_
#define MJHYBRID_SCENE_TRUE_PARAMS_H_

#include <mujoco/mujoco.h>

#include <functional>
#include <memory>
#include <string>

#include "scene/mujoco_util.h"
#include "scene/rollout.h"

namespace mjhybrid::scene {

// real.xml with sim's timestep and integrator; throws if it does not load
ModelPtr TrueParameterModel(const std::string& real_path, const mjModel* sim);

// rollouts of m that start with the replayed actuator state and step `substeps` physics steps
// per recorded step; null when m has no actuator state (mj_step does the same then)
std::function<std::unique_ptr<RolloutStepper>()> ActivationReplay(const mjModel* m, int substeps);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_TRUE_PARAMS_H_
