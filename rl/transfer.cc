#include "rl/transfer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "rl/randomize.h"
#include "scene/mujoco_util.h"
#include "scene/run_files.h"

namespace mjhybrid::rl {

using scene::CheckNewRunFolder;
using scene::CheckOutputPath;
using scene::GitHash;
using scene::LoadModel;
using scene::Versions;

namespace {

namespace fs = std::filesystem;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

const char* const kPolicyMethods[] = {"nominal", "randomized", "hybrid", "oracle"};
const char* const kMpcMethods[] = {"mpc-nominal", "mpc-hybrid"};

bool IsPolicyMethod(const std::string& m) {
  return std::find(std::begin(kPolicyMethods), std::end(kPolicyMethods), m) != std::end(kPolicyMethods);
}
bool IsMpcMethod(const std::string& m) {
  return std::find(std::begin(kMpcMethods), std::end(kMpcMethods), m) != std::end(kMpcMethods);
}

// what one method gave: the final real returns of every seed's policy (or of MPC), pooled
struct MethodResult {
  std::string trained_on;
  std::vector<double> returns;       // every scored episode, pooled over seeds
  std::vector<uint64_t> seeds;       // the seed of each of them (MPC: the seed of its start states)
  std::vector<double> seed_means;
  double seconds = 0;
  long diverged = 0;
};

class Transfer {
 public:
  explicit Transfer(const TransferOptions& o) : o_(o) {
    const fs::path scene(o.scene);
    if (!fs::is_directory(scene)) throw std::runtime_error("scene folder '" + o.scene + "' not found");
    for (const char* file : {"real.xml", "sim.xml", "hybrid.xml", "task.json"}) {
      if (!fs::exists(scene / file)) {
        throw std::runtime_error("scene '" + o.scene + "' has no " + std::string(file) +
                                 " (transfer needs real.xml, sim.xml, hybrid.xml and task.json)");
      }
    }
    for (const std::string& m : o.methods) {
      if (!IsPolicyMethod(m) && !IsMpcMethod(m)) {
        throw std::runtime_error("unknown method '" + m +
                                 "'; valid: nominal, randomized, hybrid, oracle, mpc-nominal, mpc-hybrid");
      }
    }
    if (o.seeds.empty()) throw std::runtime_error("--seeds needs at least one seed");
    name_ = fs::weakly_canonical(scene).filename().string();
    task_ = LoadTaskSpec((scene / "task.json").string());
    real_ = Path("real.xml");
    sim_ = Path("sim.xml");
    hybrid_ = Path("hybrid.xml");
    // every world must take the task before anything is written
    for (const std::string& world : {real_, sim_, hybrid_}) {
      ModelPtr m = LoadModel(world);
      Task(task_, m.get());
    }
  }

  void Run() {
    const double start = Now();
    // the do-nothing controller on the scoring episodes: the zero of the normalized score
    std::unique_ptr<VecEnv> real = RealEnv(10'000 + o_.seeds.front(), o_.eval_episodes);
    idle_ = Summarize(RunEpisodes(real.get(), [](const VecEnv& env, const double*, double* actions) {
              std::fill(actions, actions + env.num_envs() * env.action_size(), 0.0);
            })).mean;
    std::printf("[transfer] doing nothing scores %.4g on real.xml\n", idle_);
    std::ofstream curves(Out("curves.csv")), returns(Out("returns.csv"));
    curves << "method,seed,steps,real_return,real_return_std\n";
    returns << "method,seed,episode,real_return\n";
    for (const std::string& method : o_.methods) {
      MethodResult r = IsPolicyMethod(method) ? RunPolicyMethod(method, &curves) : RunMpcMethod(method);
      for (size_t i = 0, episode = 0; i < r.returns.size(); ++i) {
        episode = i > 0 && r.seeds[i] == r.seeds[i - 1] ? episode + 1 : 0;
        returns << method << ',' << r.seeds[i] << ',' << episode << ',' << r.returns[i] << '\n';
      }
      returns.flush();
      curves.flush();
      results_[method] = r;
    }
    WriteSummary(Now() - start);
  }

 private:
  std::string Path(const char* file) const { return (fs::path(o_.scene) / file).string(); }
  std::string Out(const std::string& file) const { return (fs::path(o_.out) / file).string(); }

  // the scoring environment: real.xml, one copy per scored episode
  std::unique_ptr<VecEnv> RealEnv(uint64_t seed, int episodes) const {
    std::vector<ModelPtr> models;
    models.push_back(LoadModel(real_));
    return std::make_unique<VecEnv>(std::move(models), task_, episodes, o_.threads, seed);
  }

  std::vector<ModelPtr> TrainingModels(const std::string& method, uint64_t seed) const {
    std::vector<ModelPtr> models;
    if (method == "randomized") return RandomizedModels(LoadModel(sim_).get(), o_.randomized_models,
                                                        o_.randomize_spread, seed + 101);
    models.push_back(LoadModel(method == "nominal" ? sim_ : method == "hybrid" ? hybrid_ : real_));
    return models;
  }

  MethodResult RunPolicyMethod(const std::string& method, std::ofstream* curves) {
    MethodResult r;
    r.trained_on = method == "nominal" ? "sim.xml" : method == "randomized" ? "sim.xml, randomized"
                   : method == "hybrid" ? "hybrid.xml" : "real.xml";
    const double start = Now();
    for (uint64_t seed : o_.seeds) {
      // the real episodes that score a policy start from the same states for every method
      std::unique_ptr<VecEnv> real = RealEnv(10'000 + seed, o_.eval_episodes);
      const auto score = [&](Policy* p) { return Summarize(RunEpisodes(real.get(), PolicyController(p))); };
      VecEnv env(TrainingModels(method, seed), task_, o_.num_envs, o_.threads, seed);
      PpoOptions ppo = o_.ppo;
      ppo.seed = seed;
      ppo.eval_every = std::max(1L, ppo.total_steps / std::max(1, o_.evals));
      ppo.label = "transfer " + method + " s" + std::to_string(seed);
      const PolicySignature signature{name_, task_.name, env.observation_size(), env.action_size()};
      PpoResult trained = TrainPpo(&env, signature, ppo, score);
      for (const CurvePoint& point : trained.curve) {
        *curves << method << ',' << seed << ',' << point.steps << ',' << point.score.mean << ','
                << point.score.std << '\n';
      }
      SavePolicy(trained.policy, Out(method + "-s" + std::to_string(seed) + ".pt"));
      const std::vector<double> final_returns = RunEpisodes(real.get(), PolicyController(&trained.policy));
      r.returns.insert(r.returns.end(), final_returns.begin(), final_returns.end());
      r.seeds.insert(r.seeds.end(), final_returns.size(), seed);
      r.seed_means.push_back(Summarize(final_returns).mean);
      r.diverged += trained.diverged;
    }
    r.seconds = Now() - start;
    return r;
  }

  MethodResult RunMpcMethod(const std::string& method) {
    MethodResult r;
    r.trained_on = method == "mpc-nominal" ? "sim.xml (planner)" : "hybrid.xml (planner)";
    const double start = Now();
    ModelPtr internal = LoadModel(method == "mpc-nominal" ? sim_ : hybrid_);
    PredictiveSampling planner(internal.get(), task_, o_.mpc);
    // episode by episode on one real copy, from the same start states as the policies' scores
    std::unique_ptr<VecEnv> real = RealEnv(10'000 + o_.seeds.front(), 1);
    for (int e = 0; e < o_.mpc_episodes; ++e) {
      planner.Reset();
      const Controller act = [&](const VecEnv& env, const double*, double* action) {
        const mjData* d = env.data(0);
        planner.Act(d->qpos, d->qvel, action);
      };
      const double ret = RunEpisodes(real.get(), act).front();
      r.returns.push_back(ret);
      r.seeds.push_back(o_.seeds.front());
      std::printf("[transfer %s] episode %d/%d  real return %.4g\n", method.c_str(), e + 1, o_.mpc_episodes, ret);
      std::fflush(stdout);
    }
    r.seed_means.push_back(Summarize(r.returns).mean);
    r.seconds = Now() - start;
    return r;
  }

  void WriteSummary(double seconds) {
    nlohmann::json methods = nlohmann::json::object();
    const bool has_oracle = results_.count("oracle") > 0;
    const double oracle = has_oracle ? Summarize(results_["oracle"].returns).mean : 0;
    std::ostringstream md;
    md << "Transfer on `" << name_ << "` (task " << task_.name << "): PPO " << o_.ppo.total_steps
       << " environment steps per seed, seeds";
    for (uint64_t s : o_.seeds) md << ' ' << s;
    md << "; every score is the mean return of " << o_.eval_episodes << " real.xml episodes (MPC: "
       << o_.mpc_episodes << "); " << static_cast<long>(seconds) << " s in all.\n\n";
    md << "| method | trained / planned on | real return | std | per-seed means | score | return ratio | time (s) |\n";
    md << "|---|---|---|---|---|---|---|---|\n";
    for (const std::string& method : o_.methods) {
      const MethodResult& r = results_[method];
      const ReturnStats s = Summarize(r.returns);
      const double spread = Summarize(r.seed_means).std;
      const double score = has_oracle && oracle != idle_ ? 100 * (s.mean - idle_) / (oracle - idle_) : NAN;
      methods[method] = {{"real_return", s.mean},
                         {"score", score},
                         {"real_return_std", s.std},
                         {"seed_means", r.seed_means},
                         {"seed_std", spread},
                         {"episodes", s.episodes},
                         {"trained_on", r.trained_on},
                         {"seconds", r.seconds},
                         {"diverged_training_episodes", r.diverged}};
      char row[512];
      std::string seeds;
      for (double m : r.seed_means) seeds += (seeds.empty() ? "" : ", ") + Format(m);
      const std::string ratio = has_oracle && oracle != 0 ? Percent(s.mean, oracle) : "—";
      const std::string normalized = std::isfinite(score) ? Format(score) + " %" : "—";
      std::snprintf(row, sizeof(row), "| %s | %s | %s | %s | %s | %s | %s | %.0f |\n", method.c_str(),
                    r.trained_on.c_str(), Format(s.mean).c_str(), Format(s.std).c_str(), seeds.c_str(),
                    normalized.c_str(), ratio.c_str(), r.seconds);
      md << row;
    }
    md << "\nscore: 0 % is doing nothing (zero actions, return " << Format(idle_) << "), 100 % the oracle. "
          "return ratio: return / oracle's return for rewards, oracle's / return for costs (negative returns).\n";
    nlohmann::json out = {{"scene", name_},
                          {"task", task_.name},
                          {"idle_return", idle_},
                          {"methods", methods},
                          {"config",
                           {{"steps", o_.ppo.total_steps},
                            {"seeds", o_.seeds},
                            {"num_envs", o_.num_envs},
                            {"eval_episodes", o_.eval_episodes},
                            {"mpc_episodes", o_.mpc_episodes},
                            {"mpc", {{"horizon", o_.mpc.horizon}, {"knots", o_.mpc.knots}, {"samples", o_.mpc.samples},
                                     {"noise", o_.mpc.noise}, {"uncertainty_weight", o_.mpc.uncertainty_weight}}},
                            {"randomize_spread", o_.randomize_spread},
                            {"randomized_models", o_.randomized_models}}},
                          {"seconds", seconds},
                          {"versions", Versions()},
                          {"git", GitHash()}};
    std::ofstream(Out("transfer.json")) << out.dump(2) << '\n';
    if (!o_.json.empty()) std::ofstream(o_.json) << out.dump(2) << '\n';
    std::ofstream(Out("table.md")) << md.str();
    std::printf("\n%s\n", md.str().c_str());
  }

  static std::string Format(double v) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.4g", v);
    return text;
  }

  // returns are often negative (costs): "of oracle" compares against the oracle on the side of
  // zero both lie on, so that 100 % is the oracle and less is worse either way
  static std::string Percent(double value, double oracle) {
    const double ratio = oracle > 0 ? value / oracle : oracle / value;
    if (!std::isfinite(ratio) || ratio < 0) return "—";
    return Format(100 * ratio) + " %";
  }

  TransferOptions o_;
  std::string name_, real_, sim_, hybrid_;
  TaskSpec task_;
  std::map<std::string, MethodResult> results_;
  double idle_ = 0;  // the return of zero actions on the scoring episodes
};

}  // namespace

void RunTransfer(const TransferOptions& options) {
  CheckNewRunFolder(options.out, "transfer");
  if (!options.json.empty()) CheckOutputPath(options.json, false);
  Transfer transfer(options);  // checks the scene before anything is written
  fs::create_directories(options.out);
  transfer.Run();
}

}  // namespace mjhybrid::rl
