// The policy side of the command line (rl/):
//
//   mjhybrid policy-train --model WORLD.xml --out POLICY.pt [--steps N] [--score-on REAL.xml]
//   mjhybrid policy-eval  --model WORLD.xml --policy POLICY.pt [--episodes N] [--json OUT]
//   mjhybrid mpc          --model REAL.xml --planner HYBRID.xml [--episodes N] [--json OUT]
//
// A world's task is the task.json beside it (--task overrides).

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "cli/commands.h"
#include "cli/resume.h"
#include "cli/rl_options.h"
#include "rl/mpc.h"
#include "rl/ppo.h"
#include "rl/ppo_state.h"
#include "rl/task.h"
#include "rl/vec_env.h"
#include "scene/mujoco_util.h"
#include "scene/run_files.h"

namespace mjhybrid::cli {

using rl::CurvePoint;
using rl::LoadPolicy;
using rl::LoadTaskSpec;
using rl::MakeSceneEnv;
using rl::MpcOptions;
using rl::Policy;
using rl::PolicyController;
using rl::PolicySignature;
using rl::PpoOptions;
using rl::PpoResult;
using rl::PredictiveSampling;
using rl::ReturnStats;
using rl::RunEpisodes;
using rl::SavePolicy;
using rl::Summarize;
using rl::TaskPathOfScene;
using rl::TaskSpec;
using rl::TrainPpo;
using rl::VecEnv;

using scene::CheckOutputPath;
using scene::GitHash;
using scene::LoadModel;
using scene::Versions;

namespace {

namespace fs = std::filesystem;

struct PolicyArgs {
  // policy-train / policy-eval / mpc
  std::string model, task, out, policy, score_on, planner, json, resume;
  int envs = 16, threads = 1, episodes = 16;
  uint64_t seed = 0;
  bool force = false;
  PpoOptions ppo;
  MpcOptions mpc_options;
};

// the task beside a world's MJCF, unless one was named
std::string TaskFor(const std::string& model, const std::string& task) {
  if (!task.empty()) return task;
  const std::string path = TaskPathOfScene(fs::path(model).parent_path().string());
  if (path.empty()) {
    throw std::runtime_error("no task.json beside '" + model + "' (name one with --task)");
  }
  return path;
}

// the scene a world belongs to: its folder's name
std::string SceneOf(const std::string& model) {
  return fs::weakly_canonical(fs::path(model)).parent_path().filename().string();
}

void WriteJson(const std::string& path, const nlohmann::json& j) {
  scene::WriteText(path, j.dump(2) + "\n");
  std::printf("wrote %s\n", path.c_str());
}

void RunPolicyTrain(const PolicyArgs& c) {
  if (!c.resume.empty()) CheckResumedFolder(c.resume, c.out);
  CheckOutputPath(c.out, c.force);
  const TaskSpec task = LoadTaskSpec(TaskFor(c.model, c.task));
  std::unique_ptr<VecEnv> env = MakeSceneEnv(c.model, task.path, c.envs, c.threads, c.seed);
  // scored on --score-on, else on fresh episodes of the training world
  const std::string scored_on = c.score_on.empty() ? c.model : c.score_on;
  std::unique_ptr<VecEnv> scoring = MakeSceneEnv(scored_on, task.path, c.episodes, c.threads, c.seed + 10'000);
  PpoOptions o = c.ppo;
  o.seed = c.seed;
  o.label = "policy-train";
  if (o.eval_every == 0) o.eval_every = std::max(1L, o.total_steps / 8);
  // the training state beside the policy at every score, until the policy is written
  o.state_path = rl::PpoStatePath(c.out);
  o.command_line = {"policy-train", fs::current_path().string(), RunningArguments()};
  o.resume = !c.resume.empty();
  if (!o.resume) CheckOutputPath(o.state_path, c.force);
  SayHowToResumeOnSignal("policy-train", c.out);
  const PolicySignature signature{SceneOf(c.model), task.name, env->observation_size(), env->action_size()};
  PpoResult r = TrainPpo(
      env.get(), signature, o,
      [&](Policy* p) { return Summarize(RunEpisodes(scoring.get(), PolicyController(p))); }, {scoring.get()});
  SavePolicy(r.policy, c.out);
  // the learning curve beside the policy: tidy CSV and a JSON sidecar
  const std::string stem = (fs::path(c.out).parent_path() / fs::path(c.out).stem()).string();
  std::ostringstream csv;
  csv << "steps,return,return_std,scored_on\n";
  for (const CurvePoint& p : r.curve) {
    csv << p.steps << ',' << p.score.mean << ',' << p.score.std << ',' << scored_on << '\n';
  }
  scene::WriteText(stem + ".curve.csv", csv.str());
  WriteJson(stem + ".json", {{"policy", c.out},
                             {"scene", signature.scene},
                             {"task", signature.task},
                             {"trained_on", c.model},
                             {"scored_on", scored_on},
                             {"steps", o.total_steps},
                             {"seed", c.seed},
                             {"seconds", r.seconds},
                             {"diverged_training_episodes", r.diverged},
                             {"final_return", r.curve.back().score.mean},
                             {"final_return_std", r.curve.back().score.std},
                             {"versions", Versions()},
                             {"git", GitHash()}});
  std::printf("wrote %s (%.1f s, return %.4g on %s)\n", c.out.c_str(), r.seconds, r.curve.back().score.mean,
              scored_on.c_str());
  // finished: nothing is left to resume
  std::remove(o.state_path.c_str());
}

void RunPolicyEval(const PolicyArgs& c) {
  if (!c.json.empty()) CheckOutputPath(c.json, c.force);
  const TaskSpec task = LoadTaskSpec(TaskFor(c.model, c.task));
  std::unique_ptr<VecEnv> env = MakeSceneEnv(c.model, task.path, c.episodes, c.threads, c.seed);
  Policy policy = LoadPolicy(c.policy, {SceneOf(c.model), task.name, env->observation_size(), env->action_size()});
  const std::vector<double> returns = RunEpisodes(env.get(), PolicyController(&policy));
  const ReturnStats s = Summarize(returns);
  std::printf("%s on %s: return %.4g ± %.3g over %d episodes\n", c.policy.c_str(), c.model.c_str(), s.mean, s.std,
              s.episodes);
  if (!c.json.empty()) {
    WriteJson(c.json, {{"policy", c.policy}, {"model", c.model}, {"return", s.mean}, {"return_std", s.std},
                       {"returns", returns}});
  }
}

void RunMpc(const PolicyArgs& c) {
  if (!c.json.empty()) CheckOutputPath(c.json, c.force);
  const TaskSpec task = LoadTaskSpec(TaskFor(c.model, c.task));
  std::unique_ptr<VecEnv> system = MakeSceneEnv(c.model, task.path, 1, 1, c.seed);
  ModelPtr internal = LoadModel(c.planner);
  MpcOptions o = c.mpc_options;
  o.seed = c.seed;
  PredictiveSampling planner(internal.get(), task, o);
  std::vector<double> returns;
  for (int e = 0; e < c.episodes; ++e) {
    planner.Reset();
    returns.push_back(RunEpisodes(system.get(), [&](const VecEnv& env, const double*, double* action) {
                        planner.Act(env.data(0)->qpos, env.data(0)->qvel, action);
                      }).front());
    std::printf("[mpc] episode %d/%d  return %.4g\n", e + 1, c.episodes, returns.back());
    std::fflush(stdout);
  }
  const ReturnStats s = Summarize(returns);
  std::printf("mpc planning with %s on %s: return %.4g ± %.3g over %d episodes\n", c.planner.c_str(),
              c.model.c_str(), s.mean, s.std, s.episodes);
  if (!c.json.empty()) {
    WriteJson(c.json, {{"model", c.model}, {"planner", c.planner}, {"return", s.mean}, {"return_std", s.std},
                       {"returns", returns}});
  }
}

}  // namespace

void AddPolicyCommands(CLI::App* app) {
  auto c = std::make_shared<PolicyArgs>();
  CLI::App *train, *eval, *mpc;
  train = app->add_subcommand("policy-train", "train a policy with PPO on a world of a scene (its task.json)");
  train->add_option("--model", c->model, "the world to train on (sim.xml, hybrid.xml, real.xml)")->required();
  train->add_option("--out", c->out, "the policy checkpoint (.pt)")->required();
  train->add_option("--task", c->task, "task.json (default: beside --model)");
  train->add_option("--score-on", c->score_on, "score the policy on this world along the way (e.g. real.xml)");
  train->add_option("--envs", c->envs, "environment copies")->check(CLI::PositiveNumber)->capture_default_str();
  train->add_option("--episodes", c->episodes, "episodes per score")->check(CLI::PositiveNumber)->capture_default_str();
  train->add_option("--threads", c->threads, "stepping threads")->check(CLI::PositiveNumber)->capture_default_str();
  train->add_option("--seed", c->seed, "random seed")->capture_default_str();
  train->add_flag("--force", c->force, "overwrite an existing output");
  train->add_option("--resume", c->resume, "continue the stopped training of POLICY (from POLICY.state.pt), with its options");
  AddPpoOptions(train, &c->ppo);

  eval = app->add_subcommand("policy-eval", "score a policy checkpoint on a world of its scene");
  eval->add_option("--model", c->model, "the world to act in")->required();
  eval->add_option("--policy", c->policy, "policy checkpoint (.pt)")->required();
  eval->add_option("--task", c->task, "task.json (default: beside --model)");
  eval->add_option("--episodes", c->episodes, "episodes")->check(CLI::PositiveNumber)->capture_default_str();
  eval->add_option("--seed", c->seed, "start states")->capture_default_str();
  eval->add_option("--json", c->json, "write the returns here");
  eval->add_flag("--force", c->force, "overwrite an existing output");

  mpc = app->add_subcommand("mpc", "predictive-sampling MPC: plan on one world, act on another");
  mpc->add_option("--model", c->model, "the world to act in (e.g. real.xml)")->required();
  mpc->add_option("--planner", c->planner, "the planner's internal model (e.g. hybrid.xml)")->required();
  mpc->add_option("--task", c->task, "task.json (default: beside --model)");
  mpc->add_option("--episodes", c->episodes, "episodes")->check(CLI::PositiveNumber)->capture_default_str();
  mpc->add_option("--seed", c->seed, "start states and sampling")->capture_default_str();
  mpc->add_option("--threads", c->mpc_options.threads, "rollout threads")->check(CLI::PositiveNumber)->capture_default_str();
  mpc->add_option("--json", c->json, "write the returns here");
  mpc->add_flag("--force", c->force, "overwrite an existing output");
  AddMpcOptions(mpc, &c->mpc_options);

  train->callback([c] { RunPolicyTrain(*c); });
  eval->callback([c] { RunPolicyEval(*c); });
  mpc->callback([c] { RunMpc(*c); });
}

}  // namespace mjhybrid::cli
