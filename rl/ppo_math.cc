#include "rl/ppo_math.h"

#include <cmath>

namespace mjhybrid::rl {

void ReturnScale::Update(const std::vector<double>& reward, const std::vector<uint8_t>& done, double gamma) {
  for (size_t i = 0; i < running.size(); ++i) {
    running[i] = running[i] * gamma + reward[i];
    // Welford over all copies and steps
    ++count;
    const double delta = running[i] - mean;
    mean += delta / count;
    m2 += delta * (running[i] - mean);
    if (done[i]) running[i] = 0;
  }
}

double ReturnScale::scale() const { return count > 1 ? 1.0 / std::sqrt(m2 / count + 1e-8) : 1.0; }

void BootstrapTruncated(const std::vector<uint8_t>& truncated, const torch::Tensor& final_value, double gamma,
                        std::vector<double>* reward) {
  const torch::Tensor v = final_value.contiguous();
  for (size_t i = 0; i < reward->size(); ++i) {
    if (truncated[i]) (*reward)[i] += gamma * static_cast<double>(v.data_ptr<float>()[i]);
  }
}

torch::Tensor GeneralizedAdvantages(const torch::Tensor& reward, const torch::Tensor& done,
                                    const torch::Tensor& value, const torch::Tensor& next_value, double gamma,
                                    double lambda) {
  const long T = reward.size(0);
  torch::Tensor advantages = torch::zeros(reward.sizes());
  torch::Tensor running = torch::zeros({reward.size(1)});
  for (long t = T - 1; t >= 0; --t) {
    const torch::Tensor not_done = 1 - done[t];
    const torch::Tensor next = t == T - 1 ? next_value : value[t + 1];
    const torch::Tensor delta = reward[t] + gamma * next * not_done - value[t];
    running = delta + gamma * lambda * not_done * running;
    advantages[t] = running;
  }
  return advantages;
}

double LearningRate(double initial, long update, long updates) {
  return initial * (1.0 - static_cast<double>(update) / updates);
}

torch::Tensor NormalizeAdvantages(const torch::Tensor& advantages) {
  return (advantages - advantages.mean()) / (advantages.std() + 1e-8);
}

torch::Tensor PpoLoss(const torch::Tensor& logp, const torch::Tensor& old_logp, const torch::Tensor& advantages,
                      const torch::Tensor& entropy, const torch::Tensor& value, const torch::Tensor& returns,
                      double clip, double value_coef, double entropy_coef) {
  const torch::Tensor ratio = torch::exp(logp - old_logp);
  const torch::Tensor surrogate = torch::min(ratio * advantages, torch::clamp(ratio, 1 - clip, 1 + clip) * advantages);
  const torch::Tensor value_loss = 0.5 * (value - returns).pow(2).mean();
  return -surrogate.mean() + value_coef * value_loss - entropy_coef * entropy.mean();
}

}  // namespace mjhybrid::rl
