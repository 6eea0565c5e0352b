// Proximal policy optimization (Schulman et al. 2017) in LibTorch over a VecEnv: clipped
// surrogate objective, generalized advantage estimation, observation normalization and reward
// scaling by the running spread of discounted returns, linear learning-rate decay. Truncated
// episodes are bootstrapped with the value of their last observation; terminated ones are not.
// The numerics of an update are functions of their own (rl/ppo_math.h).
//
// Scoring is the caller's: every eval_every environment steps the trainer hands the current
// policy to `evaluate` (which, in the transfer study, runs it on real.xml) and records the
// point; it also writes a checkpoint there when checkpoint_dir is set, and the training state
// when state_path is (with the state of `scorers`, the environments `evaluate` steps).

#ifndef MJHYBRID_RL_PPO_H_
#define MJHYBRID_RL_PPO_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rl/policy.h"
#include "rl/vec_env.h"
#include "scene/run_journal.h"

namespace mjhybrid::rl {

struct PpoOptions {
  long total_steps = 200000;  // environment steps (actions x copies)
  int rollout = 64;           // actions per copy between updates
  int epochs = 10;
  int minibatch = 128;
  double learning_rate = 1e-3;
  double gamma = 0.98, lambda = 0.95;
  double clip = 0.2;
  double value_coef = 0.5, entropy_coef = 0.0;
  double max_grad_norm = 0.5;
  std::vector<int> hidden = {64, 64};
  double initial_std = 0.3;  // exploration noise at the start, in action units
  uint64_t seed = 0;
  long eval_every = 0;  // 0: only at the end
  std::string checkpoint_dir;
  // "": none. Else the whole training state (rl/ppo_state.h) is written here at every score,
  // with `command_line`, so that a stopped run resumes from its last score
  std::string state_path;
  scene::RunCommandLine command_line;
  bool resume = false;  // start from state_path instead of from scratch
  bool progress = true;
  std::string label;    // prefix of the progress lines
};

struct ReturnStats {
  double mean = 0, std = 0;
  int episodes = 0;
};

struct CurvePoint {
  long steps = 0;
  ReturnStats score;
};

struct PpoResult {
  Policy policy;
  std::vector<CurvePoint> curve;  // the evaluations, the last one at total_steps
  double seconds = 0;
  long diverged = 0;              // training episodes ended by a diverged simulation
};

using PolicyScore = std::function<ReturnStats(Policy*)>;

PpoResult TrainPpo(VecEnv* env, const PolicySignature& signature, const PpoOptions& options,
                   const PolicyScore& evaluate, const std::vector<VecEnv*>& scorers = {});

// one episode in each copy of `env` (after a reset), acting with act(obs[N x obs], actions[N x
// nu]); the returns of those episodes
using Controller = std::function<void(const VecEnv& env, const double* obs, double* actions)>;
std::vector<double> RunEpisodes(VecEnv* env, const Controller& act);
ReturnStats Summarize(const std::vector<double>& returns);

// the policy's deterministic action in every copy
Controller PolicyController(Policy* policy);

}  // namespace mjhybrid::rl

#endif  // MJHYBRID_RL_PPO_H_
