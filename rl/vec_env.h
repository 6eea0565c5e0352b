// A vectorized environment: N mjData of one mjModel running a scene's task, stepped on a small
// thread pool. The model is any of the scene's worlds (sim.xml, hybrid.xml with the residual
// plugin, real.xml, or a perturbed copy of sim.xml for domain randomization); the plugin runs
// inside mj_step like everywhere else, and its state lives in each mjData.
//
// Conventions (as Gymnasium's vector environments): actions are row-major [N x nu] in [-1, 1];
// an episode that ends (terminated, or truncated at the task's horizon) is reset at once, the
// observation returned for it is the first of the next episode, and the last observation of
// the one that ended is kept in final_observation (for value bootstrapping). Each environment
// has its own random stream (seed + index), so results do not depend on the thread count.
//
// A simulation that diverges (non-finite state, or a MuJoCo instability warning) ends its
// episode as terminated with reward 0 and is counted in diverged(): a policy may drive a
// learned simulator where it was never trained, and that must show, not crash a run.

#ifndef MJHYBRID_RL_VEC_ENV_H_
#define MJHYBRID_RL_VEC_ENV_H_

#include <mujoco/mujoco.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "scene/mujoco_util.h"
#include "rl/task.h"
#include "rl/thread_pool.h"

namespace mjhybrid::rl {

// uniform and normal draws for Task::Reset
struct EnvRng {
  explicit EnvRng(uint64_t seed) : engine(seed) {}
  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(engine); }
  double Gauss() { return std::normal_distribution<double>(0, 1)(engine); }
  std::mt19937_64 engine;
};

class VecEnv {
 public:
  // takes ownership of compiled models of one layout (several: copy i runs model i % count,
  // e.g. domain-randomized variants); throws one line when the task does not fit them
  VecEnv(std::vector<ModelPtr> models, const TaskSpec& task, int num_envs, int threads, uint64_t seed);

  int num_envs() const { return static_cast<int>(data_.size()); }
  int observation_size() const { return task_.observation_size(); }
  int action_size() const { return task_.action_size(); }
  const Task& task() const { return task_; }
  const mjModel* model(int i = 0) const { return models_[i % models_.size()].get(); }
  // what sensors see of copy i: qpos, qvel, time (read only)
  const mjData* data(int i) const { return data_[i].get(); }

  // resets every environment; observations [N x obs]
  const std::vector<double>& Reset();
  // one action per environment; afterwards observation(), reward(), terminated(), truncated()
  void Step(const double* actions);

  const std::vector<double>& observation() const { return obs_; }
  const std::vector<double>& final_observation() const { return final_obs_; }
  const std::vector<double>& reward() const { return reward_; }
  const std::vector<uint8_t>& terminated() const { return terminated_; }
  const std::vector<uint8_t>& truncated() const { return truncated_; }
  // the residual ensemble's disagreement in the last step of each environment (0 without one)
  const std::vector<double>& disagreement() const { return disagreement_; }

  long diverged() const;          // episodes ended by a diverged simulation, since construction
  long steps() const { return steps_; }  // environment steps taken (actions x N)

  // Everything that decides what the copies do next, as text: each mjData's integration state
  // (mj_getState: positions, velocities, activations, warm start, controls, plugin state, time),
  // each random stream, the episode counters and the last step's outputs. An environment made
  // the same way and given this state steps on bit for bit as this one would (a resumed
  // training run, rl/ppo_state.h). Restore throws one line when the state is not for this
  // environment's copies and model layout.
  std::string SaveState() const;
  void RestoreState(const std::string& state);

 private:
  void StepOne(int i, const double* action);
  void ResetOne(int i);

  std::vector<ModelPtr> models_;
  Task task_;
  std::vector<DataPtr> data_;
  std::vector<EnvRng> rng_;
  std::vector<int> t_;  // actions taken in the current episode
  std::vector<double> obs_, final_obs_, reward_, disagreement_;
  std::vector<uint8_t> terminated_, truncated_;
  std::vector<long> diverged_;
  int residual_instance_ = -1;
  long steps_ = 0;
  ThreadPool pool_;
};

// loads one of a scene's files with the task beside it (scene/task.json); throws one line
std::unique_ptr<VecEnv> MakeSceneEnv(const std::string& model_path, const std::string& task_path,
                                     int num_envs, int threads, uint64_t seed);

}  // namespace mjhybrid::rl

#endif  // MJHYBRID_RL_VEC_ENV_H_
