// Collecting trajectories from the reality stand-in, under the black-box rule: the system is
// only reset, placed in a state a robot could be put in (joint positions, velocities; objects
// set down or thrown), driven by controls and observed (qpos, qvel). Its parameters and hidden state (actuator
// activation, warmstart) are never read or written.
//
// Excitation: see scene/excitation.h.

#ifndef MJHYBRID_SCENE_COLLECT_H_
#define MJHYBRID_SCENE_COLLECT_H_

#include <cstdint>
#include <map>
#include <random>
#include <string>

#include <mujoco/mujoco.h>

#include "scene/dataset.h"
#include "scene/episode_start.h"

namespace mjhybrid::scene {

// collection's start unless a protocol says otherwise: joint velocities of std 0.5 (rad/s or m/s)
inline EpisodeStart DefaultCollectStart() {
  EpisodeStart start;
  start.qvel = 0.5;
  return start;
}

struct CollectOptions {
  std::string model_path;   // the real system (an MJCF standing in for a robot)
  int episodes = 32;
  int steps = 1200;         // control steps per episode
  double dt = 0;            // control period; 0 = the model's timestep
  uint64_t seed = 0;
  double noise = 0.15;      // noise amplitude as a fraction of the control range
  // where episodes start (scene/episode_start.h); hinge/slide joints it does not name:
  // limited ones anywhere in their range, unlimited hinges anywhere on the circle, unlimited
  // slides at qpos0. Every free joint is placed (its own placement, else the one for every
  // free joint, else none).
  EpisodeStart start = DefaultCollectStart();
};

TrajectoryDataset Collect(const CollectOptions& options, bool progress);

// puts d (freshly reset) in a random state a robot could be placed in, as an episode starts
void PlaceRandomly(const mjModel* m, mjData* d, const CollectOptions& options, std::mt19937_64* rng);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_COLLECT_H_
