#include "rl/ppo.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <numeric>

namespace mjhybrid::rl {

namespace {

double Now() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

torch::Tensor FromRows(const std::vector<double>& v, long rows, long cols) {
  return torch::from_blob(const_cast<double*>(v.data()), {rows, cols}, torch::kFloat64).clone();
}

// running variance of the discounted return, per copy: rewards are divided by its square
// root, so that one set of hyperparameters suits rewards of any scale
struct ReturnScale {
  explicit ReturnScale(int n) : running(n, 0) {}
  void Update(const std::vector<double>& reward, const std::vector<uint8_t>& done, double gamma) {
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
  double scale() const { return count > 1 ? 1.0 / std::sqrt(m2 / count + 1e-8) : 1.0; }
  std::vector<double> running;
  double mean = 0, m2 = 0;
  long count = 0;
};

}  // namespace

ReturnStats Summarize(const std::vector<double>& returns) {
  ReturnStats s;
  s.episodes = static_cast<int>(returns.size());
  if (returns.empty()) return s;
  s.mean = std::accumulate(returns.begin(), returns.end(), 0.0) / returns.size();
  double sq = 0;
  for (double r : returns) sq += (r - s.mean) * (r - s.mean);
  s.std = std::sqrt(sq / returns.size());
  return s;
}

std::vector<double> RunEpisodes(VecEnv* env, const Controller& act) {
  const int n = env->num_envs();
  std::vector<double> returns(n, 0), actions(static_cast<size_t>(n) * env->action_size());
  std::vector<uint8_t> finished(n, 0);
  env->Reset();
  int running = n;
  while (running > 0) {
    act(*env, env->observation().data(), actions.data());
    env->Step(actions.data());
    for (int i = 0; i < n; ++i) {
      if (finished[i]) continue;
      returns[i] += env->reward()[i];
      if (env->terminated()[i] || env->truncated()[i]) {
        finished[i] = 1;
        --running;
      }
    }
  }
  return returns;
}

Controller PolicyController(Policy* policy) {
  return [policy](const VecEnv& env, const double* obs, double* actions) {
    const int n = env.num_envs(), no = env.observation_size(), na = env.action_size();
    for (int i = 0; i < n; ++i) policy->Act(obs + static_cast<size_t>(i) * no, actions + static_cast<size_t>(i) * na);
  };
}

PpoResult TrainPpo(VecEnv* env, const PolicySignature& signature, const PpoOptions& o, const PolicyScore& evaluate) {
  torch::NoGradGuard outer_no_grad;  // re-enabled only around the loss
  // tiny networks: OpenMP's synchronization costs more than it saves, and collapses under load
  torch::set_num_threads(1);
  const int n = env->num_envs(), no = env->observation_size(), na = env->action_size();
  const long T = o.rollout, batch = T * n;
  PpoResult result;
  result.policy = MakePolicy(signature, o.hidden, o.seed);
  ActorCritic& net = result.policy.net;
  net->log_std().fill_(std::log(o.initial_std));
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(o.learning_rate).eps(1e-5));
  torch::Generator generator = at::detail::createCPUGenerator(o.seed + 17);

  torch::Tensor obs_buf = torch::zeros({T, n, no}), act_buf = torch::zeros({T, n, na});
  torch::Tensor logp_buf = torch::zeros({T, n}), rew_buf = torch::zeros({T, n});
  torch::Tensor done_buf = torch::zeros({T, n}), val_buf = torch::zeros({T, n});
  ReturnScale scale(n);
  std::vector<double> episode_return(n, 0), actions(static_cast<size_t>(n) * na);
  std::deque<double> recent;  // returns of the last finished training episodes (unscaled)

  const double start = Now();
  double last_print = start;
  long next_eval = o.eval_every > 0 ? o.eval_every : o.total_steps;
  env->Reset();
  const long updates = std::max(1L, o.total_steps / batch);
  const auto score = [&](long steps) {
    CurvePoint point{steps, evaluate ? evaluate(&result.policy) : ReturnStats{}};
    result.curve.push_back(point);
    if (!o.checkpoint_dir.empty()) {
      std::filesystem::create_directories(o.checkpoint_dir);
      SavePolicy(result.policy, o.checkpoint_dir + "/policy-" + std::to_string(steps) + ".pt");
    }
    if (o.progress) {
      std::printf("[%s] %8ld steps  score %.4g ± %.2g (%d episodes)\n", o.label.c_str(), steps, point.score.mean,
                  point.score.std, point.score.episodes);
      std::fflush(stdout);
    }
  };

  for (long update = 0; update < updates; ++update) {
    // collect a rollout with the current stochastic policy
    for (long t = 0; t < T; ++t) {
      const torch::Tensor raw = FromRows(env->observation(), n, no);
      net->UpdateNormalizer(raw);
      const torch::Tensor x = net->Normalize(raw);
      const torch::Tensor mean = net->MeanOfNormalized(x);
      const torch::Tensor a = mean + torch::exp(net->log_std()) * torch::randn(mean.sizes(), generator);
      const torch::Tensor logp = net->LogProbEntropy(x, a).first;
      obs_buf[t] = x;
      act_buf[t] = a;
      logp_buf[t] = logp;
      val_buf[t] = net->ValueOfNormalized(x);
      const torch::Tensor a64 = a.to(torch::kFloat64).contiguous();
      std::copy(a64.data_ptr<double>(), a64.data_ptr<double>() + static_cast<size_t>(n) * na, actions.begin());
      env->Step(actions.data());

      std::vector<uint8_t> done(n);
      for (int i = 0; i < n; ++i) done[i] = env->terminated()[i] || env->truncated()[i];
      scale.Update(env->reward(), done, o.gamma);
      const double s = scale.scale();
      // the scaled rewards; a truncated episode would have gone on, so its tail is worth the
      // value of where it stopped
      std::vector<double> reward(n), ended(n);
      bool any_truncated = false;
      for (int i = 0; i < n; ++i) {
        reward[i] = env->reward()[i] * s;
        ended[i] = done[i] ? 1.0 : 0.0;
        any_truncated = any_truncated || env->truncated()[i];
        episode_return[i] += env->reward()[i];
        if (done[i]) {
          recent.push_back(episode_return[i]);
          if (recent.size() > 50) recent.pop_front();
          episode_return[i] = 0;
        }
      }
      if (any_truncated) {
        const torch::Tensor last = FromRows(env->final_observation(), n, no);
        const torch::Tensor v = net->ValueOfNormalized(net->Normalize(last)).contiguous();
        for (int i = 0; i < n; ++i) {
          if (env->truncated()[i]) reward[i] += o.gamma * static_cast<double>(v.data_ptr<float>()[i]);
        }
      }
      rew_buf[t] = torch::from_blob(reward.data(), {n}, torch::kFloat64).to(torch::kFloat32);
      done_buf[t] = torch::from_blob(ended.data(), {n}, torch::kFloat64).to(torch::kFloat32);
    }

    // generalized advantage estimates, backwards through the rollout
    const torch::Tensor next_value = net->ValueOfNormalized(net->Normalize(FromRows(env->observation(), n, no)));
    torch::Tensor advantages = torch::zeros({T, n});
    torch::Tensor running = torch::zeros({n});
    for (long t = T - 1; t >= 0; --t) {
      const torch::Tensor not_done = 1 - done_buf[t];
      const torch::Tensor next = t == T - 1 ? next_value : val_buf[t + 1];
      const torch::Tensor delta = rew_buf[t] + o.gamma * next * not_done - val_buf[t];
      running = delta + o.gamma * o.lambda * not_done * running;
      advantages[t] = running;
    }
    const torch::Tensor returns = (advantages + val_buf).reshape({batch});
    const torch::Tensor adv = advantages.reshape({batch});
    const torch::Tensor x_all = obs_buf.reshape({batch, no}), a_all = act_buf.reshape({batch, na});
    const torch::Tensor logp_all = logp_buf.reshape({batch});

    // the clipped surrogate, several epochs of minibatches
    const double lr = o.learning_rate * (1.0 - static_cast<double>(update) / updates);
    for (auto& group : adam.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    for (int epoch = 0; epoch < o.epochs; ++epoch) {
      const torch::Tensor order = torch::randperm(batch, generator, torch::kLong);
      for (long b = 0; b < batch; b += o.minibatch) {
        const torch::Tensor idx = order.slice(0, b, std::min(batch, b + o.minibatch));
        torch::Tensor mb_adv = adv.index_select(0, idx);
        mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8);
        torch::AutoGradMode grad(true);
        const torch::Tensor x = x_all.index_select(0, idx);
        const auto [logp, entropy] = net->LogProbEntropy(x, a_all.index_select(0, idx));
        const torch::Tensor ratio = torch::exp(logp - logp_all.index_select(0, idx));
        const torch::Tensor surrogate =
            torch::min(ratio * mb_adv, torch::clamp(ratio, 1 - o.clip, 1 + o.clip) * mb_adv);
        const torch::Tensor value_loss = 0.5 * (net->ValueOfNormalized(x) - returns.index_select(0, idx)).pow(2).mean();
        const torch::Tensor loss = -surrogate.mean() + o.value_coef * value_loss - o.entropy_coef * entropy.mean();
        adam.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(net->parameters(), o.max_grad_norm);
        adam.step();
      }
    }

    const long steps = env->steps();
    if (o.progress && (Now() - last_print > 2 || update + 1 == updates)) {
      const double mean_return =
          recent.empty() ? 0 : std::accumulate(recent.begin(), recent.end(), 0.0) / recent.size();
      std::printf("[%s] %8ld / %ld steps  %6.0f steps/s  training return %.4g  diverged %ld\n", o.label.c_str(), steps,
                  o.total_steps, steps / (Now() - start), mean_return, env->diverged());
      std::fflush(stdout);
      last_print = Now();
    }
    if (steps >= next_eval && update + 1 < updates) {
      score(steps);
      next_eval += o.eval_every;
    }
  }
  score(env->steps());
  result.seconds = Now() - start;
  result.diverged = env->diverged();
  return result;
}

}  // namespace mjhybrid::rl
