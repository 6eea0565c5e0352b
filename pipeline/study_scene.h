// What a study reads of its scene folder and its data, apart from the study itself: the folder's
// files and the check that real.xml and sim.xml describe the same system, and the slices of the
// training data the data-efficiency sweep fits on (docs/ARCHITECTURE.md, "Study").

#ifndef MJHYBRID_PIPELINE_STUDY_SCENE_H_
#define MJHYBRID_PIPELINE_STUDY_SCENE_H_

#include <string>

#include "scene/dataset.h"

namespace mjhybrid::pipeline {

struct Scene {
  std::string folder, real, sim, config;  // config: scene.json, empty when the folder has none
};

// the scene must have both models, with the same state layout and the same names; `other_sim`,
// if given, stands for the scene's sim.xml. Throws a one-line error otherwise
Scene CheckScene(const std::string& folder, const std::string& other_sim);

// the first `seconds` of real time of the training data, in at least five pieces so that a
// validation split exists even for a budget shorter than one episode
scene::TrajectoryDataset FirstSeconds(const scene::TrajectoryDataset& data, double seconds);

// the real time a dataset records
inline double Seconds(const scene::TrajectoryDataset& data) { return data.transitions() * data.timestep; }

}  // namespace mjhybrid::pipeline

#endif  // MJHYBRID_PIPELINE_STUDY_SCENE_H_
