#include "pipeline/targets.h"

#include <Eigen/Dense>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "pipeline/mujoco_util.h"
#include "plugin/mujoco/state_layout_from_model.h"

namespace mjhybrid {

void CheckDatasetFits(const mjModel* sim, const std::string& sim_path, const TrajectoryDataset& data,
                      const std::string& data_path) {
  StateLayout layout = StateLayoutFromModel(sim);
  auto fail = [&](const std::string& why) {
    return std::runtime_error("dataset '" + data_path + "' does not fit '" + sim_path + "': " + why);
  };
  if (data.nq != layout.nq || data.nv != layout.nv || data.nu != layout.nu) {
    throw fail("sizes nq/nv/nu " + std::to_string(data.nq) + "/" + std::to_string(data.nv) + "/" +
               std::to_string(data.nu) + " vs " + std::to_string(layout.nq) + "/" +
               std::to_string(layout.nv) + "/" + std::to_string(layout.nu));
  }
  for (size_t j = 0; j < layout.joints.size() && j < data.joints.size(); ++j) {
    if (data.joints[j] != layout.joints[j].name) throw fail("joint " + std::to_string(j) + " is '" + data.joints[j] + "' in the data, '" + layout.joints[j].name + "' in the model");
  }
  if (data.joints.size() != layout.joints.size()) throw fail("different number of joints");
  for (int a = 0; a < layout.nu; ++a) {
    if (data.actuators[a] != layout.actuators[a]) throw fail("actuator " + std::to_string(a) + " is '" + data.actuators[a] + "' in the data, '" + layout.actuators[a] + "' in the model");
  }
  if (std::abs(data.timestep - layout.timestep) > 1e-9 * layout.timestep) {
    throw fail("data recorded every " + std::to_string(data.timestep) + " s but the model steps " +
               std::to_string(layout.timestep) + " s (collect with --dt " + std::to_string(layout.timestep) + ")");
  }
}

TrainingSet BuildTrainingSet(const mjModel* m, const TrajectoryDataset& data,
                             const FeatureSpec& spec, bool progress) {
  const StateLayout layout = StateLayoutFromModel(m);
  const int nv = m->nv, nu = m->nu;
  TrainingSet set;
  set.feature_count = FeatureCount(spec, layout);
  set.output_count = nv;
  set.features.reserve(data.transitions() * set.feature_count);
  set.targets.reserve(data.transitions() * nv);

  DataPtr data_ptr = MakeData(m);
  mjData* d = data_ptr.get();
  std::vector<mjtNum> base(mj_stateSize(m, kFullState));
  std::vector<double> history(spec.ctrl_history * nu), feature(set.feature_count);
  Eigen::VectorXd v_base(nv), v_real(nv);
  Eigen::MatrixXd B(nv, nv);
  // perturbation sized to change the velocity by ~1e-3 (rad/s or m/s) at the reference pose
  std::vector<double> eps(nv);
  for (int j = 0; j < nv; ++j) eps[j] = 1e-3 * m->dof_M0[j] / m->opt.timestep;

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

      ep.ControlHistory(t, spec.ctrl_history, nu, history.data());
      ComputeFeatures(spec, layout, d->qpos, d->qvel, d->ctrl, history.data(), feature.data());

      mj_step(m, d);
      v_base = Eigen::Map<Eigen::VectorXd>(d->qvel, nv);
      act.assign(d->act, d->act + m->na);
      warm.assign(d->qacc_warmstart, d->qacc_warmstart + nv);
      for (int j = 0; j < nv; ++j) {
        mj_setState(m, d, base.data(), kFullState);
        d->qfrc_applied[j] = eps[j];
        mj_step(m, d);
        d->qfrc_applied[j] = 0;
        B.col(j) = (Eigen::Map<Eigen::VectorXd>(d->qvel, nv) - v_base) / eps[j];
      }
      v_real = Eigen::Map<const Eigen::VectorXd>(ep.qvel.data() + (t + 1) * nv, nv);
      Eigen::VectorXd tau = B.partialPivLu().solve(v_real - v_base);

      set.features.insert(set.features.end(), feature.begin(), feature.end());
      set.targets.insert(set.targets.end(), tau.data(), tau.data() + nv);
      set.episode.push_back(static_cast<int>(e));
    }
    if (progress && ((e + 1) % 8 == 0 || e + 1 == data.episodes.size())) {
      std::fprintf(stderr, "[train] targets: %zu/%zu episodes\n", e + 1, data.episodes.size());
    }
  }
  return set;
}

}  // namespace mjhybrid
