// A scene's task: what a policy is asked to do on it, declared in the scene's task.json and
// shared, word for word, by the C++ environment (rl/vec_env.h) and the Gymnasium one
// (scripts/mjhybrid_gym.py). One task per scene; any of the scene's worlds (sim.xml,
// hybrid.xml, real.xml) runs it, because they share names and the qpos/qvel layout.
//
//   {
//     "task": "reach",                  the task's name
//     "about": "...",                   one line for people
//     "control_dt": 0.02,               s per action; a whole number of each model's timesteps
//     "horizon": 100,                   actions per episode (then truncated)
//     "reset": {                        where an episode starts: the grammar of
//       "joints": {"name": [lo, hi]},   scene/episode_start.h, shared with scene.json's
//       "qvel": 0.05,                   "collect"; joints it does not name stay at qpos0
//       "free": {"name": {"xy": [lo, hi], "yaw": [lo, hi]}}
//     },
//     "observation": {"exclude": ["rootx"]},   joints whose qpos the policy does not see
//     "reward": [                       summed every action
//       {"term": "distance", "site"|"body": NAME, "goal": [x, y, z], "axes": "xz", "weight": w},
//                                       w * |point - goal| over the axes named
//       {"term": "velocity", "joint": NAME, "weight": w},   w * the joint's velocity
//       {"term": "ctrl", "weight": w},  w * sum of squared actions (actions in [-1, 1])
//       {"term": "alive", "weight": w}  w for every action that does not terminate
//     ],
//     "terminate": {"joint": [lo, hi]}  the episode ends when a hinge/slide qpos leaves its range
//   }
//
// Actions are in [-1, 1] per actuator (clipped) and map linearly onto the actuator's
// ctrlrange, which must be limited. The observation is, in order: qpos without the excluded
// joints' coordinates, all of qvel, then for each distance term goal - point over its axes.
// Unknown keys, names the model lacks and ranges that are empty are errors (one line, naming
// the file and the key), so a typo never runs a different task.

#ifndef MJHYBRID_RL_TASK_H_
#define MJHYBRID_RL_TASK_H_

#include <mujoco/mujoco.h>

#include <string>
#include <utility>
#include <vector>

#include "scene/episode_start.h"

namespace mjhybrid::rl {

struct RewardTerm {
  enum Kind { kDistance, kVelocity, kCtrl, kAlive } kind = kAlive;
  double weight = 0;
  // distance: a site or a body, the goal, the axes (0, 1, 2 for x, y, z)
  std::string site, body;
  double goal[3] = {0, 0, 0};
  std::vector<int> axes;
  // velocity: the joint
  std::string joint;
};

struct JointRange {
  std::string joint;
  double lo = 0, hi = 0;
};

struct TaskSpec {
  std::string path;  // the task.json it came from
  std::string name, about;
  double control_dt = 0;
  int horizon = 0;
  scene::EpisodeStart reset;  // qvel 0 unless given
  std::vector<std::string> exclude;
  std::vector<RewardTerm> reward;
  std::vector<JointRange> terminate;
};

// reads and checks the file's grammar; throws std::runtime_error with one line otherwise
TaskSpec LoadTaskSpec(const std::string& path);

// A task bound to one compiled model: names resolved to ids and addresses. Throws one line
// when the model lacks a name, an actuator is not ctrl-limited, or control_dt is not a whole
// number of the model's timesteps.
class Task {
 public:
  Task(TaskSpec spec, const mjModel* m);

  const TaskSpec& spec() const { return spec_; }
  int observation_size() const { return observation_size_; }
  int action_size() const { return action_size_; }
  int substeps() const { return substeps_; }  // physics steps per action

  // a fresh episode of m (this task's model, or a variant of it with the same layout):
  // mj_resetData, the reset distribution, mj_forward. rng->Uniform() draws from [0, 1) and
  // rng->Gauss() from N(0, 1), so the caller owns the randomness. Draws: one uniform per named
  // joint, then per placed free joint two for xy, one for z when its range is not a point and
  // one for yaw; one normal per dof (hinge/slide ones scaled by qvel, a free joint's by its
  // placement's vel and angvel).
  template <typename Rng>
  void Reset(const mjModel* m, mjData* d, Rng* rng) const;
  // ctrl[nu] from actions in [-1, 1] (clipped), and the same written into d->ctrl
  void ActionToCtrl(const double* action, double* ctrl) const;
  void ApplyAction(const double* action, mjData* d) const { ActionToCtrl(action, d->ctrl); }
  void Observe(const mjData* d, double* obs) const;
  // the reward of the action just taken, and whether the state ends the episode
  double Reward(const mjData* d, const double* action) const;
  bool Terminated(const mjData* d) const;

 private:
  void ResetWith(const mjModel* m, mjData* d, const std::vector<double>& uniform,
                 const std::vector<double>& normal) const;
  int RandomCount() const;  // how many uniform draws a reset takes (normal: nv)

  struct BoundTerm {
    const RewardTerm* term;
    int site = -1, body = -1, dof = -1;
  };
  struct BoundRange {
    int qpos = -1;
    double lo = 0, hi = 0;
  };
  struct BoundFree {
    int qpos = -1, dof = -1;
    scene::FreePlacement placement;
  };

  TaskSpec spec_;
  const mjModel* m_;
  int substeps_ = 1, observation_size_ = 0, action_size_ = 0;
  std::vector<int> observed_qpos_;
  std::vector<BoundTerm> terms_;
  std::vector<BoundRange> reset_joints_, terminate_;
  std::vector<int> reset_qvel_dofs_;
  std::vector<BoundFree> reset_free_;
};

template <typename Rng>
void Task::Reset(const mjModel* m, mjData* d, Rng* rng) const {
  std::vector<double> uniform(RandomCount()), normal(m_->nv);
  for (double& u : uniform) u = rng->Uniform();
  for (double& g : normal) g = rng->Gauss();
  ResetWith(m, d, uniform, normal);
}

// the task.json beside a scene's MJCF files ("" when the folder has none)
std::string TaskPathOfScene(const std::string& scene_folder);

}  // namespace mjhybrid::rl

#endif  // MJHYBRID_RL_TASK_H_
