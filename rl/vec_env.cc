#include "rl/vec_env.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "plugin/mujoco/residual_instance.h"
#include "scene/run_journal.h"

namespace mjhybrid::rl {

using scene::Healthy;
using scene::LoadModel;
using scene::MakeData;

namespace {

const mjModel* First(const std::vector<ModelPtr>& models) {
  if (models.empty() || !models.front()) throw std::runtime_error("the environment needs a model");
  return models.front().get();
}

}  // namespace

VecEnv::VecEnv(std::vector<ModelPtr> models, const TaskSpec& task, int num_envs, int threads, uint64_t seed)
    : models_(std::move(models)),
      task_(task, First(models_)),
      pool_(std::clamp(threads, 1, std::max(1, num_envs))) {
  if (num_envs < 1) throw std::runtime_error("the environment needs at least one copy (num_envs >= 1)");
  const mjModel* first = models_.front().get();
  for (const ModelPtr& m : models_) {
    if (m->nq != first->nq || m->nv != first->nv || m->nu != first->nu || m->na != first->na ||
        m->opt.timestep != first->opt.timestep) {
      throw std::runtime_error("the environment's models differ in their layout (nq, nv, nu, na) or timestep");
    }
  }
  const int n = num_envs, no = task_.observation_size();
  for (int i = 0; i < n; ++i) {
    data_.push_back(MakeData(model(i)));
    rng_.emplace_back(seed + static_cast<uint64_t>(i));
  }
  t_.assign(n, 0);
  obs_.assign(static_cast<size_t>(n) * no, 0);
  final_obs_ = obs_;
  reward_.assign(n, 0);
  disagreement_.assign(n, 0);
  terminated_.assign(n, 0);
  truncated_.assign(n, 0);
  diverged_.assign(n, 0);
  residual_instance_ = ResidualInstance(first);
}

void VecEnv::ResetOne(int i) {
  task_.Reset(model(i), data_[i].get(), &rng_[i]);
  t_[i] = 0;
  task_.Observe(data_[i].get(), obs_.data() + static_cast<size_t>(i) * observation_size());
}

const std::vector<double>& VecEnv::Reset() {
  pool_.ParallelFor(num_envs(), [this](int i) { ResetOne(i); });
  return obs_;
}

void VecEnv::StepOne(int i, const double* action) {
  const mjModel* m = model(i);
  mjData* d = data_[i].get();
  const int no = observation_size();
  double* obs = obs_.data() + static_cast<size_t>(i) * no;
  task_.ApplyAction(action, d);
  bool healthy = true;
  for (int s = 0; s < task_.substeps() && healthy; ++s) {
    mj_step(m, d);
    healthy = Healthy(m, d);
  }
  ++t_[i];
  if (healthy) {
    task_.Observe(d, obs);
    for (int k = 0; k < no; ++k) healthy = healthy && std::isfinite(obs[k]);
  }
  if (!healthy) {
    // the episode ends here; its last observation is the reset one, as nothing finite is left
    ++diverged_[i];
    reward_[i] = 0;
    terminated_[i] = 1;
    truncated_[i] = 0;
    disagreement_[i] = 0;
    ResetOne(i);
    std::copy(obs, obs + no, final_obs_.data() + static_cast<size_t>(i) * no);
    return;
  }
  reward_[i] = task_.Reward(d, action);
  terminated_[i] = task_.Terminated(d);
  truncated_[i] = !terminated_[i] && t_[i] >= task_.spec().horizon;
  disagreement_[i] = ResidualDiagnostic(m, d, residual_instance_, &PluginStateLayout::spread);
  std::copy(obs, obs + no, final_obs_.data() + static_cast<size_t>(i) * no);
  if (terminated_[i] || truncated_[i]) ResetOne(i);
}

void VecEnv::Step(const double* actions) {
  const int nu = action_size();
  pool_.ParallelFor(num_envs(), [&](int i) { StepOne(i, actions + static_cast<size_t>(i) * nu); });
  steps_ += num_envs();
}

long VecEnv::diverged() const { return std::accumulate(diverged_.begin(), diverged_.end(), 0L); }

namespace {

// what mj_setState restores: enough for mj_step to go on exactly as it would have
constexpr int kIntegrationState = mjSTATE_INTEGRATION;

nlohmann::json Numbers(const double* v, size_t n) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < n; ++i) out.push_back(scene::RecordedNumber(v[i]));
  return out;
}

// exactly `n` numbers from `j` into `out`, or one line naming `what`
void ReadNumbers(const nlohmann::json& j, size_t n, const char* what, double* out) {
  const std::vector<double> v = scene::RecordedNumbersFrom(j);
  if (v.size() != n) throw std::runtime_error(std::string("the environment state has a malformed '") + what + "'");
  std::copy(v.begin(), v.end(), out);
}

}  // namespace

std::string VecEnv::SaveState() const {
  const int n = num_envs();
  nlohmann::json states = nlohmann::json::array(), rng = nlohmann::json::array();
  for (int i = 0; i < n; ++i) {
    std::vector<mjtNum> state(mj_stateSize(model(i), kIntegrationState));
    mj_getState(model(i), data_[i].get(), state.data(), kIntegrationState);
    states.push_back(Numbers(state.data(), state.size()));
    std::ostringstream engine;
    engine << rng_[i].engine;
    rng.push_back(engine.str());
  }
  const nlohmann::json out = {
      {"copies", n},          {"states", states},
      {"rng", rng},           {"t", t_},
      {"obs", Numbers(obs_.data(), obs_.size())},
      {"final_obs", Numbers(final_obs_.data(), final_obs_.size())},
      {"reward", Numbers(reward_.data(), reward_.size())},
      {"disagreement", Numbers(disagreement_.data(), disagreement_.size())},
      {"terminated", terminated_}, {"truncated", truncated_},
      {"diverged", diverged_},     {"steps", steps_}};
  return out.dump();
}

void VecEnv::RestoreState(const std::string& text) {
  const int n = num_envs();
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("the environment state is not JSON");
  try {
    if (j.at("copies").get<int>() != n) {
      throw std::runtime_error("the environment state is for " + std::to_string(j.at("copies").get<int>()) +
                               " copies, this environment has " + std::to_string(n));
    }
    for (int i = 0; i < n; ++i) {
      std::vector<mjtNum> state(mj_stateSize(model(i), kIntegrationState));
      ReadNumbers(j.at("states").at(i), state.size(), "states", state.data());
      mj_setState(model(i), data_[i].get(), state.data(), kIntegrationState);
      std::istringstream engine(j.at("rng").at(i).get<std::string>());
      engine >> rng_[i].engine;
      if (!engine) throw std::runtime_error("the environment state has a malformed random stream");
    }
    ReadNumbers(j.at("obs"), obs_.size(), "obs", obs_.data());
    ReadNumbers(j.at("final_obs"), final_obs_.size(), "final_obs", final_obs_.data());
    ReadNumbers(j.at("reward"), reward_.size(), "reward", reward_.data());
    ReadNumbers(j.at("disagreement"), disagreement_.size(), "disagreement", disagreement_.data());
    const auto t = j.at("t").get<std::vector<int>>();
    const auto terminated = j.at("terminated").get<std::vector<uint8_t>>();
    const auto truncated = j.at("truncated").get<std::vector<uint8_t>>();
    const auto diverged = j.at("diverged").get<std::vector<long>>();
    const size_t copies = static_cast<size_t>(n);
    if (t.size() != copies || terminated.size() != copies || truncated.size() != copies || diverged.size() != copies) {
      throw std::runtime_error("the environment state's counters are not one per copy");
    }
    t_ = t;
    terminated_ = terminated;
    truncated_ = truncated;
    diverged_ = diverged;
    steps_ = j.at("steps").get<long>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("the environment state is malformed: ") + e.what());
  }
}

std::unique_ptr<VecEnv> MakeSceneEnv(const std::string& model_path, const std::string& task_path, int num_envs,
                                     int threads, uint64_t seed) {
  std::vector<ModelPtr> models;
  models.push_back(LoadModel(model_path));
  return std::make_unique<VecEnv>(std::move(models), LoadTaskSpec(task_path), num_envs, threads, seed);
}

}  // namespace mjhybrid::rl
