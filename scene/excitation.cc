#include "scene/excitation.h"

#include <algorithm>
#include <cmath>

namespace mjhybrid::scene {

Excitation::Excitation(double lo, double hi, double dt, double noise, std::mt19937_64* rng)
    : lo_(lo), hi_(hi), dt_(dt), noise_(noise * (hi - lo) / 2), rng_(rng) {
  from_ = to_ = Uniform(lo_, hi_);
  NextSegment();
}

double Excitation::Next() {
  if (t_ >= duration_) {
    t_ = 0;
    NextSegment();
  }
  double u = from_ + (to_ - from_) * (t_ / duration_);
  t_ += dt_;
  // Ornstein-Uhlenbeck noise with a 20 ms correlation time
  double a = std::exp(-dt_ / 0.02);
  ou_ = a * ou_ + std::sqrt(1 - a * a) * noise_ * normal_(*rng_);
  return std::clamp(u + ou_, lo_, hi_);
}

void Excitation::NextSegment() {
  from_ = to_;
  to_ = Uniform(lo_, hi_);
  duration_ = Uniform(0.05, 0.5);
}

double Excitation::Uniform(double a, double b) {
  return std::uniform_real_distribution<double>(a, b)(*rng_);
}

std::vector<Excitation> ExciteActuators(const mjModel* m, double dt, double noise, std::mt19937_64* rng) {
  std::vector<Excitation> signals;
  for (int a = 0; a < m->nu; ++a) {
    bool limited = m->actuator_ctrllimited[a];
    double lo = limited ? m->actuator_ctrlrange[2 * a] : -1, hi = limited ? m->actuator_ctrlrange[2 * a + 1] : 1;
    signals.emplace_back(lo, hi, dt, noise, rng);
  }
  return signals;
}

}  // namespace mjhybrid::scene
