#include "plugin/core/residual_evaluator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace mjhybrid {

namespace {

Eigen::VectorXf ToVector(const std::vector<float>& v) {
  return Eigen::Map<const Eigen::VectorXf>(v.data(), v.size());
}

// the member the evaluator runs alone, after CheckMember: member 0 of a one-member network
// is the network itself, which Evaluate runs on its plain path
int SelectedMember(int member, const ResidualNetwork& network) {
  const std::string why = CheckMember(member, network);
  if (!why.empty()) throw std::invalid_argument(why);
  return network.members() == 1 ? kAllMembers : member;
}

}  // namespace

std::string CheckMember(int member, const ResidualNetwork& network) {
  if (member == kAllMembers) return "";
  const int members = network.members();
  const std::string value = "config 'member' is '" + std::to_string(member) + "'";
  if (members > 1 && !network.can_evaluate_member()) {
    return value + " but this model's network (" + network.description() +
           ") runs its members only together; valid values: all";
  }
  if (member < 0 || member >= members) {
    return value + " but the model has " + std::to_string(members) +
           (members == 1 ? " member; valid values: all, 0"
                         : " members; valid values: all, 0 to " + std::to_string(members - 1));
  }
  return "";
}

ResidualEvaluator::ResidualEvaluator(std::shared_ptr<const ResidualModel> model, int member)
    : model_(std::move(model)),
      member_(SelectedMember(member, *model_->network)),
      workspace_(model_->network->MakeWorkspace()),
      input_min_(ToVector(model_->input_min)),
      input_max_(ToVector(model_->input_max)),
      input_mean_(ToVector(model_->input_mean)),
      input_inv_std_(ToVector(model_->input_std).cwiseInverse()),
      features_(model_->input_mean.size()),
      input_(model_->input_mean.size()),
      output_(OutputCount(model_->features, model_->signature)) {}

bool ResidualEvaluator::Compute(const double* qpos, const double* qvel, const double* ctrl,
                                const double* history, const PairState* pairs, double scale,
                                double* out, ResidualDiagnostics* diagnostics) {
  const ResidualModel& m = *model_;
  if (m.features.kind != ResidualKind::kWholeState || m.features.constraint_response) {
    std::fill(out, out + m.signature.nv, 0.0);
    return false;  // a contact model has no whole-state output; a solver-aware one needs FinishStep
  }
  ComputeFeatures(m.features, m.signature, qpos, qvel, ctrl, history, pairs, features_.data());
  return Run(scale, m.signature.nv, out, diagnostics);
}

void ResidualEvaluator::BeginStep(const double* qpos, const double* qvel, const double* ctrl,
                                  const double* history, const PairState* pairs) {
  const ResidualModel& m = *model_;
  if (m.features.kind != ResidualKind::kWholeState) return;
  ComputeFeatures(m.features, m.signature, qpos, qvel, ctrl, history, pairs, features_.data());
}

bool ResidualEvaluator::FinishStep(const double* constraint_dv, double scale, double* out,
                                   ResidualDiagnostics* diagnostics) {
  const ResidualModel& m = *model_;
  if (m.features.kind != ResidualKind::kWholeState || m.features.output != ResidualOutput::kVelocity) {
    std::fill(out, out + m.signature.nv, 0.0);
    return false;  // only a velocity model is applied after the solver
  }
  SetConstraintFeatures(m.features, m.signature, constraint_dv, features_.data());
  return Run(scale, m.signature.nv, out, diagnostics);
}

bool ResidualEvaluator::ComputePairWrench(int index, const PairState& pair, double scale,
                                          double* wrench, ResidualDiagnostics* diagnostics) {
  const int pairs = static_cast<int>(model_->features.contact_pairs.size());
  if (model_->features.kind != ResidualKind::kContact || index < 0 || index >= pairs) {
    std::fill(wrench, wrench + kWrenchSize, 0.0);
    return false;  // not a contact model, or no such pair
  }
  ComputePairInput(model_->features, index, pair, features_.data());
  return Run(scale, kWrenchSize, wrench, diagnostics);
}

bool ResidualEvaluator::Run(double scale, int nout, double* out, ResidualDiagnostics* diagnostics) {
  const ResidualModel& m = *model_;
  // normalize; outside the training range the network is extrapolating, so hold the input at
  // the edge of what it has seen and count it. Written as separate simple passes over floats so
  // that the compiler vectorizes each one: this runs inside every mj_step.
  const int n = static_cast<int>(features_.size());
  float* x = input_.data();
  const float* lo = input_min_.data();
  const float* hi = input_max_.data();
  const float* mean = input_mean_.data();
  const float* inv_std = input_inv_std_.data();
  for (int i = 0; i < n; ++i) x[i] = static_cast<float>(features_[i]);
  float poison = 0;  // stays 0 unless some x is NaN or infinite (inf * 0 is NaN)
  for (int i = 0; i < n; ++i) poison += x[i] * 0.0f;
  if (poison != 0.0f || poison != poison) {
    std::fill(out, out + nout, 0.0);
    return false;
  }
  int saturated = 0;
  for (int i = 0; i < n; ++i) saturated += (x[i] < lo[i]) | (x[i] > hi[i]);
  for (int i = 0; i < n; ++i) {
    const float clamped = x[i] < lo[i] ? lo[i] : (x[i] > hi[i] ? hi[i] : x[i]);
    x[i] = (clamped - mean[i]) * inv_std[i];
  }

  // the spread only when someone reads it: a single member then runs alone
  float spread = 0;
  float* want_spread = diagnostics ? &spread : nullptr;
  if (member_ == kAllMembers) {
    m.network->Evaluate(input_.data(), output_.data(), want_spread, workspace_.get());
  } else {
    m.network->EvaluateMember(member_, input_.data(), output_.data(), want_spread, workspace_.get());
  }

  for (int i = 0; i < nout; ++i) {
    double y = static_cast<double>(output_[i]) * m.output_std[i] + m.output_mean[i];
    if (!std::isfinite(y)) {
      std::fill(out, out + nout, 0.0);
      return false;
    }
    out[i] = scale * std::clamp<double>(y, -m.output_bound[i], m.output_bound[i]);
  }
  if (diagnostics) {
    diagnostics->saturated = saturated;
    diagnostics->spread = spread;
  }
  return true;
}

}  // namespace mjhybrid
