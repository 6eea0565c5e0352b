// k-step errors since the last sync. After a sync the analytic and hybrid worlds start from the
// real world's state and run open loop under the same controls: their error k steps later is
// one sample of the k-step open-loop error (docs/ARCHITECTURE.md, "Metrics"). With periodic
// re-syncs the panel shows its running mean, the live counterpart of `mjhybrid eval`.

#ifndef MJHYBRID_VIEWER_SIM_METRICS_H_
#define MJHYBRID_VIEWER_SIM_METRICS_H_

#include <vector>

#include "viewer/sim/history.h"

namespace mjhybrid::viewer {

struct KStepRow {
  int k = 0;
  int samples = 0;                  // syncs after which the worlds ran k steps
  StepErrors last[kWorldCount];     // at k steps after the latest sync that reached k
  StepErrors mean[kWorldCount];     // mean over all samples (RMSE, averaged)
};

class Metrics {
 public:
  explicit Metrics(std::vector<int> horizons = {1, 10, 100, 1000});

  void Clear();   // forget all samples (reset)
  void OnSync();  // the worlds were just synced: k counts from 0 again
  // after each step, with the errors of that step
  void OnStep(const StepErrors errors[kWorldCount]);

  long steps_since_sync() const { return since_sync_; }
  const StepErrors& current(int world) const { return current_[world]; }
  const std::vector<KStepRow>& rows() const { return rows_; }

 private:
  std::vector<KStepRow> rows_;
  long since_sync_ = 0;
  StepErrors current_[kWorldCount];
};

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_SIM_METRICS_H_
