#include "viewer/policy_control.h"

#include <memory>
#include <stdexcept>
#include <vector>

#include "rl/policy.h"
#include "rl/task.h"

namespace mjhybrid::viewer {

void AttachPolicy(Lockstep* sim, const std::string& policy_path) {
  const std::string task_path = rl::TaskPathOfScene(sim->files().folder);
  if (task_path.empty()) {
    throw std::runtime_error("scene '" + sim->files().name + "' has no task.json: a policy needs the task it was trained for");
  }
  const mjModel* m = sim->reference().model();
  auto task = std::make_shared<rl::Task>(rl::LoadTaskSpec(task_path), m);
  auto policy = std::make_shared<rl::Policy>(rl::LoadPolicy(
      policy_path, {sim->files().name, task->spec().name, task->observation_size(), task->action_size()}));
  auto obs = std::make_shared<std::vector<double>>(task->observation_size());
  auto action = std::make_shared<std::vector<double>>(task->action_size());
  const auto act = [sim, task, policy, obs, action](double* ctrl) {
    const World& real = sim->world(WorldKind::kReal);
    const World& observed = real.live() ? real : sim->reference();
    task->Observe(observed.data(), obs->data());
    policy->Act(obs->data(), action->data());
    task->ActionToCtrl(action->data(), ctrl);
  };
  sim->controls().SetPolicy(act, task->substeps(), policy_path);
}

}  // namespace mjhybrid::viewer
