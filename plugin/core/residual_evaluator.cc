#include "plugin/core/residual_evaluator.h"

#include <algorithm>
#include <cmath>

namespace mjhybrid {

ResidualEvaluator::ResidualEvaluator(std::shared_ptr<const ResidualModel> model)
    : model_(std::move(model)),
      workspace_(model_->network->MakeWorkspace()),
      features_(model_->input_mean.size()),
      input_(model_->input_mean.size()),
      output_(model_->signature.nv) {}

bool ResidualEvaluator::Compute(const double* qpos, const double* qvel, const double* ctrl,
                                const double* history, double scale, double* qfrc,
                                ResidualDiagnostics* diagnostics) {
  const ResidualModel& m = *model_;
  const int nv = m.signature.nv;
  ComputeFeatures(m.features, m.signature, qpos, qvel, ctrl, history, features_.data());

  // normalize; outside the training range the network is extrapolating, so hold the input at
  // the edge of what it has seen and count it
  int saturated = 0;
  for (size_t i = 0; i < features_.size(); ++i) {
    double f = features_[i];
    if (!std::isfinite(f)) {
      std::fill(qfrc, qfrc + nv, 0.0);
      return false;
    }
    double clamped = std::clamp<double>(f, m.input_min[i], m.input_max[i]);
    saturated += clamped != f;
    input_[i] = static_cast<float>((clamped - m.input_mean[i]) / m.input_std[i]);
  }

  float spread = 0;
  m.network->Evaluate(input_.data(), output_.data(), &spread, workspace_.get());

  for (int i = 0; i < nv; ++i) {
    double y = static_cast<double>(output_[i]) * m.output_std[i] + m.output_mean[i];
    if (!std::isfinite(y)) {
      std::fill(qfrc, qfrc + nv, 0.0);
      return false;
    }
    qfrc[i] = scale * std::clamp<double>(y, -m.output_bound[i], m.output_bound[i]);
  }
  if (diagnostics) {
    diagnostics->saturated = saturated;
    diagnostics->spread = spread;
  }
  return true;
}

}  // namespace mjhybrid
