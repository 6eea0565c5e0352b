// The true-parameter bound of a study: the scene's real.xml (its hidden parameters, which the
// pipeline otherwise never reads) stepped like sim.xml, at sim.xml's timestep and integrator.
// It is what perfect system identification would reach: the error it leaves is the analytic
// model's discretization of the real system, which only a learned correction can remove. It is
// reported beside the methods as a bound, never as one of them (docs/ARCHITECTURE.md, "Study").
//
// The data records no actuator state. Where real.xml has some (a motor lag), a rollout starts
// with the activation that replaying the recorded controls gives (scene/activation.h), as any
// model with actuator state does.

#ifndef MJHYBRID_SCENE_TRUE_PARAMS_H_
#define MJHYBRID_SCENE_TRUE_PARAMS_H_

#include <mujoco/mujoco.h>

#include <string>

#include "scene/mujoco_util.h"

namespace mjhybrid::scene {

// real.xml with sim's timestep and integrator; throws if it does not load
ModelPtr TrueParameterModel(const std::string& real_path, const mjModel* sim);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_TRUE_PARAMS_H_
