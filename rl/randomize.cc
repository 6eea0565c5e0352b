#include "rl/randomize.h"

#include <cmath>
#include <random>
#include <stdexcept>

namespace mjhybrid::rl {

using scene::MakeData;

std::vector<ModelPtr> RandomizedModels(const mjModel* nominal, int count, double spread, uint64_t seed) {
  if (spread < 1) throw std::runtime_error("randomization spread must be >= 1 (1: no randomization)");
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> log_factor(-std::log(spread), std::log(spread));
  const auto factor = [&] { return std::exp(log_factor(rng)); };
  std::vector<ModelPtr> out;
  for (int c = 0; c < count; ++c) {
    ModelPtr m(mj_copyModel(nullptr, nominal));
    if (!m) throw std::runtime_error("cannot copy the model for randomization");
    for (int i = 0; i < m->nv; ++i) {
      m->dof_damping[i] *= factor();
      m->dof_armature[i] *= factor();
      m->dof_frictionloss[i] *= factor();
    }
    for (int a = 0; a < m->nu; ++a) {
      // a stronger or weaker actuator: gain and the bias terms of a servo scale together
      const double f = factor();
      m->actuator_gainprm[a * mjNGAIN] *= f;
      for (int k = 0; k < 3; ++k) m->actuator_biasprm[a * mjNBIAS + k] *= f;
    }
    for (int g = 0; g < m->ngeom; ++g) {
      const double f = factor();
      for (int k = 0; k < 3; ++k) m->geom_friction[3 * g + k] *= f;
      if (m->geom_solref[mjNREF * g] > 0) m->geom_solref[mjNREF * g] *= factor();
    }
    for (int b = 1; b < m->nbody; ++b) {
      const double f = factor();
      m->body_mass[b] *= f;
      for (int k = 0; k < 3; ++k) m->body_inertia[3 * b + k] *= f;
    }
    // the quantities MuJoCo derives from masses and inertias at compile time
    DataPtr d = MakeData(m.get());
    mj_setConst(m.get(), d.get());
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace mjhybrid::rl
