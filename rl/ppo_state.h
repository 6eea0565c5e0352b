// PPO's training state between two updates, so that a policy-train stopped at any moment
// resumes where its last score left it and ends with the policy an uninterrupted run gives,
// bit for bit. One LibTorch archive, written whole or not at all at every score:
//
//   the network (weights and observation normalizer), Adam's moments and step counts, the
//   sampling generator, the reward scale, the recent training returns, the update the run is
//   at, the learning curve so far, the training environment's state and that of every
//   environment the caller scores with (rl/vec_env.h SaveState), and the command line that
//   started the run (scene/run_journal.h RunCommandLine), so that --resume can run it again.

#ifndef MJHYBRID_RL_PPO_STATE_H_
#define MJHYBRID_RL_PPO_STATE_H_

#include <torch/torch.h>

#include <deque>
#include <string>
#include <vector>

#include "rl/policy.h"
#include "rl/ppo.h"
#include "rl/ppo_math.h"
#include "rl/vec_env.h"
#include "scene/run_journal.h"

namespace mjhybrid::rl {

// the unscaled returns of the last 50 finished training episodes, for the progress line
struct TrainingReturns {
  explicit TrainingReturns(int n) : episode(n, 0) {}
  void Add(const std::vector<double>& reward, const std::vector<uint8_t>& done);
  double Mean() const;
  std::vector<double> episode;  // the running return of each copy's current episode
  std::deque<double> recent;
};

// what TrainPpo carries from one update to the next, besides the network, the optimizer, the
// generator and the environments
struct PpoProgress {
  explicit PpoProgress(int copies) : scale(copies), training(copies) {}
  long update = 0;     // the next update to run
  long next_eval = 0;  // environment steps at the next score
  double seconds = 0;  // training time before this session
  std::vector<CurvePoint> curve;
  ReturnScale scale;
  TrainingReturns training;
};

// the training-state file of the policy written to `policy_path`: POLICY.pt -> POLICY.state.pt
std::string PpoStatePath(const std::string& policy_path);

// writes the state to `path` (whole or not at all); throws one line when it cannot
void SavePpoState(const std::string& path, const scene::RunCommandLine& command_line, const ActorCritic& net,
                  const torch::optim::Adam& adam, const torch::Generator& generator, const PpoProgress& progress,
                  const VecEnv& env, const std::vector<VecEnv*>& scorers);

// restores a state into objects made as the run that saved it made them; throws one line when
// the file is missing, corrupt, or for another network, environment or scorers
void LoadPpoState(const std::string& path, ActorCritic& net, torch::optim::Adam& adam, torch::Generator& generator,
                  PpoProgress* progress, VecEnv* env, const std::vector<VecEnv*>& scorers);

// the command line recorded in a state file; throws one line when there is none
scene::RunCommandLine ReadPpoStateCommandLine(const std::string& path);

}  // namespace mjhybrid::rl

#endif  // MJHYBRID_RL_PPO_STATE_H_
