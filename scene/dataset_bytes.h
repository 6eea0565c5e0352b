// A loaded dataset as one flat byte string and back: how the reader process hands a dataset
// to its parent (scene/child_process.h). Native byte order (both ends are this build); the
// unpacking checks every size against the bytes left, so a wrong or short string is refused
// with one line, never read past.

#ifndef MJHYBRID_SCENE_DATASET_BYTES_H_
#define MJHYBRID_SCENE_DATASET_BYTES_H_

#include <string>

#include "scene/dataset.h"

namespace mjhybrid::scene {

std::string PackDataset(const TrajectoryDataset& data);
TrajectoryDataset UnpackDataset(const std::string& bytes);  // throws one line

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_DATASET_BYTES_H_
