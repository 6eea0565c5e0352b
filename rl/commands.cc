#include "rl/commands.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "pipeline/commands.h"
#include "pipeline/mujoco_util.h"
#include "rl/mpc.h"
#include "rl/ppo.h"
#include "rl/transfer.h"

namespace mjhybrid::rl {

namespace fs = std::filesystem;

struct RlCommands {
  CLI::App *train = nullptr, *eval = nullptr, *mpc = nullptr, *transfer = nullptr;
  // policy-train / policy-eval / mpc
  std::string model, task, out, policy, score_on, planner, json;
  int envs = 16, threads = 1, episodes = 16;
  uint64_t seed = 0;
  bool force = false;
  PpoOptions ppo;
  MpcOptions mpc_options;
  TransferOptions transfer_options;
};

namespace {

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
  std::ofstream(path) << j.dump(2) << '\n';
  std::printf("wrote %s\n", path.c_str());
}

void RunPolicyTrain(const RlCommands& c) {
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
  const PolicySignature signature{SceneOf(c.model), task.name, env->observation_size(), env->action_size()};
  PpoResult r = TrainPpo(env.get(), signature, o, [&](Policy* p) {
    return Summarize(RunEpisodes(scoring.get(), PolicyController(p)));
  });
  SavePolicy(r.policy, c.out);
  // the learning curve beside the policy: tidy CSV and a JSON sidecar
  const std::string stem = (fs::path(c.out).parent_path() / fs::path(c.out).stem()).string();
  std::ofstream csv(stem + ".curve.csv");
  csv << "steps,return,return_std,scored_on\n";
  for (const CurvePoint& p : r.curve) {
    csv << p.steps << ',' << p.score.mean << ',' << p.score.std << ',' << scored_on << '\n';
  }
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
}

void RunPolicyEval(const RlCommands& c) {
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

void RunMpc(const RlCommands& c) {
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

void AddPpoOptions(CLI::App* cmd, PpoOptions* o) {
  cmd->add_option("--steps", o->total_steps, "environment steps of training")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--rollout", o->rollout, "actions per copy between updates")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--lr", o->learning_rate, "Adam learning rate (decays linearly to 0)")->capture_default_str();
  cmd->add_option("--hidden", o->hidden, "hidden layer widths of actor and critic")->delimiter(',')->capture_default_str();
  cmd->add_option("--gamma", o->gamma, "discount")->capture_default_str();
  cmd->add_option("--initial-std", o->initial_std, "exploration noise at the start (action units)")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--minibatch", o->minibatch, "samples per gradient step")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--epochs", o->epochs, "passes over each rollout")->check(CLI::PositiveNumber)->capture_default_str();
}

void AddMpcOptions(CLI::App* cmd, MpcOptions* o) {
  cmd->add_option("--horizon", o->horizon, "actions planned ahead")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--samples", o->samples, "candidate plans per action")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--knots", o->knots, "knots of a plan")->check(CLI::Range(2, 100))->capture_default_str();
  cmd->add_option("--noise", o->noise, "std of knot perturbations (action units)")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--uncertainty-weight", o->uncertainty_weight, "cost per unit of ensemble disagreement")->check(CLI::NonNegativeNumber)->capture_default_str();
}

}  // namespace

std::shared_ptr<RlCommands> AddRlCommands(CLI::App* app, const std::string& python) {
  auto c = std::make_shared<RlCommands>();
  c->train = app->add_subcommand("policy-train", "train a policy with PPO on a world of a scene (its task.json)");
  c->train->add_option("--model", c->model, "the world to train on (sim.xml, hybrid.xml, real.xml)")->required();
  c->train->add_option("--out", c->out, "the policy checkpoint (.pt)")->required();
  c->train->add_option("--task", c->task, "task.json (default: beside --model)");
  c->train->add_option("--score-on", c->score_on, "score the policy on this world along the way (e.g. real.xml)");
  c->train->add_option("--envs", c->envs, "environment copies")->check(CLI::PositiveNumber)->capture_default_str();
  c->train->add_option("--episodes", c->episodes, "episodes per score")->check(CLI::PositiveNumber)->capture_default_str();
  c->train->add_option("--threads", c->threads, "stepping threads")->check(CLI::PositiveNumber)->capture_default_str();
  c->train->add_option("--seed", c->seed, "random seed")->capture_default_str();
  c->train->add_flag("--force", c->force, "overwrite an existing output");
  AddPpoOptions(c->train, &c->ppo);

  c->eval = app->add_subcommand("policy-eval", "score a policy checkpoint on a world of its scene");
  c->eval->add_option("--model", c->model, "the world to act in")->required();
  c->eval->add_option("--policy", c->policy, "policy checkpoint (.pt)")->required();
  c->eval->add_option("--task", c->task, "task.json (default: beside --model)");
  c->eval->add_option("--episodes", c->episodes, "episodes")->check(CLI::PositiveNumber)->capture_default_str();
  c->eval->add_option("--seed", c->seed, "start states")->capture_default_str();
  c->eval->add_option("--json", c->json, "write the returns here");
  c->eval->add_flag("--force", c->force, "overwrite an existing output");

  c->mpc = app->add_subcommand("mpc", "predictive-sampling MPC: plan on one world, act on another");
  c->mpc->add_option("--model", c->model, "the world to act in (e.g. real.xml)")->required();
  c->mpc->add_option("--planner", c->planner, "the planner's internal model (e.g. hybrid.xml)")->required();
  c->mpc->add_option("--task", c->task, "task.json (default: beside --model)");
  c->mpc->add_option("--episodes", c->episodes, "episodes")->check(CLI::PositiveNumber)->capture_default_str();
  c->mpc->add_option("--seed", c->seed, "start states and sampling")->capture_default_str();
  c->mpc->add_option("--threads", c->mpc_options.threads, "rollout threads")->check(CLI::PositiveNumber)->capture_default_str();
  c->mpc->add_option("--json", c->json, "write the returns here");
  c->mpc->add_flag("--force", c->force, "overwrite an existing output");
  AddMpcOptions(c->mpc, &c->mpc_options);

  TransferOptions& t = c->transfer_options;
  t.python = python;
  c->transfer = app->add_subcommand("transfer", "policies trained on nominal, randomized, hybrid and real, scored on real; MPC too");
  c->transfer->add_option("--scene", t.scene, "scene folder (real.xml, sim.xml, hybrid.xml, task.json)")->required();
  c->transfer->add_option("--out", t.out, "run folder to create (never overwritten)")->required();
  c->transfer->add_option("--json", t.json, "also write the summary here");
  c->transfer->add_option("--methods", t.methods, "methods to run")->delimiter(',')->capture_default_str();
  c->transfer->add_option("--seeds", t.seeds, "training seeds")->delimiter(',')->capture_default_str();
  c->transfer->add_option("--envs", t.num_envs, "environment copies")->check(CLI::PositiveNumber)->capture_default_str();
  c->transfer->add_option("--threads", t.threads, "stepping threads")->check(CLI::PositiveNumber)->capture_default_str();
  c->transfer->add_option("--eval-episodes", t.eval_episodes, "real episodes per policy score")->check(CLI::PositiveNumber)->capture_default_str();
  c->transfer->add_option("--evals", t.evals, "scores along each training run")->check(CLI::PositiveNumber)->capture_default_str();
  c->transfer->add_option("--mpc-episodes", t.mpc_episodes, "real episodes per MPC method")->check(CLI::PositiveNumber)->capture_default_str();
  c->transfer->add_option("--spread", t.randomize_spread, "domain randomization: parameters scaled within [1/s, s]")->check(CLI::Range(1.0, 10.0))->capture_default_str();
  AddPpoOptions(c->transfer, &t.ppo);
  AddMpcOptions(c->transfer, &t.mpc);
  c->transfer->add_flag_callback("--no-plots", [&t] { t.python.clear(); }, "skip the PNG plots");
  return c;
}

bool RunRlCommands(const RlCommands& c) {
  if (c.train->parsed()) RunPolicyTrain(c);
  else if (c.eval->parsed()) RunPolicyEval(c);
  else if (c.mpc->parsed()) RunMpc(c);
  else if (c.transfer->parsed()) RunTransfer(c.transfer_options);
  else return false;
  return true;
}

}  // namespace mjhybrid::rl
