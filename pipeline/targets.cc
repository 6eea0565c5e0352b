#include "pipeline/targets.h"

#include <Eigen/Dense>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

#include "scene/dataset_fit.h"
#include "scene/mujoco_util.h"
#include "plugin/mujoco/contact_pairs.h"
#include "plugin/mujoco/state_layout_from_model.h"

namespace mjhybrid::pipeline {

using scene::Episode;
using scene::MakeData;
using scene::TrajectoryDataset;
using scene::kFullState;

std::vector<ContactPair> FrequentContactPairs(const mjModel* m, const TrajectoryDataset& data,
                                              int max_pairs, double min_share) {
  DataPtr owner = MakeData(m);
  mjData* d = owner.get();
  std::map<std::pair<int, int>, long long> seen;
  long long states = 0;
  constexpr int kEvery = 4;  // neighbouring states touch the same pairs
  for (const Episode& ep : data.episodes) {
    for (int t = 0; t <= ep.steps(); t += kEvery, ++states) {
      mju_copy(d->qpos, ep.qpos.data() + t * m->nq, m->nq);
      mj_fwdPosition(m, d);
      std::set<std::pair<int, int>> here;
      for (int c = 0; c < d->ncon; ++c) {
        int a = d->contact[c].geom[0], b = d->contact[c].geom[1];
        if (a < 0 || b < 0) continue;  // flex contacts have no geom pair
        here.insert({std::min(a, b), std::max(a, b)});
      }
      for (const auto& p : here) ++seen[p];
    }
  }
  std::vector<std::pair<long long, std::pair<int, int>>> ranked;
  for (const auto& [pair, count] : seen) {
    if (count < min_share * states) continue;
    if (!mj_id2name(m, mjOBJ_GEOM, pair.first) || !mj_id2name(m, mjOBJ_GEOM, pair.second)) {
      std::fprintf(stderr, "[train] note: contact between unnamed geoms #%d and #%d left out of the "
                   "features (name them to include it)\n", pair.first, pair.second);
      continue;
    }
    ranked.push_back({-count, pair});
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<ContactPair> out;
  for (const auto& [count, pair] : ranked) {
    if (static_cast<int>(out.size()) == max_pairs) break;
    out.push_back({GeomShapeOf(m, pair.first), GeomShapeOf(m, pair.second)});
  }
  return out;
}

ContactPair NamedContactPair(const mjModel* m, const std::string& text) {
  size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw std::runtime_error("contact pair '" + text + "' must be written GEOM1:GEOM2");
  }
  ContactPair pair;
  GeomShape* shapes[2] = {&pair.geom1, &pair.geom2};
  const std::string names[2] = {text.substr(0, colon), text.substr(colon + 1)};
  for (int i = 0; i < 2; ++i) {
    int id = mj_name2id(m, mjOBJ_GEOM, names[i].c_str());
    if (id < 0) throw std::runtime_error("contact pair '" + text + "': no geom named '" + names[i] + "'");
    *shapes[i] = GeomShapeOf(m, id);
  }
  return pair;
}

Eigen::VectorXd FilteredSolve(const Eigen::MatrixXd& response, const Eigen::MatrixXd& free,
                              const Eigen::VectorXd& gap, double alpha) {
  Eigen::JacobiSVD<Eigen::MatrixXd> free_svd(free, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::VectorXd& s0 = free_svd.singularValues();
  int rank = 0;
  while (rank < s0.size() && s0[rank] > 1e-9 * s0[0]) ++rank;
  const Eigen::MatrixXd to_unknowns = free_svd.matrixV().leftCols(rank) * s0.head(rank).cwiseInverse().asDiagonal();
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(response * to_unknowns, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::VectorXd& sv = svd.singularValues();
  Eigen::VectorXd projected = svd.matrixU().transpose() * gap;
  for (int i = 0; i < sv.size(); ++i) {
    const double s4 = std::pow(sv[i], 4), keep = s4 / (s4 + std::pow(alpha, 4));
    projected[i] = sv[i] > 0 ? keep * projected[i] / sv[i] : 0.0;
  }
  return to_unknowns * (svd.matrixV() * projected);
}

TrainingSet BuildTrainingSet(const mjModel* m, const TrajectoryDataset& data,
                             const FeatureSpec& spec, bool progress) {
  const StateLayout layout = StateLayoutFromModel(m);
  const int nv = m->nv, nu = m->nu;
  const bool contact = spec.kind == ResidualKind::kContact;
  std::vector<ResolvedPair> pairs;
  std::string why = ResolveContactPairs(m, spec.contact_pairs, &pairs);
  if (!why.empty()) throw std::runtime_error(why);
  const int npair = static_cast<int>(pairs.size());
  DataPtr data_ptr = MakeData(m);
  mjData* d = data_ptr.get();
  // the analytic model steps `substeps` times per recorded step, control (and the unknown
  // force, as the plugin's residual would be) held
  const int substeps = scene::ControlSubsteps(m, data);
  const double period = substeps * m->opt.timestep;
  auto step = [&] { for (int i = 0; i < substeps; ++i) mj_step(m, d); };

  TrainingSet set;
  set.feature_count = FeatureCount(spec, layout);
  set.output_count = OutputCount(spec, layout);
  set.pair_rows.assign(npair, 0);
  set.episodes = static_cast<int>(data.episodes.size());
  set.features.reserve(data.transitions() * set.feature_count);
  set.targets.reserve(data.transitions() * set.output_count);

  std::vector<mjtNum> base(mj_stateSize(m, kFullState));
  std::vector<double> history(spec.ctrl_history * nu), feature(set.feature_count);
  std::vector<PairState> states(npair);
  Eigen::VectorXd v_base(nv), v_real(nv), weight(nv);
  Eigen::MatrixXd B(nv, nv);
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMatrix jac(6, nv);
  // perturbation sized to change the velocity by ~1e-3 (rad/s or m/s) at the reference pose
  std::vector<double> eps(nv);
  for (int j = 0; j < nv; ++j) {
    eps[j] = 1e-3 * m->dof_M0[j] / period;
    weight[j] = std::sqrt(m->dof_M0[j]);
  }
  constexpr double kAlpha = 0.3;  // the response, relative to free motion, below which a direction fades

  for (size_t e = 0; e < data.episodes.size(); ++e) {
    const Episode& ep = data.episodes[e];
    // the analytic model's own hidden state (activations, warmstart) is carried along an
    // analytic replay of the recorded controls
    mj_resetData(m, d);
    std::vector<mjtNum> act(d->act, d->act + m->na), warm(nv, 0.0);
    for (int t = 0; t < ep.steps(); ++t) {
      mju_copy(d->qpos, ep.qpos.data() + t * m->nq, m->nq);
      mju_copy(d->qvel, ep.qvel.data() + t * nv, nv);
      mju_copy(d->act, act.data(), m->na);
      mju_copy(d->qacc_warmstart, warm.data(), nv);
      mju_copy(d->ctrl, ep.ctrl.data() + t * nu, nu);
      mju_zero(d->qfrc_applied, nv);
      d->time = ep.time[t];
      mj_getState(m, d, base.data(), kFullState);

      // the pairs and the unknowns' jacobian J (rows of unknowns x nv) at s_t
      mj_forward(m, d);
      for (int p = 0; p < npair; ++p) MeasurePair(m, d, pairs[p], spec.contact_range, &states[p]);
      std::vector<int> active;  // pairs whose wrench is an unknown (contact models)
      Eigen::MatrixXd J;
      if (contact) {
        for (int p = 0; p < npair; ++p) if (states[p].near) active.push_back(p);
        if (active.empty()) {
          // nothing to learn here, but keep the replay's hidden state moving
          step();
          act.assign(d->act, d->act + m->na);
          warm.assign(d->qacc_warmstart, d->qacc_warmstart + nv);
          continue;
        }
        J.resize(6 * active.size(), nv);
        for (size_t k = 0; k < active.size(); ++k) {
          PairJacobian(m, d, pairs[active[k]], states[active[k]], jac.data());
          J.middleRows(6 * k, 6) = jac;
        }
      } else {
        J = Eigen::MatrixXd::Identity(nv, nv);
      }
      // unconstrained effect of each unknown: h M^-1 J'
      RowMatrix free_effect = J;  // rows: unknowns; each row solved as a vector over dofs
      mj_solveM(m, d, free_effect.data(), free_effect.data(), static_cast<int>(free_effect.rows()));
      Eigen::MatrixXd G0 = (weight.asDiagonal() * free_effect.transpose()) * period;

      mj_setState(m, d, base.data(), kFullState);
      step();
      v_base = Eigen::Map<Eigen::VectorXd>(d->qvel, nv);
      act.assign(d->act, d->act + m->na);
      warm.assign(d->qacc_warmstart, d->qacc_warmstart + nv);
      for (int j = 0; j < nv; ++j) {
        mj_setState(m, d, base.data(), kFullState);
        d->qfrc_applied[j] = eps[j];
        step();
        d->qfrc_applied[j] = 0;
        B.col(j) = (Eigen::Map<Eigen::VectorXd>(d->qvel, nv) - v_base) / eps[j];
      }
      v_real = Eigen::Map<const Eigen::VectorXd>(ep.qvel.data() + (t + 1) * nv, nv);

      Eigen::VectorXd w = FilteredSolve(weight.asDiagonal() * B * J.transpose(), G0,
                                        weight.asDiagonal() * (v_real - v_base), kAlpha);

      if (!contact) {
        ep.ControlHistory(t, spec.ctrl_history, nu, history.data());
        ComputeFeatures(spec, layout, ep.qpos.data() + t * m->nq, ep.qvel.data() + t * nv,
                        ep.ctrl.data() + t * nu, history.data(), states.data(), feature.data());
        set.features.insert(set.features.end(), feature.begin(), feature.end());
        set.targets.insert(set.targets.end(), w.data(), w.data() + nv);
        set.episode.push_back(static_cast<int>(e));
        continue;
      }
      for (size_t k = 0; k < active.size(); ++k) {
        ComputePairInput(spec, active[k], states[active[k]], feature.data());
        set.features.insert(set.features.end(), feature.begin(), feature.end());
        set.targets.insert(set.targets.end(), w.data() + 6 * k, w.data() + 6 * k + 6);
        set.episode.push_back(static_cast<int>(e));
        ++set.pair_rows[active[k]];
      }
    }
    if (progress && ((e + 1) % 8 == 0 || e + 1 == data.episodes.size())) {
      std::fprintf(stderr, "[train] targets: %zu/%zu episodes\n", e + 1, data.episodes.size());
    }
  }
  for (int p = 0; p < npair && contact; ++p) {
    if (set.pair_rows[p] == 0) {
      const ContactPair& pair = spec.contact_pairs[p];
      char range[32];
      std::snprintf(range, sizeof(range), "%g", spec.contact_range);
      throw std::runtime_error("contact pair (" + pair.geom1.name + ", " + pair.geom2.name +
                               ") never comes within " + range + " m in the data: nothing to learn "
                               "for it (check the names, or collect data where they touch)");
    }
  }
  return set;
}

}  // namespace mjhybrid::pipeline
