#include "scene/true_params.h"

namespace mjhybrid::scene {

ModelPtr TrueParameterModel(const std::string& real_path, const mjModel* sim) {
  ModelPtr real = LoadModel(real_path);
  real->opt.timestep = sim->opt.timestep;
  real->opt.integrator = sim->opt.integrator;
  return real;
}

}  // namespace mjhybrid::scene
