// Whether a dataset was recorded from a system like a given model: the same qpos/qvel/ctrl
// sizes, joint and actuator names in the same order, and the model's timestep as the
// recording period. Every command that runs a model on data checks this first, so data from
// another scene or rate is refused by name instead of giving a silently wrong answer.

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

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_DATASET_FIT_H_
