#include "viewer/sim/metrics.h"

#include <cmath>

namespace mjhybrid::viewer {

Metrics::Metrics(std::vector<int> horizons) {
  for (int k : horizons) {
    KStepRow row;
    row.k = k;
    rows_.push_back(row);
  }
}

void Metrics::Clear() {
  for (KStepRow& row : rows_) {
    KStepRow cleared;
    cleared.k = row.k;
    row = cleared;
  }
  since_sync_ = 0;
}

void Metrics::OnSync() { since_sync_ = 0; }

void Metrics::OnStep(const StepErrors errors[kWorldCount]) {
  ++since_sync_;
  for (int w = 0; w < kWorldCount; ++w) current_[w] = errors[w];
  for (KStepRow& row : rows_) {
    if (row.k != since_sync_) continue;
    ++row.samples;
    for (int w = 0; w < kWorldCount; ++w) {
      row.last[w] = errors[w];
      // running means; NaN (a world without a real world to compare with) stays NaN
      row.mean[w].qpos += (errors[w].qpos - row.mean[w].qpos) / row.samples;
      row.mean[w].qvel += (errors[w].qvel - row.mean[w].qvel) / row.samples;
    }
  }
}

}  // namespace mjhybrid::viewer
