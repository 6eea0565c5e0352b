#include "pipeline/velocity_targets.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "pipeline/targets.h"
#include "scene/dataset_fit.h"
#include "scene/rollout.h"
#include "scene/mujoco_util.h"
#include "plugin/mujoco/constraint_response.h"
#include "plugin/mujoco/contact_pairs.h"
#include "plugin/mujoco/state_layout_from_model.h"

namespace mjhybrid::pipeline {

namespace {

// k physics steps from `state`, with the velocity change dv added after each as the plugin's
// advance does (qvel += dv, qpos moved on by h dv); qvel at the end
Eigen::VectorXd StepsWithCorrection(const mjModel* m, mjData* d, const std::vector<mjtNum>& state, int substeps,
                                    const Eigen::VectorXd& dv) {
  mj_setState(m, d, state.data(), scene::kFullState);
  for (int i = 0; i < substeps; ++i) {
    mj_step(m, d);
    for (int j = 0; j < m->nv; ++j) d->qvel[j] += dv[j];
    mj_integratePos(m, d->qpos, dv.data(), m->opt.timestep);
  }
  return Eigen::Map<const Eigen::VectorXd>(d->qvel, m->nv);
}

// The per-physics-step velocity change that, added after each of a control period's k steps,
// closes `gap` (the real velocity change minus the analytic one over the period): the response
// B of the period's end velocity to it, by finite differences through the k steps, solved with
// the filter of targets.h, since a change the constraints take back in a later step (a push
// into the floor) has next to no effect and gets no huge target. In free motion B = k I.
Eigen::VectorXd PeriodCorrection(const mjModel* m, mjData* d, const std::vector<mjtNum>& state, int substeps,
                                 const Eigen::VectorXd& gap) {
  const int nv = m->nv;
  constexpr double kEps = 1e-4;  // m/s or rad/s per step
  const Eigen::VectorXd v_base = StepsWithCorrection(m, d, state, substeps, Eigen::VectorXd::Zero(nv));
  Eigen::MatrixXd B(nv, nv);
  Eigen::VectorXd weight(nv);
  for (int j = 0; j < nv; ++j) {
    weight[j] = std::sqrt(m->dof_M0[j]);
    Eigen::VectorXd dv = Eigen::VectorXd::Zero(nv);
    dv[j] = kEps;
    B.col(j) = (StepsWithCorrection(m, d, state, substeps, dv) - v_base) / kEps;
  }
  const Eigen::MatrixXd free = substeps * weight.asDiagonal().toDenseMatrix();
  return FilteredSolve(weight.asDiagonal() * B, free, weight.asDiagonal() * gap, /*alpha=*/0.3);
}

}  // namespace

using scene::Episode;
using scene::Healthy;
using scene::MakeData;
using scene::StartRollout;
using scene::StepRollout;
using scene::TrajectoryDataset;

TrainingSet BuildVelocityTrainingSet(const mjModel* m, const TrajectoryDataset& data,
                                     const FeatureSpec& spec, int window, bool progress,
                                     const mjModel* rollout) {
  if (spec.kind != ResidualKind::kWholeState || spec.output != ResidualOutput::kVelocity) {
    throw std::invalid_argument("velocity targets need a whole-state velocity spec");
  }
  if (window < 1) throw std::runtime_error("the target window must be >= 1 step");
  const StateLayout layout = StateLayoutFromModel(m);
  const int nq = m->nq, nv = m->nv, nu = m->nu, na = m->na;
  std::vector<ResolvedPair> pairs;
  const std::string why = ResolveContactPairs(m, spec.contact_pairs, &pairs);
  if (!why.empty()) throw std::runtime_error(why);
  const int npair = static_cast<int>(pairs.size());
  const int stride = std::max(1, window / 2);
  const int substeps = scene::ControlSubsteps(m, data);
  const bool rk4 = m->opt.integrator == mjINT_RK4;

  TrainingSet set;
  set.feature_count = FeatureCount(spec, layout);
  set.output_count = OutputCount(spec, layout);
  set.episodes = static_cast<int>(data.episodes.size());
  const long long rows = data.transitions() * (window > 1 ? 2 : 1);
  set.features.reserve(rows * set.feature_count);
  set.targets.reserve(rows * nv);

  DataPtr owner = MakeData(m);
  mjData* d = owner.get();
  DataPtr rollout_owner = rollout ? MakeData(rollout) : nullptr;
  mjData* r = rollout_owner.get();
  std::vector<double> history(spec.ctrl_history * nu), feature(set.feature_count), v_before(nv),
      constraint_dv(nv);
  std::vector<PairState> states(npair);
  std::vector<mjtNum> start_state(mj_stateSize(m, scene::kFullState));
  Eigen::VectorXd gap(nv);
  for (size_t e = 0; e < data.episodes.size(); ++e) {
    const Episode& ep = data.episodes[e];
    const int steps = ep.steps();
    // the analytic model's own hidden state (activations, warm start) at each recorded step,
    // from a one-step replay: what a window starting there begins with
    std::vector<mjtNum> act((steps + 1) * na), warm((steps + 1) * nv, 0.0);
    mj_resetData(m, d);
    mju_copy(act.data(), d->act, na);
    for (int t = 0; t < steps; ++t) {
      mju_copy(d->qpos, ep.qpos.data() + t * nq, nq);
      mju_copy(d->qvel, ep.qvel.data() + t * nv, nv);
      mju_copy(d->act, act.data() + t * na, na);
      mju_copy(d->qacc_warmstart, warm.data() + t * nv, nv);
      mju_copy(d->ctrl, ep.ctrl.data() + t * nu, nu);
      for (int i = 0; i < substeps; ++i) mj_step(m, d);
      mju_copy(act.data() + (t + 1) * na, d->act, na);
      mju_copy(warm.data() + (t + 1) * nv, d->qacc_warmstart, nv);
    }
    for (int start = 0; start < steps; start += stride) {
      mj_resetData(m, d);
      mju_copy(d->qpos, ep.qpos.data() + start * nq, nq);
      mju_copy(d->qvel, ep.qvel.data() + start * nv, nv);
      mju_copy(d->act, act.data() + start * na, na);
      mju_copy(d->qacc_warmstart, warm.data() + start * nv, nv);
      d->time = ep.time[start];
      if (r) {
        StartRollout(rollout, r, ep, start, nullptr);
        mju_copy(r->act, d->act, na);
        mju_copy(r->qacc_warmstart, d->qacc_warmstart, nv);
      }
      for (int t = start; t < std::min(steps, start + window); ++t) {
        if (r && t > start) {
          // the analytic step is taken from where the hybrid went
          mju_copy(d->qpos, r->qpos, nq);
          mju_copy(d->qvel, r->qvel, nv);
          mju_copy(d->act, r->act, na);
          mju_copy(d->qacc_warmstart, r->qacc_warmstart, nv);
          d->time = r->time;
        }
        mju_copy(d->ctrl, ep.ctrl.data() + t * nu, nu);
        // the features of x_t: its contacts (for the pair features) and the solver's response
        // there, h (qacc - qacc_smooth) as the plugin reads them (constraint_response.h)
        if (rk4) {
          // mj_step1/mj_step2 would integrate with Euler: a forward pass, then a whole step
          mj_forward(m, d);
        } else {
          // mj_step in its two halves: the first computes the contacts of x_t, the second
          // finishes the step (its acceleration is x_t's) without computing them again
          mj_step1(m, d);
        }
        for (int p = 0; p < npair; ++p) MeasurePair(m, d, pairs[p], spec.contact_range, &states[p]);
        ep.ControlHistory(t, spec.ctrl_history, nu, history.data());
        ComputeFeatures(spec, layout, d->qpos, d->qvel, d->ctrl, history.data(), states.data(),
                        feature.data());
        std::copy(d->qvel, d->qvel + nv, v_before.begin());
        if (substeps > 1) mj_getState(m, d, start_state.data(), scene::kFullState);
        if (rk4) {
          ConstraintResponse(m, d, constraint_dv.data());
          mj_step(m, d);
        } else {
          mj_step2(m, d);
          ConstraintResponse(m, d, constraint_dv.data());
        }
        if (!Healthy(m, d)) break;  // an analytic rollout that blew up teaches nothing
        SetConstraintFeatures(spec, layout, constraint_dv.data(), feature.data());
        const double* real = ep.qvel.data() + t * nv;
        for (int j = 0; j < nv; ++j) gap[j] = (real[nv + j] - real[j]) - (d->qvel[j] - v_before[j]);
        if (substeps > 1) {
          for (int i = 1; i < substeps; ++i) mj_step(m, d);
          if (!Healthy(m, d)) break;
          for (int j = 0; j < nv; ++j) gap[j] = (real[nv + j] - real[j]) - (d->qvel[j] - v_before[j]);
          gap = PeriodCorrection(m, d, start_state, substeps, gap);
        }
        set.features.insert(set.features.end(), feature.begin(), feature.end());
        set.targets.insert(set.targets.end(), gap.data(), gap.data() + nv);
        set.episode.push_back(static_cast<int>(e));
        if (r) {
          StepRollout(rollout, r, ep, t, nullptr, substeps);
          if (!Healthy(rollout, r)) break;
        }
      }
    }
    if (progress && ((e + 1) % 8 == 0 || e + 1 == data.episodes.size())) {
      std::fprintf(stderr, "[train] targets: %zu/%zu episodes\n", e + 1, data.episodes.size());
    }
  }
  return set;
}

}  // namespace mjhybrid::pipeline
