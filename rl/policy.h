// A Gaussian policy and its value function (LibTorch), as PPO trains them: observations are
// normalized with running statistics of the training environment, the actor's tanh MLP gives
// the mean action, a state-independent log standard deviation the exploration noise. Acting
// deterministically (the mean, clipped to [-1, 1]) is how a policy is scored.
//
// A checkpoint (one .pt file, LibTorch's archive) holds the weights, the normalizer and a
// signature: the scene and task it was trained for and the observation and action sizes. A
// policy loaded for another scene or task is refused with one line.

#ifndef MJHYBRID_RL_POLICY_H_
#define MJHYBRID_RL_POLICY_H_

#include <torch/torch.h>

#include <string>
#include <vector>

namespace mjhybrid::rl {

struct PolicySignature {
  std::string scene;  // the scene folder's name, e.g. "arm2"
  std::string task;   // the task's name, e.g. "reach"
  int observation_size = 0;
  int action_size = 0;
};

class ActorCriticImpl : public torch::nn::Module {
 public:
  ActorCriticImpl(int observation_size, int action_size, const std::vector<int>& hidden);

  // observations [B x obs], raw: normalized here with the stored statistics
  torch::Tensor Normalize(const torch::Tensor& obs) const;
  torch::Tensor Mean(const torch::Tensor& obs) { return MeanOfNormalized(Normalize(obs)); }  // [B x act]
  // the same on observations already normalized (PPO stores them so, so that an update sees
  // exactly what the rollout saw while the statistics move on)
  torch::Tensor MeanOfNormalized(const torch::Tensor& x);   // [B x act], unclipped
  torch::Tensor ValueOfNormalized(const torch::Tensor& x);  // [B]
  // log-density of actions under N(mean, std) and the entropy, per row
  std::pair<torch::Tensor, torch::Tensor> LogProbEntropy(const torch::Tensor& x, const torch::Tensor& actions);
  torch::Tensor log_std() const { return log_std_; }

  // running mean and variance of the observations (Chan's parallel update)
  void UpdateNormalizer(const torch::Tensor& obs);

 private:
  torch::nn::Sequential actor_{nullptr}, critic_{nullptr};
  torch::Tensor log_std_;
  torch::Tensor obs_mean_, obs_var_, obs_count_;  // buffers: saved with the weights
};
TORCH_MODULE(ActorCritic);

struct Policy {
  PolicySignature signature;
  std::vector<int> hidden;
  ActorCritic net{nullptr};

  // the deterministic action for one observation; throws one line on a non-finite observation
  void Act(const double* obs, double* action);
};

Policy MakePolicy(const PolicySignature& signature, const std::vector<int>& hidden, uint64_t seed);
void SavePolicy(const Policy& policy, const std::string& path);
// throws one line when the file is missing or corrupt, or when `expected` (if its scene or task
// is non-empty) does not match what the policy was trained for
Policy LoadPolicy(const std::string& path, const PolicySignature& expected);

}  // namespace mjhybrid::rl

#endif  // MJHYBRID_RL_POLICY_H_
