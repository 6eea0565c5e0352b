// Whether a dataset was recorded from a system like a given model: the same qpos/qvel/ctrl
// sizes, joint and actuator names in the same order, and a recording (control) period that is
// a whole number k of the model's timesteps: the model then steps k times per recorded step
// with the recorded control held (Gymnasium's frame_skip). Every command that runs a model on
// data checks this first, so data from another scene or rate is refused by name instead of
// giving a silently wrong answer.

#ifndef MJHYBRID_SCENE_DATASET_FIT_H_
#define MJHYBRID_SCENE_DATASET_FIT_H_

#include <mujoco/mujoco.h>

#include <string>

#include "scene/dataset.h"

namespace mjhybrid::scene {

// throws a one-line error naming both files when the data was not recorded from a system
// like `sim`
void CheckDatasetFits(const mjModel* sim, const std::string& sim_path, const TrajectoryDataset& data,
                      const std::string& data_path);

// physics steps of m per recorded step of data (CheckDatasetFits has said why when this
// throws: the period is not a whole number of timesteps)
int ControlSubsteps(const mjModel* m, const TrajectoryDataset& data);

// a residual model trained at one control period meets data recorded at another: throws one
// line naming both files and both periods
void CheckResidualFitsData(const std::string& residual_path, const TrajectoryDataset& data,
                           const std::string& data_path);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_DATASET_FIT_H_
