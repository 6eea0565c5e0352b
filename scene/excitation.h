// The excitation signal that drives a system while it is recorded (and the viewer's "random"
// control source), per actuator: a piecewise-linear walk through random set-points (held 0.05
// to 0.5 s) plus coloured noise (Ornstein-Uhlenbeck, 20 ms correlation), clipped to ctrlrange.
// It covers slow, gravity-dominated motion and the fast changes that reveal motor lag.

#ifndef MJHYBRID_SCENE_EXCITATION_H_
#define MJHYBRID_SCENE_EXCITATION_H_

#include <mujoco/mujoco.h>

#include <random>
#include <vector>

namespace mjhybrid::scene {

// one actuator's excitation signal, advanced one control step at a time
class Excitation {
 public:
  // noise: amplitude as a fraction of the half range; rng is shared and must outlive this
  Excitation(double lo, double hi, double dt, double noise, std::mt19937_64* rng);

  double Next();

 private:
  void NextSegment();
  double Uniform(double a, double b);

  double lo_, hi_, dt_, noise_;
  std::mt19937_64* rng_;
  std::normal_distribution<double> normal_;
  double from_ = 0, to_ = 0, duration_ = 1, t_ = 0, ou_ = 0;
};

// one signal per actuator of m over its ctrlrange ([-1, 1] when the actuator is not limited)
std::vector<Excitation> ExciteActuators(const mjModel* m, double dt, double noise, std::mt19937_64* rng);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_EXCITATION_H_
