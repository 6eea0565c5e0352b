#include "pipeline/learned_model.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <vector>

#include "scene/mujoco_util.h"
#include "plugin/core/residual_evaluator.h"
#include "plugin/mujoco/contact_pairs.h"
#include "plugin/mujoco/residual_instance.h"
#include "plugin/mujoco/state_layout_from_model.h"

namespace mjhybrid::pipeline {

using scene::Episode;
using scene::MakeData;
using scene::RolloutStepper;
using scene::TrajectoryDataset;

namespace {

// the contact-pair features of the state in d (positions must be set)
class PairMeter {
 public:
  PairMeter(const mjModel* m, const FeatureSpec& spec) : m_(m), range_(spec.contact_range) {
    std::string why = ResolveContactPairs(m, spec.contact_pairs, &pairs_);
    if (!why.empty()) throw std::runtime_error(why);
    states_.resize(pairs_.size());
  }
  const PairState* Measure(mjData* d) {
    if (pairs_.empty()) return nullptr;
    mj_kinematics(m_, d);
    mj_comPos(m_, d);
    for (size_t p = 0; p < pairs_.size(); ++p) MeasurePair(m_, d, pairs_[p], range_, &states_[p]);
    return states_.data();
  }

 private:
  const mjModel* m_;
  double range_;
  std::vector<ResolvedPair> pairs_;
  std::vector<PairState> states_;
};

class Stepper : public RolloutStepper {
 public:
  Stepper(const mjModel* m, std::shared_ptr<const ResidualModel> model)
      : m_(m), model_(model), data_(MakeData(m)), meter_(m, model->features), evaluator_(model),
        spec_(model->features), layout_(StateLayoutFromModel(m)),
        history_(spec_.ctrl_history * m->nu), acc_(m->nv) {}

  void Start(const Episode& ep, int s, mjData* d) override {
    ep.ControlHistory(s, spec_.ctrl_history, m_->nu, history_.data());
  }

  void Step(mjData* d) override {
    // the pair features are measured on a scratch mjData so d keeps exactly the rolled-out state
    mju_copy(data_->qpos, d->qpos, m_->nq);
    mju_copy(data_->qvel, d->qvel, m_->nv);
    const PairState* pairs = meter_.Measure(data_.get());
    ResidualDiagnostics diagnostics;
    if (!evaluator_.Compute(d->qpos, d->qvel, d->ctrl, history_.data(), pairs, 1.0, acc_.data(), &diagnostics)) {
      for (int i = 0; i < m_->nv; ++i) d->qvel[i] = std::numeric_limits<double>::quiet_NaN();
      return;
    }
    // one recorded step: the network learned the mean acceleration over a control period
    const double h = model_->signature.ControlPeriod();
    for (int i = 0; i < m_->nv; ++i) d->qvel[i] += h * acc_[i];
    mj_integratePos(m_, d->qpos, d->qvel, h);
    d->time += h;
    if (spec_.ctrl_history > 0) {
      const int nu = m_->nu;
      std::copy_backward(history_.begin(), history_.end() - nu, history_.end());
      std::copy(d->ctrl, d->ctrl + nu, history_.begin());
    }
  }

 private:
  const mjModel* m_;
  std::shared_ptr<const ResidualModel> model_;
  DataPtr data_;
  PairMeter meter_;
  ResidualEvaluator evaluator_;
  FeatureSpec spec_;
  StateLayout layout_;
  std::vector<double> history_, acc_;
};

}  // namespace

LearnedModel TrainLearnedModel(const mjModel* m, const TrajectoryDataset& data, const FeatureSpec& spec,
                               const TrainOptions& options, bool progress) {
  if (spec.kind != ResidualKind::kWholeState) throw std::runtime_error("the learned baseline takes whole-state features");
  StateLayout layout = StateLayoutFromModel(m);
  layout.control_period = data.timestep;  // it steps a whole recorded step at a time
  const int nv = m->nv, nu = m->nu;
  const double h = data.timestep;
  TrainingSet set;
  set.feature_count = FeatureCount(spec, layout);
  set.output_count = nv;
  set.episodes = static_cast<int>(data.episodes.size());
  DataPtr scratch = MakeData(m);
  PairMeter meter(m, spec);
  std::vector<double> history(spec.ctrl_history * nu), feature(set.feature_count);
  for (size_t e = 0; e < data.episodes.size(); ++e) {
    const Episode& ep = data.episodes[e];
    for (int t = 0; t < ep.steps(); ++t) {
      const double* q = ep.qpos.data() + t * m->nq;
      const double* v = ep.qvel.data() + t * nv;
      mju_copy(scratch->qpos, q, m->nq);
      mju_copy(scratch->qvel, v, nv);
      const PairState* pairs = meter.Measure(scratch.get());
      ep.ControlHistory(t, spec.ctrl_history, nu, history.data());
      ComputeFeatures(spec, layout, q, v, ep.ctrl.data() + t * nu, history.data(), pairs, feature.data());
      set.features.insert(set.features.end(), feature.begin(), feature.end());
      for (int i = 0; i < nv; ++i) set.targets.push_back((v[nv + i] - v[i]) / h);
      set.episode.push_back(static_cast<int>(e));
    }
  }
  if (progress) std::fprintf(stderr, "[learned] %d transitions\n", set.rows());
  TrainResult result = TrainResidual(set, layout, spec, options, progress);
  return {result.model, result.report};
}

std::function<std::unique_ptr<RolloutStepper>()> LearnedStepper(const mjModel* m, const LearnedModel& model) {
  std::shared_ptr<const ResidualModel> network = model.network;
  return [m, network] { return std::unique_ptr<RolloutStepper>(new Stepper(m, network)); };
}

}  // namespace mjhybrid::pipeline
