#include "rl/ppo.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "rl/ppo_math.h"
#include "rl/ppo_state.h"

namespace mjhybrid::rl {

namespace {

double Now() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

torch::Tensor FromRows(const std::vector<double>& v, long rows, long cols) {
  return torch::from_blob(const_cast<double*>(v.data()), {rows, cols}, torch::kFloat64).clone();
}

// what one rollout saw and did, [T x n (x size)]: observations as the policy saw them
// (normalized), so that an update sees exactly that while the statistics move on
struct Rollout {
  Rollout(long steps, int n, int no, int na)
      : obs(torch::zeros({steps, n, no})), actions(torch::zeros({steps, n, na})), logp(torch::zeros({steps, n})),
        reward(torch::zeros({steps, n})), done(torch::zeros({steps, n})), value(torch::zeros({steps, n})) {}
  long steps() const { return obs.size(0); }
  torch::Tensor obs, actions, logp, reward, done, value;
};

// one rollout with the current stochastic policy; the stored rewards are scaled by the running
// return spread and truncated episodes bootstrapped with the value of where they stopped
void CollectRollout(VecEnv* env, ActorCritic& net, torch::Generator& generator, double gamma, ReturnScale* scale,
                    TrainingReturns* training, Rollout* rollout) {
  const int n = env->num_envs(), no = env->observation_size(), na = env->action_size();
  std::vector<double> actions(static_cast<size_t>(n) * na);
  for (long t = 0; t < rollout->steps(); ++t) {
    const torch::Tensor raw = FromRows(env->observation(), n, no);
    net->UpdateNormalizer(raw);
    const torch::Tensor x = net->Normalize(raw);
    const torch::Tensor mean = net->MeanOfNormalized(x);
    const torch::Tensor a = mean + torch::exp(net->log_std()) * torch::randn(mean.sizes(), generator);
    const torch::Tensor logp = net->LogProbEntropy(x, a).first;
    rollout->obs[t] = x;
    rollout->actions[t] = a;
    rollout->logp[t] = logp;
    rollout->value[t] = net->ValueOfNormalized(x);
    const torch::Tensor a64 = a.to(torch::kFloat64).contiguous();
    std::copy(a64.data_ptr<double>(), a64.data_ptr<double>() + static_cast<size_t>(n) * na, actions.begin());
    env->Step(actions.data());

    // the rewards scaled by the running spread of returns; a truncated episode would have gone
    // on, so its tail is worth the value of where it stopped
    std::vector<uint8_t> done(n);
    for (int i = 0; i < n; ++i) done[i] = env->terminated()[i] || env->truncated()[i];
    scale->Update(env->reward(), done, gamma);
    const double s = scale->scale();
    std::vector<double> reward(n), ended(n);
    for (int i = 0; i < n; ++i) {
      reward[i] = env->reward()[i] * s;
      ended[i] = done[i] ? 1.0 : 0.0;
    }
    training->Add(env->reward(), done);
    const std::vector<uint8_t>& truncated = env->truncated();
    if (std::any_of(truncated.begin(), truncated.end(), [](uint8_t x) { return x != 0; })) {
      const torch::Tensor last = FromRows(env->final_observation(), n, no);
      BootstrapTruncated(truncated, net->ValueOfNormalized(net->Normalize(last)), gamma, &reward);
    }
    rollout->reward[t] = torch::from_blob(reward.data(), {n}, torch::kFloat64).to(torch::kFloat32);
    rollout->done[t] = torch::from_blob(ended.data(), {n}, torch::kFloat64).to(torch::kFloat32);
  }
}

// a rollout flattened to one batch of samples, with its advantages and value targets
struct Batch {
  torch::Tensor obs, actions, logp, advantages, returns;
};

// several epochs over the batch in minibatches of a fresh random order, one Adam step on the
// clipped loss per minibatch
void Optimize(ActorCritic& net, torch::optim::Adam* adam, torch::Generator& generator, const Batch& batch,
              const PpoOptions& o) {
  const long size = batch.advantages.size(0);
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(size, generator, torch::kLong);
    for (long b = 0; b < size; b += o.minibatch) {
      const torch::Tensor idx = order.slice(0, b, std::min(size, b + o.minibatch));
      const torch::Tensor advantages = NormalizeAdvantages(batch.advantages.index_select(0, idx));
      torch::AutoGradMode grad(true);
      const torch::Tensor x = batch.obs.index_select(0, idx);
      const auto [logp, entropy] = net->LogProbEntropy(x, batch.actions.index_select(0, idx));
      const torch::Tensor loss = PpoLoss(logp, batch.logp.index_select(0, idx), advantages, entropy,
                                         net->ValueOfNormalized(x), batch.returns.index_select(0, idx), o.clip,
                                         o.value_coef, o.entropy_coef);
      adam->zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(net->parameters(), o.max_grad_norm);
      adam->step();
    }
  }
}

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

PpoResult TrainPpo(VecEnv* env, const PolicySignature& signature, const PpoOptions& o, const PolicyScore& evaluate,
                   const std::vector<VecEnv*>& scorers) {
  torch::NoGradGuard outer_no_grad;  // re-enabled only around the loss
  // tiny networks: OpenMP's synchronization costs more than it saves, and collapses under load
  torch::set_num_threads(1);
  const int n = env->num_envs(), no = env->observation_size();
  const long T = o.rollout, batch = T * n;
  PpoResult result;
  result.policy = MakePolicy(signature, o.hidden, o.seed);
  ActorCritic& net = result.policy.net;
  net->log_std().fill_(std::log(o.initial_std));
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(o.learning_rate).eps(1e-5));
  torch::Generator generator = at::detail::createCPUGenerator(o.seed + 17);

  Rollout rollout(T, n, no, env->action_size());
  PpoProgress state(n);
  state.next_eval = o.eval_every > 0 ? o.eval_every : o.total_steps;
  if (o.resume) {
    LoadPpoState(o.state_path, net, adam, generator, &state, env, scorers);
    if (o.progress) {
      std::printf("[%s] resuming from %s at %ld steps\n", o.label.c_str(), o.state_path.c_str(), env->steps());
    }
  } else {
    env->Reset();
  }
  ReturnScale& scale = state.scale;
  TrainingReturns& training = state.training;
  const double start = Now();
  const long first_steps = env->steps();
  double last_print = start;
  const long updates = std::max(1L, o.total_steps / batch);
  // the caller's score of the current policy, a point of the curve, a checkpoint
  const auto score = [&](long steps) {
    CurvePoint point{steps, evaluate ? evaluate(&result.policy) : ReturnStats{}};
    state.curve.push_back(point);
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

  for (long update = state.update; update < updates; ++update) {
    // a rollout with the current stochastic policy
    CollectRollout(env, net, generator, o.gamma, &scale, &training, &rollout);

    // advantages backwards through the rollout, bootstrapped with the value of where it stopped;
    // the value targets are advantages plus values
    const torch::Tensor next_value = net->ValueOfNormalized(net->Normalize(FromRows(env->observation(), n, no)));
    const torch::Tensor advantages =
        GeneralizedAdvantages(rollout.reward, rollout.done, rollout.value, next_value, o.gamma, o.lambda);
    const Batch samples{rollout.obs.reshape({batch, no}), rollout.actions.reshape({batch, env->action_size()}),
                        rollout.logp.reshape({batch}), advantages.reshape({batch}),
                        (advantages + rollout.value).reshape({batch})};

    // the clipped surrogate at this update's learning rate
    const double lr = LearningRate(o.learning_rate, update, updates);
    for (auto& group : adam.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    Optimize(net, &adam, generator, samples, o);

    // progress every 2 s, a score every eval_every steps (the last one after the loop)
    const long steps = env->steps();
    if (o.progress && (Now() - last_print > 2 || update + 1 == updates)) {
      std::printf("[%s] %8ld / %ld steps  %6.0f steps/s  training return %.4g  diverged %ld\n", o.label.c_str(), steps,
                  o.total_steps, (steps - first_steps) / (Now() - start), training.Mean(), env->diverged());
      std::fflush(stdout);
      last_print = Now();
    }
    if (steps >= state.next_eval && update + 1 < updates) {
      score(steps);
      state.next_eval += o.eval_every;
      // everything the next update starts from, taken after the score (which steps scorers)
      if (!o.state_path.empty()) {
        state.update = update + 1;
        const double seconds_before = state.seconds;
        state.seconds += Now() - start;
        SavePpoState(o.state_path, o.command_line, net, adam, generator, state, *env, scorers);
        state.seconds = seconds_before;
      }
    }
  }
  score(env->steps());
  result.curve = state.curve;
  result.seconds = state.seconds + Now() - start;
  result.diverged = env->diverged();
  return result;
}

}  // namespace mjhybrid::rl
