#include "plugin/core/atomic_file.h"
#include "rl/policy.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace mjhybrid::rl {

namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))
constexpr float kObsClip = 10;                          // normalized observations, in stds

torch::nn::Sequential Mlp(int in, const std::vector<int>& hidden, int out, double last_gain) {
  torch::nn::Sequential net;
  int width = in;
  for (int h : hidden) {
    auto layer = torch::nn::Linear(width, h);
    torch::nn::init::orthogonal_(layer->weight, std::sqrt(2.0));
    torch::nn::init::zeros_(layer->bias);
    net->push_back(layer);
    net->push_back(torch::nn::Tanh());
    width = h;
  }
  // a small last layer: the first policy acts near zero, the first values are near zero
  auto last = torch::nn::Linear(width, out);
  torch::nn::init::orthogonal_(last->weight, last_gain);
  torch::nn::init::zeros_(last->bias);
  net->push_back(last);
  return net;
}

}  // namespace

ActorCriticImpl::ActorCriticImpl(int observation_size, int action_size, const std::vector<int>& hidden) {
  actor_ = register_module("actor", Mlp(observation_size, hidden, action_size, 0.01));
  critic_ = register_module("critic", Mlp(observation_size, hidden, 1, 1.0));
  log_std_ = register_parameter("log_std", torch::full({action_size}, -0.5));
  obs_mean_ = register_buffer("obs_mean", torch::zeros({observation_size}, torch::kFloat64));
  obs_var_ = register_buffer("obs_var", torch::ones({observation_size}, torch::kFloat64));
  obs_count_ = register_buffer("obs_count", torch::full({1}, 1e-4, torch::kFloat64));
}

torch::Tensor ActorCriticImpl::Normalize(const torch::Tensor& obs) const {
  torch::Tensor x = (obs.to(torch::kFloat64) - obs_mean_) / torch::sqrt(obs_var_ + 1e-8);
  return x.clamp(-kObsClip, kObsClip).to(torch::kFloat32);
}

torch::Tensor ActorCriticImpl::MeanOfNormalized(const torch::Tensor& x) { return actor_->forward(x); }

torch::Tensor ActorCriticImpl::ValueOfNormalized(const torch::Tensor& x) { return critic_->forward(x).squeeze(-1); }

std::pair<torch::Tensor, torch::Tensor> ActorCriticImpl::LogProbEntropy(const torch::Tensor& x,
                                                                        const torch::Tensor& actions) {
  const torch::Tensor mean = MeanOfNormalized(x);
  const torch::Tensor z = (actions - mean) / torch::exp(log_std_);
  const torch::Tensor log_prob = (-0.5 * z * z - log_std_ - kLogSqrt2Pi).sum(-1);
  const torch::Tensor entropy = (0.5 + kLogSqrt2Pi + log_std_).sum().expand({x.size(0)});
  return {log_prob, entropy};
}

void ActorCriticImpl::UpdateNormalizer(const torch::Tensor& obs) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = obs.to(torch::kFloat64);
  const double n = static_cast<double>(x.size(0));
  const torch::Tensor batch_mean = x.mean(0), batch_var = x.var(0, /*unbiased=*/false);
  const torch::Tensor total = obs_count_ + n;
  const torch::Tensor delta = batch_mean - obs_mean_;
  obs_mean_.add_(delta * n / total);
  obs_var_.copy_((obs_var_ * obs_count_ + batch_var * n + delta * delta * obs_count_ * n / total) / total);
  obs_count_.copy_(total);
}

void Policy::Act(const double* obs, double* action) {
  const int no = signature.observation_size, na = signature.action_size;
  for (int i = 0; i < no; ++i) {
    if (!std::isfinite(obs[i])) {
      throw std::runtime_error("policy for " + signature.scene + "/" + signature.task + ": observation " +
                               std::to_string(i) + " is not finite (the simulation diverged)");
    }
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::from_blob(const_cast<double*>(obs), {1, no}, torch::kFloat64);
  const torch::Tensor a = net->Mean(x).clamp(-1, 1).to(torch::kFloat64).contiguous();
  std::copy(a.data_ptr<double>(), a.data_ptr<double>() + na, action);
}

Policy MakePolicy(const PolicySignature& signature, const std::vector<int>& hidden, uint64_t seed) {
  torch::manual_seed(seed);
  Policy p;
  p.signature = signature;
  p.hidden = hidden;
  p.net = ActorCritic(signature.observation_size, signature.action_size, hidden);
  return p;
}

void SavePolicy(const Policy& policy, const std::string& path) {
  nlohmann::json meta = {{"format", "mjhybrid-policy-1"},
                         {"scene", policy.signature.scene},
                         {"task", policy.signature.task},
                         {"observation_size", policy.signature.observation_size},
                         {"action_size", policy.signature.action_size},
                         {"hidden", policy.hidden}};
  torch::serialize::OutputArchive archive;
  policy.net->save(archive);
  archive.write("mjhybrid_meta", c10::IValue(meta.dump()));
  // written beside the target and renamed over it, so a crash never leaves half a checkpoint
  const std::string partial = PartialPathFor(path);
  archive.save_to(partial);
  std::string error;
  if (!CommitPartial(partial, path, &error)) throw std::runtime_error("cannot write '" + path + "': " + error);
}

Policy LoadPolicy(const std::string& path, const PolicySignature& expected) {
  if (!std::filesystem::exists(path)) throw std::runtime_error("policy file '" + path + "' not found");
  torch::serialize::InputArchive archive;
  nlohmann::json meta;
  try {
    archive.load_from(path);
    c10::IValue text;
    if (!archive.try_read("mjhybrid_meta", text)) throw std::runtime_error("no mjhybrid metadata");
    meta = nlohmann::json::parse(text.toStringRef());
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + path + "' is not an mjhybrid policy checkpoint (" +
                             std::string(e.what()).substr(0, std::string(e.what()).find('\n')) + ")");
  }
  PolicySignature s{meta.value("scene", ""), meta.value("task", ""), meta.value("observation_size", 0),
                    meta.value("action_size", 0)};
  const auto mismatch = [&](const std::string& what, const std::string& got, const std::string& want) {
    throw std::runtime_error("policy '" + path + "' was trained for " + what + " '" + got + "', not '" + want + "'");
  };
  if (!expected.scene.empty() && s.scene != expected.scene) mismatch("scene", s.scene, expected.scene);
  if (!expected.task.empty() && s.task != expected.task) mismatch("task", s.task, expected.task);
  if (expected.observation_size && (s.observation_size != expected.observation_size ||
                                    s.action_size != expected.action_size)) {
    mismatch("observation/action sizes", std::to_string(s.observation_size) + "/" + std::to_string(s.action_size),
             std::to_string(expected.observation_size) + "/" + std::to_string(expected.action_size));
  }
  Policy p = MakePolicy(s, meta.value("hidden", std::vector<int>{64, 64}), 0);
  try {
    p.net->load(archive);
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + path + "': the weights do not match the recorded network shape");
  }
  return p;
}

}  // namespace mjhybrid::rl
