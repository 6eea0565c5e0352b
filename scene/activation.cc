#include "scene/activation.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "scene/mujoco_util.h"

namespace mjhybrid::scene {

namespace {

std::string ActuatorName(const mjModel* m, int i) {
  const char* n = mj_id2name(m, mjOBJ_ACTUATOR, i);
  return n && n[0] ? "'" + std::string(n) + "'" : "#" + std::to_string(i);
}

// a small non-zero value well inside [lo, hi] when limited, else 0.1: a probe from there stays
// clear of the limits, so that no clamp bites
double Inside(bool limited, double lo, double hi) {
  if (!limited) return 0.1;
  if (lo < 0 && hi > 0) return 0.25 * std::min(hi, -lo);
  return 0.5 * (lo + hi);
}

// act after one physics step of m from rest with act = x and ctrl = u on every actuator
std::vector<double> StepFrom(const mjModel* m, mjData* d, const std::vector<double>& x, const std::vector<double>& u) {
  mj_resetData(m, d);
  for (int i = 0; i < m->na; ++i) d->act[i] = x[i];
  for (int i = 0; i < m->nu; ++i) d->ctrl[i] = u[i];
  mj_step(m, d);
  return std::vector<double>(d->act, d->act + m->na);
}

}  // namespace

ActivationReplay::ActivationReplay(const mjModel* m) : nu_(m->nu) {
  if (m->na == 0) return;
  const bool clamp_ctrl = !(m->opt.disableflags & mjDSBL_CLAMPCTRL);
  a_.resize(m->na);
  std::vector<double> x(m->na, 0.0), u(m->nu, 0.0);
  for (int i = 0; i < m->nu; ++i) {
    if (m->actuator_actnum[i] == 0) continue;
    const int type = m->actuator_dyntype[i];
    if (type != mjDYN_INTEGRATOR && type != mjDYN_FILTER && type != mjDYN_FILTEREXACT) {
      throw std::runtime_error("actuator " + ActuatorName(m, i) +
                               " has muscle or user dynamics: its state cannot be replayed from recorded controls "
                               "(integrator, filter and filterexact can)");
    }
    const int j = m->actuator_actadr[i];
    Activation& act = a_[j];
    act.ctrl = i;
    act.clamp_act = m->actuator_actlimited[i];
    act.act_lo = m->actuator_actrange[2 * i];
    act.act_hi = m->actuator_actrange[2 * i + 1];
    act.clamp_ctrl = clamp_ctrl && m->actuator_ctrllimited[i];
    act.ctrl_lo = m->actuator_ctrlrange[2 * i];
    act.ctrl_hi = m->actuator_ctrlrange[2 * i + 1];
    u[i] = Inside(act.clamp_ctrl, act.ctrl_lo, act.ctrl_hi);
    x[j] = Inside(act.clamp_act, act.act_lo, act.act_hi);
  }
  // three probes under the same control: from act 0 (gives b), from act x (gives a), and from
  // x / 2, which a linear map puts halfway between the two; a clamp that bit, or dynamics that
  // are not linear, would not
  DataPtr scratch = MakeData(m);
  const std::vector<double> zero(m->na, 0.0);
  std::vector<double> half_x(m->na);
  for (int j = 0; j < m->na; ++j) half_x[j] = 0.5 * x[j];
  const std::vector<double> from_zero = StepFrom(m, scratch.get(), zero, u);
  const std::vector<double> from_x = StepFrom(m, scratch.get(), x, u);
  const std::vector<double> from_half = StepFrom(m, scratch.get(), half_x, u);
  for (int j = 0; j < m->na; ++j) {
    Activation& act = a_[j];
    act.b = from_zero[j] / u[act.ctrl];
    act.a = (from_x[j] - from_zero[j]) / x[j];
    const double expected = 0.5 * (from_x[j] + from_zero[j]);
    if (!std::isfinite(act.a) || !std::isfinite(act.b) ||
        std::abs(from_half[j] - expected) > 1e-9 * std::max(1.0, std::abs(expected))) {
      throw std::runtime_error("actuator " + ActuatorName(m, act.ctrl) +
                               ": its activation is not a linear function of the control and the activation, so "
                               "it cannot be replayed from recorded controls");
    }
  }
}

void ActivationReplay::At(const Episode& ep, int s, int substeps, mjtNum* act) const {
  const int na = static_cast<int>(a_.size());
  for (int j = 0; j < na; ++j) act[j] = 0;
  for (int t = 0; t < s; ++t) {
    const double* ctrl = ep.ctrl.data() + t * nu_;
    for (int j = 0; j < na; ++j) {
      const Activation& p = a_[j];
      double u = ctrl[p.ctrl];
      if (p.clamp_ctrl) u = std::clamp(u, p.ctrl_lo, p.ctrl_hi);
      double x = act[j];
      for (int k = 0; k < substeps; ++k) {
        x = p.a * x + p.b * u;
        if (p.clamp_act) x = std::clamp(x, p.act_lo, p.act_hi);
      }
      act[j] = x;
    }
  }
}

void ActivationReplay::Set(const Episode& ep, int s, int substeps, mjData* d) const {
  if (!empty()) At(ep, s, substeps, d->act);
}

}  // namespace mjhybrid::scene
