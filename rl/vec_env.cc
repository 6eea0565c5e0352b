#include "rl/vec_env.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "plugin/mujoco/residual_instance.h"

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

std::unique_ptr<VecEnv> MakeSceneEnv(const std::string& model_path, const std::string& task_path, int num_envs,
                                     int threads, uint64_t seed) {
  std::vector<ModelPtr> models;
  models.push_back(LoadModel(model_path));
  return std::make_unique<VecEnv>(std::move(models), LoadTaskSpec(task_path), num_envs, threads, seed);
}

}  // namespace mjhybrid::rl
