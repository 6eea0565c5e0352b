#include "rl/mpc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "plugin/mujoco/residual_instance.h"

namespace mjhybrid::rl {

using scene::Healthy;
using scene::MakeData;

PredictiveSampling::PredictiveSampling(const mjModel* internal, const TaskSpec& task, const MpcOptions& options)
    : m_(internal), task_(task, internal), o_(options), rng_(options.seed), pool_(options.threads) {
  if (o_.horizon < 1 || o_.knots < 2 || o_.samples < 1 || o_.noise < 0) {
    throw std::runtime_error("mpc: horizon >= 1, knots >= 2, samples >= 1 and noise >= 0 are needed");
  }
  const int nu = m_->nu;
  for (int s = 0; s < o_.samples; ++s) {
    rollout_data_.push_back(MakeData(m_));
    candidates_.emplace_back(static_cast<size_t>(o_.knots) * nu, 0.0);
    scratch_.emplace_back(nu, 0.0);
  }
  costs_.assign(o_.samples, 0);
  shadow_ = MakeData(m_);
  residual_instance_ = ResidualInstance(m_);
  Reset();
}

void PredictiveSampling::Reset() {
  nominal_.assign(static_cast<size_t>(o_.knots) * m_->nu, 0.0);
  started_ = false;
}

void PredictiveSampling::PlanAction(const std::vector<double>& knots, int t, double* action) const {
  const int nu = m_->nu;
  // knot k sits at step k * horizon / (knots - 1); beyond the last one the plan holds
  const double position = std::clamp(static_cast<double>(t) * (o_.knots - 1) / o_.horizon, 0.0, o_.knots - 1.0);
  const int k = std::min(static_cast<int>(position), o_.knots - 2);
  const double w = position - k;
  for (int a = 0; a < nu; ++a) action[a] = (1 - w) * knots[k * nu + a] + w * knots[(k + 1) * nu + a];
}

double PredictiveSampling::Rollout(int sample, const std::vector<double>& knots) {
  mjData* d = rollout_data_[sample].get();
  mj_copyData(d, m_, shadow_.get());
  double* action = scratch_[sample].data();
  double cost = 0;
  for (int t = 0; t < o_.horizon; ++t) {
    PlanAction(knots, t, action);
    task_.ApplyAction(action, d);
    for (int s = 0; s < task_.substeps(); ++s) mj_step(m_, d);
    if (!Healthy(m_, d)) return std::numeric_limits<double>::infinity();
    cost -= task_.Reward(d, action);
    if (o_.uncertainty_weight > 0) {
      cost += o_.uncertainty_weight * ResidualDiagnostic(m_, d, residual_instance_, &PluginStateLayout::spread);
    }
    if (task_.Terminated(d)) break;  // what it would have earned afterwards is lost
  }
  return cost;
}

void PredictiveSampling::Act(const double* qpos, const double* qvel, double* action) {
  const int nu = m_->nu;
  if (!started_) {
    mj_resetData(m_, shadow_.get());
    started_ = true;
  }
  // the system as observed; the shadow's own state (control history) carries on
  mju_copy(shadow_->qpos, qpos, m_->nq);
  mju_copy(shadow_->qvel, qvel, m_->nv);
  mj_forward(m_, shadow_.get());

  // candidates: the nominal plan, and noisy copies of it
  std::normal_distribution<double> gauss(0, o_.noise);
  for (int s = 0; s < o_.samples; ++s) {
    std::vector<double>& c = candidates_[s];
    for (size_t i = 0; i < c.size(); ++i) c[i] = std::clamp(nominal_[i] + (s == 0 ? 0.0 : gauss(rng_)), -1.0, 1.0);
  }
  pool_.ParallelFor(o_.samples, [this](int s) { costs_[s] = Rollout(s, candidates_[s]); });
  const int best = static_cast<int>(std::min_element(costs_.begin(), costs_.end()) - costs_.begin());
  best_cost_ = costs_[best];
  const std::vector<double>& plan = candidates_[best];
  PlanAction(plan, 0, action);

  // the next nominal: the best plan one step later (the last knot holds)
  std::vector<double> shifted(nominal_.size());
  for (int k = 0; k < o_.knots; ++k) {
    const int t = static_cast<int>(std::lround(static_cast<double>(k) * o_.horizon / (o_.knots - 1))) + 1;
    PlanAction(plan, t, shifted.data() + static_cast<size_t>(k) * nu);
  }
  nominal_ = shifted;

  // the shadow takes the action too, so its control history is the system's
  task_.ApplyAction(action, shadow_.get());
  for (int s = 0; s < task_.substeps(); ++s) mj_step(m_, shadow_.get());
}

}  // namespace mjhybrid::rl
