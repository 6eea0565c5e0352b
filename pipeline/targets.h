// Training targets: for each recorded real transition (s_t, u_t, s_t+1), the generalized
// force that, added to the analytic model's passive forces at s_t, makes its step land on the
// recorded velocity v_t+1.
//
// Without contact that force is M * (v_real - v_sim) / h. In general the step is not linear
// in the force (the constraint solver reacts to it, implicit integrators damp it), so we
// linearize the analytic step itself: B = d v_t+1 / d qfrc by finite differences through
// mj_step (nv extra steps per transition), then solve B * tau = v_real - v_sim. This uses
// only the analytic model and the recorded data (black-box rule).

#ifndef MJHYBRID_PIPELINE_TARGETS_H_
#define MJHYBRID_PIPELINE_TARGETS_H_

#include <mujoco/mujoco.h>

#include <string>
#include <vector>

#include "pipeline/dataset.h"
#include "plugin/core/features.h"
#include "plugin/core/state_layout.h"

namespace mjhybrid {

struct TrainingSet {
  int feature_count = 0;
  int output_count = 0;
  std::vector<double> features;  // rows x feature_count
  std::vector<double> targets;   // rows x output_count (generalized force)
  std::vector<int> episode;      // episode of each row
  int rows() const { return static_cast<int>(episode.size()); }
};

// throws a one-line error when the data was not recorded from a system like `sim`
void CheckDatasetFits(const mjModel* sim, const std::string& sim_path, const TrajectoryDataset& data,
                      const std::string& data_path);

TrainingSet BuildTrainingSet(const mjModel* sim, const TrajectoryDataset& data,
                             const FeatureSpec& spec, bool progress);

}  // namespace mjhybrid

#endif  // MJHYBRID_PIPELINE_TARGETS_H_
