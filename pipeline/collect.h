// Collecting trajectories from the reality stand-in, under the black-box rule: the system is
// only reset, placed in a state a robot could be put in (joint positions, velocities), driven
// by controls and observed (qpos, qvel). Its parameters and hidden state (actuator
// activation, warmstart) are never read or written.
//
// Excitation, per actuator: a piecewise-linear walk through random set-points (held 0.05 to
// 0.5 s) plus coloured noise (Ornstein-Uhlenbeck, 20 ms correlation), clipped to ctrlrange. It
// covers slow, gravity-dominated motion and the fast changes that reveal motor lag.

#ifndef MJHYBRID_PIPELINE_COLLECT_H_
#define MJHYBRID_PIPELINE_COLLECT_H_

#include <cstdint>
#include <string>

#include "pipeline/dataset.h"

namespace mjhybrid {

struct CollectOptions {
  std::string model_path;   // the real system (an MJCF standing in for a robot)
  int episodes = 32;
  int steps = 1200;         // control steps per episode
  double dt = 0;            // control period; 0 = the model's timestep
  uint64_t seed = 0;
  double noise = 0.15;      // noise amplitude as a fraction of the control range
  double init_qvel = 0.5;   // std of initial joint velocities (rad/s or m/s)
};

TrajectoryDataset Collect(const CollectOptions& options, bool progress);

}  // namespace mjhybrid

#endif  // MJHYBRID_PIPELINE_COLLECT_H_
