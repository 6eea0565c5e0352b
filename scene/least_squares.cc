#include "scene/least_squares.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "plugin/core/state_layout.h"
#include "scene/activation.h"
#include "scene/dataset_fit.h"
#include "scene/mujoco_util.h"
#include "scene/state_distance.h"

namespace mjhybrid::scene {

namespace {

double Cost(const Eigen::VectorXd& r) { return r.squaredNorm() / std::max<Eigen::Index>(1, r.size()); }

}  // namespace

WindowResiduals::WindowResiduals(const mjModel* m, const TrajectoryDataset& data, int horizon, int stride,
                                 const std::string& who, bool velocities)
    : reference_(m), data_(data), horizon_(horizon), substeps_(ControlSubsteps(m, data)), velocities_(velocities) {
  if (data.episodes.empty()) throw std::runtime_error(who + ": the dataset has no episodes");
  for (int e = 0; e < static_cast<int>(data.episodes.size()); ++e) {
    for (int s = 0; s + horizon_ <= data.episodes[e].steps(); s += std::max(1, stride)) {
      windows_.push_back({e, s});
    }
  }
  if (windows_.empty()) {
    throw std::runtime_error(who + ": episodes are shorter than the horizon (" + std::to_string(horizon_) + " steps)");
  }
  DofScales(m, data, &pos_scale_, &vel_scale_);
  npos_ = PositionDofs(m);
  // DOFs that hardly move in the data must not dominate the fit: no position scale below 1 mm
  // (1 mrad) or a tenth of the largest spread of its kind (lengths, angles). A box resting on
  // a table moves a tenth of a millimetre in z; divided by that spread, its penetration would
  // outweigh where it slides, which is what the k-step metric is about
  const std::vector<bool> angle = PositionDofIsAngle(m);
  double largest[2] = {0, 0};
  for (int i = 0; i < npos_; ++i) largest[angle[i]] = std::max(largest[angle[i]], pos_scale_[i]);
  for (int i = 0; i < npos_; ++i) pos_scale_[i] = std::max({pos_scale_[i], 1e-3, 0.1 * largest[angle[i]]});
  for (double& s : vel_scale_) s = std::max(s, 1e-2);
}

double WindowResiduals::MeanSquare(const mjModel* m, mjData* d) const {
  Eigen::VectorXd r(size());
  Evaluate(m, d, r.data());
  return Cost(r);
}

int WindowResiduals::size() const {
  return static_cast<int>(windows_.size()) * horizon_ * (npos_ + (velocities_ ? reference_->nv : 0));
}

void WindowResiduals::Evaluate(const mjModel* m, mjData* d, double* r) const {
  std::vector<double> err(npos_);
  const int per_step = npos_ + (velocities_ ? m->nv : 0);
  const ActivationReplay activation(m);  // a candidate's actuator lag changes what the controls leave
  for (size_t w = 0; w < windows_.size(); ++w) {
    const Episode& ep = data_.episodes[windows_[w].episode];
    const int s = windows_[w].start;
    double* out = r + w * horizon_ * per_step;
    mj_resetData(m, d);
    mju_copy(d->qpos, ep.qpos.data() + s * m->nq, m->nq);
    mju_copy(d->qvel, ep.qvel.data() + s * m->nv, m->nv);
    activation.Set(ep, s, substeps_, d);
    bool healthy = true;
    for (int k = 0; k < horizon_; ++k, out += per_step) {
      if (healthy) {
        mju_copy(d->ctrl, ep.ctrl.data() + (s + k) * m->nu, m->nu);
        for (int i = 0; i < substeps_; ++i) mj_step(m, d);
        healthy = Healthy(m, d);
      }
      if (!healthy) {
        // a diverged rollout costs more than any sane one, so the step is refused
        std::fill(out, out + per_step, 100.0);
        continue;
      }
      PositionErrors(m, d->qpos, ep.qpos.data() + (s + k + 1) * m->nq, err.data());
      for (int i = 0; i < npos_; ++i) out[i] = err[i] / pos_scale_[i];
      if (!velocities_) continue;
      const double* v = ep.qvel.data() + (s + k + 1) * m->nv;
      for (int i = 0; i < m->nv; ++i) out[npos_ + i] = (d->qvel[i] - v[i]) / vel_scale_[i];
    }
  }
}

LeastSquaresResult LevenbergMarquardt(int n, const ResidualFunction& evaluate,
                                      const std::function<void(Eigen::VectorXd*)>& bound,
                                      const LeastSquaresOptions& options, Eigen::VectorXd* theta) {
  LeastSquaresResult result;
  const int P = static_cast<int>(theta->size());
  const int threads = std::max(1, options.threads);
  Eigen::VectorXd r(n);
  evaluate(*theta, 0, r.data());
  result.initial_cost = result.final_cost = Cost(r);
  if (P == 0) return result;

  Eigen::MatrixXd J(n, P);
  double lambda = 1e-2;
  for (int it = 0; it < options.iterations; ++it) {
    // Jacobian by forward differences, columns spread over the workers
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        Eigen::VectorXd rp(n);
        for (int j = t; j < P; j += threads) {
          Eigen::VectorXd shifted = *theta;
          shifted[j] += options.delta;
          evaluate(shifted, t, rp.data());
          J.col(j) = (rp - r) / options.delta;
        }
      });
    }
    for (std::thread& t : pool) t.join();

    const Eigen::MatrixXd JtJ = J.transpose() * J;
    const Eigen::VectorXd g = J.transpose() * r;
    Eigen::VectorXd diag = JtJ.diagonal().cwiseMax(1e-12);
    bool improved = false;
    for (int attempt = 0; attempt < 8 && !improved; ++attempt) {
      Eigen::MatrixXd A = JtJ;
      A.diagonal() += lambda * diag;
      Eigen::VectorXd trial = *theta - A.ldlt().solve(g);
      bound(&trial);
      Eigen::VectorXd rt(n);
      evaluate(trial, 0, rt.data());
      const double cost = Cost(rt);
      if (std::isfinite(cost) && cost < result.final_cost) {
        // a step that helps is tried again at twice its length while that helps more: a
        // Jacobian costs one evaluation per parameter, a longer step one, and along the long
        // valleys of a multi-step error (hopper's damping, armature and motor lag trade
        // against each other) the damped step is a small fraction of the way
        double taken = cost;
        Eigen::VectorXd step = trial - *theta, r_longer(n);
        for (int grow = 0; grow < options.step_doublings; ++grow) {
          step *= 2;
          Eigen::VectorXd longer = *theta + step;
          bound(&longer);
          evaluate(longer, 0, r_longer.data());
          const double c = Cost(r_longer);
          if (!std::isfinite(c) || c >= taken) break;
          taken = c;
          trial = longer;
          rt.swap(r_longer);
        }
        const double gain = (result.final_cost - taken) / result.final_cost;
        *theta = trial;
        r = rt;
        result.final_cost = taken;
        lambda = std::max(1e-6, lambda / 3);
        improved = true;
        result.iterations = it + 1;
        if (!options.progress.empty()) {
          std::fprintf(stderr, "[%s] iteration %d: cost %.5g (%.1f %% below nominal)\n", options.progress.c_str(), it + 1,
                       taken, 100 * (1 - taken / result.initial_cost));
        }
        if (gain < 1e-4) return result;
      } else {
        lambda *= 4;
      }
    }
    if (!improved) break;  // no step along the fitted direction lowers the error: converged
  }
  return result;
}

LeastSquaresResult CompassSearch(int n, const ResidualFunction& evaluate,
                                 const std::function<void(Eigen::VectorXd*)>& bound,
                                 const CompassOptions& options, Eigen::VectorXd* theta) {
  LeastSquaresResult result;
  const int P = static_cast<int>(theta->size());
  const bool parallel = options.threads >= 2;
  Eigen::VectorXd r(n);
  evaluate(*theta, 0, r.data());
  result.initial_cost = result.final_cost = Cost(r);
  std::vector<double> step(P, options.initial_step);
  for (int sweep = 0; sweep < options.sweeps; ++sweep) {
    if (std::all_of(step.begin(), step.end(), [&](double s) { return s < options.min_step; })) break;
    for (int j = 0; j < P; ++j) {
      if (step[j] < options.min_step) continue;
      Eigen::VectorXd trial[2] = {*theta, *theta};
      trial[0][j] += step[j];
      trial[1][j] -= step[j];
      double cost[2];
      auto run = [&](int i) {
        bound(&trial[i]);
        Eigen::VectorXd rt(n);
        // a trial the bound pushed back onto theta itself costs what theta costs
        if (trial[i] == *theta) {
          cost[i] = result.final_cost;
          return;
        }
        evaluate(trial[i], parallel ? i : 0, rt.data());  // one worker: both on worker 0
        cost[i] = Cost(rt);
      };
      if (parallel) {
        std::thread other(run, 1);
        run(0);
        other.join();
      } else {
        run(0);
        run(1);
      }
      const int best = !std::isfinite(cost[0]) || cost[1] < cost[0] ? 1 : 0;
      if (std::isfinite(cost[best]) && cost[best] < result.final_cost) {
        *theta = trial[best];
        result.final_cost = cost[best];
      } else {
        step[j] /= 2;
      }
    }
    result.iterations = sweep + 1;
    if (!options.progress.empty()) {
      std::fprintf(stderr, "[%s] sweep %d: cost %.5g (%.1f %% below the start)\n", options.progress.c_str(), sweep + 1,
                   result.final_cost, 100 * (1 - result.final_cost / result.initial_cost));
    }
  }
  return result;
}

}  // namespace mjhybrid::scene
