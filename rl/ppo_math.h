// The numerics of one PPO update (rl/ppo.h), as functions of plain tensors and vectors so that
// tests can call them on hand-computed numbers; TrainPpo strings them together.
//
// Conventions: a rollout is time-major, T steps of n environment copies, float32 tensors
// [T x n]. done[t] is 1 when copy i's episode ended at step t (terminated or truncated; the
// copy was reset, so step t + 1 belongs to a new episode), else 0. Rewards reaching the
// advantages are already scaled (ReturnScale) and bootstrapped (BootstrapTruncated). A
// minibatch is 1-D over its samples. The observation normalizer is the policy's
// (ActorCriticImpl::UpdateNormalizer, rl/policy.h).

#ifndef MJHYBRID_RL_PPO_MATH_H_
#define MJHYBRID_RL_PPO_MATH_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace mjhybrid::rl {

// Running variance of the discounted return, per copy: rewards are multiplied by scale(), one
// over its square root, so that one set of hyperparameters suits rewards of any scale. The
// mean and variance are Welford's over all copies and steps; a copy's running return restarts
// at 0 after its episode ends.
struct ReturnScale {
  explicit ReturnScale(int n) : running(n, 0) {}
  void Update(const std::vector<double>& reward, const std::vector<uint8_t>& done, double gamma);
  // 1 / sqrt(variance + 1e-8); 1 until two returns have been seen
  double scale() const;

  std::vector<double> running;  // the discounted return of each copy's current episode
  double mean = 0, m2 = 0;
  long count = 0;
};

// A truncated episode would have gone on: its last reward gains gamma times the value of the
// observation it stopped at (`final_value`, float32 [n]). Terminated episodes gain nothing.
void BootstrapTruncated(const std::vector<uint8_t>& truncated, const torch::Tensor& final_value, double gamma,
                        std::vector<double>* reward);

// Generalized advantage estimation (Schulman et al. 2016), backwards through the rollout:
//   delta_t = r_t + gamma V_{t+1} (1 - done_t) - V_t
//   A_t     = delta_t + gamma lambda (1 - done_t) A_{t+1}
// with V_T = `next_value` [n] (the value of the observation after the last step). The value
// targets are A + V.
torch::Tensor GeneralizedAdvantages(const torch::Tensor& reward, const torch::Tensor& done,
                                    const torch::Tensor& value, const torch::Tensor& next_value, double gamma,
                                    double lambda);

// The learning rate of update `update` (0-based) of `updates`: linear decay from `initial`
// towards 0.
double LearningRate(double initial, long update, long updates);

// A minibatch's advantages shifted to mean 0 and scaled to (sample) standard deviation 1.
torch::Tensor NormalizeAdvantages(const torch::Tensor& advantages);

// The loss one minibatch minimizes: the negated clipped surrogate objective,
//   -mean(min(rho A, clamp(rho, 1 - clip, 1 + clip) A)),   rho = exp(logp - old_logp),
// plus value_coef times half the mean squared error of `value` against `returns`, minus
// entropy_coef times the mean entropy. `advantages` are already normalized.
torch::Tensor PpoLoss(const torch::Tensor& logp, const torch::Tensor& old_logp, const torch::Tensor& advantages,
                      const torch::Tensor& entropy, const torch::Tensor& value, const torch::Tensor& returns,
                      double clip, double value_coef, double entropy_coef);

}  // namespace mjhybrid::rl

#endif  // MJHYBRID_RL_PPO_MATH_H_
