#include "rl/transfer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>

#include "rl/randomize.h"
#include "rl/transfer_report.h"
#include "scene/mujoco_util.h"
#include "scene/run_files.h"
#include "scene/run_journal.h"

namespace mjhybrid::rl {

using scene::CheckNewRunFolder;
using scene::CheckOutputPath;
using scene::GitHash;
using scene::LoadModel;
using scene::RecordedNumber;
using scene::RecordedNumberFrom;
using scene::RecordedNumbersFrom;
using scene::RunJournal;
using scene::UnitWalk;
using scene::Versions;
using scene::WriteText;

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

  // units of work (the idle score, one policy per method and seed, one MPC method) go through
  // the journal: done once, taken from it when the run is resumed. `walk` says what happens to
  // a unit the journal lacks (scene/ray_units.h): computed here, listed for Ray, or left to
  // another process; only a whole walk writes the results
  void Run(RunJournal* journal, UnitWalk* walk) {
    journal_ = journal;
    walk_ = walk;
    // the do-nothing controller on the scoring episodes: the zero of the normalized score
    if (const nlohmann::json* record = journal_->Find("idle")) {
      idle_ = RecordedNumberFrom(record->at("return"));
    } else if (walk_->ComputesShared()) {
      std::unique_ptr<VecEnv> real = RealEnv(10'000 + o_.seeds.front(), o_.eval_episodes);
      idle_ = Summarize(RunEpisodes(real.get(), [](const VecEnv& env, const double*, double* actions) {
                std::fill(actions, actions + env.num_envs() * env.action_size(), 0.0);
              })).mean;
      walk_->Finish(journal_, "idle", {{"return", RecordedNumber(idle_)}});
    }
    if (walk_->whole()) std::printf("[transfer] doing nothing scores %.4g on real.xml\n", idle_);
    for (const std::string& method : o_.methods) {
      if (IsPolicyMethod(method)) {
        RunPolicyMethod(method);
      } else {
        RunMpcMethod(method);
      }
    }
    if (walk_->whole()) WriteSummary(journal_->Seconds());
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

  // one policy per seed, each a unit: trained, saved, scored on real.xml, recorded
  void RunPolicyMethod(const std::string& method) {
    MethodResult& r = results_[method];
    r.method = method;
    r.trained_on = method == "nominal" ? "sim.xml" : method == "randomized" ? "sim.xml, randomized"
                   : method == "hybrid" ? "hybrid.xml" : "real.xml";
    for (uint64_t seed : o_.seeds) {
      const std::string unit = method + "-s" + std::to_string(seed);
      if (!journal_->Find(unit) && walk_->Computes(unit, {})) walk_->Finish(journal_, unit, TrainAndScore(method, seed));
      if (!walk_->whole()) continue;
      const nlohmann::json& record = *journal_->Find(unit);
      std::vector<CurvePoint> curve;
      for (const nlohmann::json& p : record.at("curve")) {
        curve.push_back({p.at(0).get<long>(),
                         {RecordedNumberFrom(p.at(1)), RecordedNumberFrom(p.at(2)), p.at(3).get<int>()}});
      }
      curves_ += CurveCsvRows(method, seed, curve);
      const std::vector<double> final_returns = RecordedNumbersFrom(record.at("returns"));
      r.returns.insert(r.returns.end(), final_returns.begin(), final_returns.end());
      r.seeds.insert(r.seeds.end(), final_returns.size(), seed);
      r.seed_means.push_back(Summarize(final_returns).mean);
      r.diverged += record.at("diverged").get<long>();
      r.seconds += record.at("seconds").get<double>();
      WriteProgress();
    }
  }

  nlohmann::json TrainAndScore(const std::string& method, uint64_t seed) {
    const double start = Now();
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
    SavePolicy(trained.policy, Out(method + "-s" + std::to_string(seed) + ".pt"));
    const std::vector<double> final_returns = RunEpisodes(real.get(), PolicyController(&trained.policy));
    nlohmann::json curve = nlohmann::json::array(), returns = nlohmann::json::array();
    for (const CurvePoint& p : trained.curve) {
      curve.push_back({p.steps, RecordedNumber(p.score.mean), RecordedNumber(p.score.std), p.score.episodes});
    }
    for (double v : final_returns) returns.push_back(RecordedNumber(v));
    return {{"curve", curve}, {"returns", returns}, {"diverged", trained.diverged}, {"seconds", Now() - start}};
  }

  // the episodes of one MPC method, one unit (the planner's random stream runs through them)
  void RunMpcMethod(const std::string& method) {
    MethodResult& r = results_[method];
    r.method = method;
    r.trained_on = method == "mpc-nominal" ? "sim.xml (planner)" : "hybrid.xml (planner)";
    if (!journal_->Find(method) && walk_->Computes(method, {})) walk_->Finish(journal_, method, PlanAndAct(method));
    if (!walk_->whole()) return;
    const nlohmann::json& record = *journal_->Find(method);
    r.returns = RecordedNumbersFrom(record.at("returns"));
    r.seeds.assign(r.returns.size(), o_.seeds.front());
    r.seed_means.push_back(Summarize(r.returns).mean);
    r.seconds = record.at("seconds").get<double>();
    WriteProgress();
  }

  nlohmann::json PlanAndAct(const std::string& method) {
    const double start = Now();
    ModelPtr internal = LoadModel(method == "mpc-nominal" ? sim_ : hybrid_);
    PredictiveSampling planner(internal.get(), task_, o_.mpc);
    // episode by episode on one real copy, from the same start states as the policies' scores
    std::unique_ptr<VecEnv> real = RealEnv(10'000 + o_.seeds.front(), 1);
    nlohmann::json returns = nlohmann::json::array();
    for (int e = 0; e < o_.mpc_episodes; ++e) {
      planner.Reset();
      const Controller act = [&](const VecEnv& env, const double*, double* action) {
        const mjData* d = env.data(0);
        planner.Act(d->qpos, d->qvel, action);
      };
      const double ret = RunEpisodes(real.get(), act).front();
      returns.push_back(RecordedNumber(ret));
      std::printf("[transfer %s] episode %d/%d  real return %.4g\n", method.c_str(), e + 1, o_.mpc_episodes, ret);
      std::fflush(stdout);
    }
    return {{"returns", returns}, {"seconds", Now() - start}};
  }

  // curves.csv and returns.csv with every unit so far, rewritten whole after each: a long run
  // shows its progress, and a kill never leaves a half-written row
  void WriteProgress() {
    std::string returns = kReturnsCsvHeader;
    for (const std::string& method : o_.methods) {
      auto it = results_.find(method);
      if (it != results_.end()) returns += ReturnsCsvRows(it->second);
    }
    WriteText(Out("curves.csv"), kCurvesCsvHeader + curves_);
    WriteText(Out("returns.csv"), returns);
  }

  // transfer.json (and its copy) and table.md, from the methods' results in the order asked for
  void WriteSummary(double seconds) {
    std::vector<MethodResult> results;
    for (const std::string& method : o_.methods) results.push_back(results_.at(method));
    TransferSummary summary = SummarizeTransfer(o_, name_, task_.name, idle_, results, seconds);
    summary.json["versions"] = Versions();
    summary.json["git"] = GitHash();
    WriteText(Out("transfer.json"), summary.json.dump(2) + "\n");
    if (!o_.json.empty()) WriteText(o_.json, summary.json.dump(2) + "\n");
    WriteText(Out("table.md"), summary.table);
    std::printf("\n%s\n", summary.table.c_str());
  }

  TransferOptions o_;
  std::string name_, real_, sim_, hybrid_;
  TaskSpec task_;
  RunJournal* journal_ = nullptr;
  UnitWalk* walk_ = nullptr;
  std::map<std::string, MethodResult> results_;
  std::string curves_;  // the curves.csv rows so far
  double idle_ = 0;  // the return of zero actions on the scoring episodes
};

}  // namespace

void RunTransfer(const TransferOptions& options) {
  // a Ray task: one unit of the run in the run folder, its record handed back in a file
  if (!options.ray.unit.empty()) {
    RunJournal journal = RunJournal::Open(options.out, "transfer");
    UnitWalk one = UnitWalk::One(options.ray.unit, options.ray.unit_record);
    Transfer(options).Run(&journal, &one);
    if (!one.found()) {
      throw std::runtime_error("transfer run '" + options.out + "' has no unit '" + options.ray.unit + "' to do");
    }
    return;
  }
  if (!options.resume) CheckNewRunFolder(options.out, "transfer");
  if (!options.json.empty()) CheckOutputPath(options.json, false);
  Transfer transfer(options);  // checks the scene before anything is written
  // on Ray: Ray is checked before anything is written and starts while the idle score is taken
  // here; every policy and MPC method is a task, and the whole walk finds them all recorded
  std::unique_ptr<scene::RayUnits> ray;
  if (options.ray.on) ray = std::make_unique<scene::RayUnits>(options.ray);
  RunJournal journal = options.resume ? RunJournal::Open(options.out, "transfer")
                                      : RunJournal::Start(options.out, "transfer", options.arguments);
  // said once here: on Ray the run walks its units twice (the plan, then the whole)
  if (journal.resumed()) std::printf("[transfer] resuming %s from its %s\n", options.out.c_str(), RunJournal::kFileName);
  if (ray) {
    UnitWalk plan = UnitWalk::Plan();
    Transfer(options).Run(&journal, &plan);
    ray->Run(options.arguments, plan.plan(), &journal);
  }
  UnitWalk whole = UnitWalk::Whole();
  transfer.Run(&journal, &whole);
}

}  // namespace mjhybrid::rl
