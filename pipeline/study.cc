#include "pipeline/study.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "pipeline/learned_model.h"
#include "plugin/core/contact_params.h"
#include "plugin/core/residual_model.h"
#include "pipeline/residual_recipe.h"
#include "pipeline/study_report.h"
#include "pipeline/study_scene.h"
#include "pipeline/targets.h"
#include "scene/attach.h"
#include "scene/collect.h"
#include "scene/dataset_fit.h"
#include "scene/kstep_error.h"
#include "scene/mujoco_util.h"
#include "scene/params_fit.h"
#include "scene/report.h"
#include "scene/rollout.h"
#include "scene/run_files.h"
#include "scene/run_journal.h"
#include "scene/scene_config.h"
#include "scene/sysid.h"
#include "scene/true_params.h"

namespace mjhybrid::pipeline {

using scene::AttachOptions;
using scene::CheckNewRunFolder;
using scene::CheckOutputPath;
using scene::Collect;
using scene::CollectOptions;
using scene::CompileHybrid;
using scene::ControlSubsteps;
using scene::Episode;
using scene::GitHash;
using scene::Healthy;
using scene::HybridMjcf;
using scene::HorizonError;
using scene::KStepError;
using scene::KStepOptions;
using scene::LoadDataset;
using scene::LoadModel;
using scene::LoadSceneConfig;
using scene::MakeData;
using scene::ParamsFitOptions;
using scene::ParamsFitResult;
using scene::FitContactParams;
using scene::QposNames;
using scene::RolloutStepper;
using scene::RunJournal;
using scene::SaveDataset;
using scene::SceneConfig;
using scene::StartRollout;
using scene::StepRollout;
using scene::SysidOptions;
using scene::SysidParameter;
using scene::SysidResult;
using scene::TrajectoryDataset;
using scene::UnitWalk;
using scene::Versions;
using scene::WriteText;

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

class Study {
 public:
  explicit Study(const StudyOptions& options)
      : o_(options),
        scene_(CheckScene(options.scene, options.sim)),
        config_(scene_.config.empty() ? SceneConfig() : LoadSceneConfig(scene_.config)),
        out_(options.out) {
    for (const auto& [a, b] : config_.replace) replace_.push_back(a + ":" + b);
  }

  // every unit of work goes through the journal: done once, skipped when resumed. `walk` says
  // what happens to a unit the journal lacks (scene/ray_units.h): computed here, listed for Ray,
  // or left to another process; only a whole walk writes the results
  void Run(RunJournal* journal, UnitWalk* walk) {
    journal_ = journal;
    walk_ = walk;
    CollectData();
    ModelPtr sim = LoadModel(scene_.sim);
    k_.stride = std::max(1, o_.eval_stride);
    k_.start_spacing = o_.eval_spacing;

    Unit("nominal", {}, [&] {
      Score("nominal", 0, Seconds(train_), 0, sim.get());
      return json();
    });
    // the bound perfect system identification would reach: it reads real.xml, so it is no method
    Unit("true-params", {}, [&] {
      ModelPtr truth = scene::TrueParameterModel(scene_.real, sim.get());
      Record({"true-params", 0, Seconds(train_), 0, Errors(truth.get(), k_, Seconds(train_))});
      return json();
    });
    // sysid is deterministic: one fit
    const std::string sysid_path = Path("sysid.xml");
    Unit("sysid", {}, [&] { return IdentifyAndScore(train_, sysid_path, 0, Seconds(train_)); });
    // contact parameters per pair, as the demo fits them (deterministic: one fit): where
    // scene.json's "fit_params" is not false and the data hold contacts to fit, on the model
    // the demo builds on, the identified one unless scene.json says "sysid": false
    fits_params_ = config_.fit_params.value_or(true) && scene::HasContactToFit(sim.get(), train_, ParamsFitOptions());
    const std::string params_path = fits_params_ ? Path("params.xml") : "";
    if (fits_params_) {
      Unit(ParamsMethod(), ParamsNeeds(""), [&] { return FitParamsAndScore(train_path_, "", 0, Seconds(train_)); });
    }

    for (uint64_t seed : o_.seeds) FitLearnedMethods(seed, train_path_, Seconds(train_), "", sysid_path, params_path);

    // data efficiency: the first seconds of the same training data, first seed
    for (double budget : o_.data_seconds) {
      if (budget >= Seconds(train_)) continue;
      const std::string tag = std::to_string(static_cast<int>(budget)) + "s";
      const std::string part_path = Path("data/train-" + tag + ".h5");
      // written whole or not at all, so one that exists is this one (a resumed study); a walk
      // for Ray writes it before the units that read it are handed out
      std::error_code ec;
      if (!fs::exists(part_path, ec)) SaveDataset(part_path, FirstSeconds(train_, budget));
      const std::string part_sysid = Path("sysid-" + tag + ".xml");
      Unit("sysid-" + tag, {}, [&] {
        return IdentifyAndScore(LoadDataset(part_path), part_sysid, o_.seeds.front(), budget);
      });
      std::string part_params;
      if (fits_params_) {
        part_params = Path("params-" + tag + ".xml");
        Unit(ParamsMethod() + "-" + tag, ParamsNeeds("-" + tag),
             [&] { return FitParamsAndScore(part_path, "-" + tag, o_.seeds.front(), budget); });
      }
      FitLearnedMethods(o_.seeds.front(), part_path, budget, "-" + tag, part_sysid, part_params);
    }
    if (!walk_->whole()) return;
    WriteOverlay(sim.get());
    WriteResults(journal_->Seconds());
  }

 private:
  std::string Path(const std::string& name) const { return (out_ / name).string(); }

  // the contact parameters' method, named after the model they are fitted on, and the unit that
  // writes that model (the identified one of the same data)
  std::string ParamsMethod() const { return config_.sysid ? "sysid+params" : "params"; }
  std::vector<std::string> ParamsNeeds(const std::string& tag) const {
    return config_.sysid ? std::vector<std::string>{"sysid" + tag} : std::vector<std::string>{};
  }

  // the fits of one unit of work: `work` runs and its fits are recorded in the journal (with
  // what it returns: identified parameters), unless the journal has them from an earlier run.
  // `needs`: the units whose files `work` reads (besides the data), for Ray to run them first
  void Unit(const std::string& name, const std::vector<std::string>& needs, const std::function<json()>& work) {
    if (const json* record = journal_->Find(name)) {
      for (const json& fit : record->at("fits")) Record(StudyFitFromJson(fit), "recorded");
      if (record->contains("sysid")) sysid_.update(record->at("sysid"));
      return;
    }
    if (!walk_->Computes(name, needs)) return;
    const size_t first = fits_.size();
    const json identified = work();
    json record = {{"fits", json::array()}};
    for (size_t i = first; i < fits_.size(); ++i) record["fits"].push_back(StudyFitJson(fits_[i]));
    if (!identified.is_null()) {
      record["sysid"] = identified;
      sysid_.update(identified);
    }
    walk_->Finish(journal_, name, std::move(record));
  }

  // the training and held-out data: collected once (a unit), then read back when resumed
  void CollectData() {
    CollectOptions protocol = config_.collect;
    int eval_episodes = config_.eval_episodes;
    if (o_.episodes > 0) protocol.episodes = o_.episodes;
    if (o_.eval_episodes > 0) eval_episodes = o_.eval_episodes;
    if (o_.steps > 0) protocol.steps = o_.steps;
    if (o_.dt > 0) protocol.dt = o_.dt;
    protocol.model_path = scene_.real;
    // the scene's control period (scene.json collect.dt), else one recorded step per analytic step
    if (!(protocol.dt > 0)) protocol.dt = LoadModel(scene_.sim)->opt.timestep;
    protocol.seed = 1;
    train_path_ = Path("data/train.h5");
    // horizons longer than the protocol's episodes (toss, hopper) are scored on a second, longer
    // held-out set, as a lab would record a few long runs for the long-horizon figures
    const int longest = *std::max_element(k_.horizons.begin(), k_.horizons.end());
    const bool long_runs_needed = longest >= protocol.steps;
    if (journal_->Find("data")) {
      train_ = LoadDataset(train_path_);
      test_ = LoadDataset(Path("data/test.h5"));
      if (long_runs_needed) long_test_ = LoadDataset(Path("data/test-long.h5"));
      protocol.episodes = eval_episodes;
      protocol_ = protocol;
      // (a study on Ray walks its journal again after the units came back: not a resumption)
      if (journal_->resumed()) {
        std::fprintf(stderr, "[study] resuming %s: its data and the work recorded in its %s\n", out_.c_str(),
                     RunJournal::kFileName);
      }
      return;
    }
    if (!walk_->ComputesShared()) throw std::runtime_error("'" + out_.string() + "' has no recorded data");
    fs::create_directories(out_ / "data");
    std::fprintf(stderr, "[study] collecting %d + %d episodes from %s\n", protocol.episodes, eval_episodes,
                 scene_.real.c_str());
    train_ = Collect(protocol, false);
    SaveDataset(train_path_, train_);
    protocol.seed = 2;
    protocol.episodes = eval_episodes;
    test_ = Collect(protocol, false);
    SaveDataset(Path("data/test.h5"), test_);
    protocol_ = protocol;
    if (long_runs_needed) {
      CollectOptions long_runs = protocol;
      long_runs.steps = longest + longest / 4;
      long_runs.seed = 3;
      std::fprintf(stderr, "[study] collecting %d held-out episodes of %d steps for h >= %d\n", long_runs.episodes,
                   long_runs.steps, protocol.steps);
      long_test_ = Collect(long_runs, false);
      SaveDataset(Path("data/test-long.h5"), long_test_);
    }
    walk_->Finish(journal_, "data", json::object());
  }

  // the k-step errors on the held-out data: horizons the protocol's episodes can hold from
  // test_, the longer ones from long_test_. A fit of the data-efficiency sweep (less than all
  // the training data) skips the long set: the sweep is read at h = 100 (gap_vs_data.png),
  // and the long horizons were more than half of its scoring time
  std::vector<HorizonError> Errors(const mjModel* m, const KStepOptions& k, double data_s) const {
    if (data_s < Seconds(train_)) {
      KStepOptions sweep = k;
      sweep.horizons.clear();
      for (int h : k.horizons) {
        if (long_test_.episodes.empty() || h < protocol_.steps) sweep.horizons.push_back(h);
      }
      return KStepError(m, test_, sweep);
    }
    if (long_test_.episodes.empty()) return KStepError(m, test_, k);
    KStepOptions short_k = k, long_k = k;
    short_k.horizons.clear();
    long_k.horizons.clear();
    for (int h : k.horizons) (h < protocol_.steps ? short_k : long_k).horizons.push_back(h);
    std::vector<HorizonError> out;
    if (!short_k.horizons.empty()) out = KStepError(m, test_, short_k);
    if (!long_k.horizons.empty()) {
      for (HorizonError& e : KStepError(m, long_test_, long_k)) out.push_back(e);
    }
    return out;
  }

  // scene.json's choices of how a Levenberg-Marquardt fit runs (scene/scene_config.h)
  SysidOptions SceneSysidOptions() const {
    SysidOptions options;
    options.threads = std::max(2, o_.train.threads);
    options.step_doublings = config_.sysid_options.step_doublings;
    options.polish_sweeps = config_.sysid_options.polish_sweeps;
    return options;
  }

  // identifies sim.xml's parameters on `data`, writes the identified model to `path` and scores
  // it; the parameters, for study.json
  json IdentifyAndScore(const TrajectoryDataset& data, const std::string& path, uint64_t seed, double data_s) {
    const auto start = Clock::now();
    SysidOptions options = SceneSysidOptions();
    options.actuator_lag = config_.sysid_options.actuator_lag;
    options.rounds = config_.sysid_options.rounds;
    // with rounds > 1 the parameters' nominal values are the previous round's (scene/sysid.h)
    SysidResult result = scene::IdentifyAndWrite(scene_.sim, data, options, path);
    std::fprintf(stderr, "[study] sysid on %.0f s of data: %d-step error %.4g -> %.4g\n", Seconds(data),
                 options.horizon, result.initial_cost, result.final_cost);
    json parameters;
    for (const SysidParameter& p : result.parameters) {
      parameters[p.name] = {{"nominal", p.nominal}, {"identified", p.value()}};
    }
    const double fit = Since(start);
    ModelPtr identified = LoadModel(path);
    Score("sysid", seed, data_s, fit, identified.get());
    return {{fs::path(path).filename().string(), parameters}};
  }

  // fits the contact parameters per pair on the data in `data_path`, on sim.xml or the model
  // identified on the same data (sysid[TAG].xml), writes the model (params[TAG].safetensors) and
  // the scene that uses it (params[TAG].xml, beside the include of the model it builds on) and
  // scores it; the fitted values, for study.json
  json FitParamsAndScore(const std::string& data_path, const std::string& tag, uint64_t seed, double data_s) {
    const auto start = Clock::now();
    TrajectoryDataset data = LoadDataset(data_path);
    ParamsFitOptions options;
    options.threads = std::max(2, o_.train.threads);
    const std::string base = config_.sysid ? Path("sysid" + tag + ".xml") : scene_.sim;
    const std::string file = Path("params" + tag + ".safetensors");
    const std::string scratch = Path(".params" + tag + ".fit");
    ParamsFitResult result = FitContactParams(base, data, options, scratch);
    SaveParams(file, result.model);
    // contact rounds, as the demo runs them (scene.json "sysid": {"contact_rounds": N}): the
    // physical parameters again with the pairs in place, written beside sysid[TAG].xml (which
    // the sysid+residual units read), then the pairs again from where they were
    std::string params_base = base;
    for (int round = 1; round <= config_.sysid_options.contact_rounds; ++round) {
      SysidOptions physics = SceneSysidOptions();
      physics.contact_params = file;
      const std::string identified = Path("sysid-contact" + tag + ".xml");
      scene::IdentifyAndWrite(params_base, data, physics, identified);
      params_base = identified;
      options.start = std::make_shared<const ContactParamsModel>(result.model);
      result = FitContactParams(params_base, data, options, scratch);
      SaveParams(file, result.model);
    }
    AttachOptions attach;
    attach.sim_path = params_base;
    attach.params_model = file;
    WriteText(Path("params" + tag + ".xml"), HybridMjcf(attach, out_.string()));
    std::fprintf(stderr, "[study] %s on %.0f s of data: %d-step error %.4g -> %.4g\n", ParamsMethod().c_str(),
                 Seconds(data), options.horizon, result.initial_cost, result.final_cost);
    const double fit = Since(start);
    ModelPtr fitted = LoadModel(Path("params" + tag + ".xml"));
    Score(ParamsMethod(), seed, data_s, fit, fitted.get());
    json pairs;
    const ContactParamsModel& m = result.model;
    for (size_t i = 0; i < m.pairs.size(); ++i) {
      json values;
      for (int k = 0; k < m.columns(); ++k) {
        values[ContactParameterName(m.parameters[k])] = {{"nominal", m.nominal[i * m.columns() + k]},
                                                         {"fitted", m.value(static_cast<int>(i), k)}};
      }
      pairs[m.pairs[i].geom1.name + " | " + m.pairs[i].geom2.name] = values;
    }
    return {{"params" + tag + ".safetensors", pairs}};
  }

  static void SaveParams(const std::string& file, const ContactParamsModel& model) {
    std::string error;
    if (!SaveContactParams(file, model, &error)) throw std::runtime_error("cannot write '" + file + "': " + error);
  }

  // hybrid, sysid+residual, params+residual or sysid+params+residual (when params_path names
  // the fitted contact parameters' scene), learned and (with replace pairs) hybrid-replace for one seed
  void FitLearnedMethods(uint64_t seed, const std::string& data_path, double data_s, const std::string& tag,
                         const std::string& sysid_path, const std::string& params_path) {
    const std::string suffix = "-s" + std::to_string(seed) + tag;
    // a residual trained on the model in `base` (nominal or identified, the file of unit
    // `base_unit`), saved and scored
    const auto residual = [&](const std::string& method, const std::string& base, const std::string& base_unit,
                              const std::vector<std::string>& pairs) {
      std::vector<std::string> needs;
      if (!base_unit.empty()) needs.push_back(base_unit);
      Unit(method + suffix, needs, [&] {
        const std::string file = Path(method + suffix + ".safetensors");
        const double fit = TrainResidualFile(base, data_path, file, seed, pairs);
        Score(method, seed, data_s, fit, Hybrid(base, file).get());
        return json();
      });
    };
    residual("hybrid", scene_.sim, "", {});
    residual("sysid+residual", sysid_path, "sysid" + tag, {});
    if (!params_path.empty()) residual(ParamsMethod() + "+residual", params_path, ParamsMethod() + tag, {});
    // the pure learned model; the first seed's on all the data is kept for the overlay
    ModelPtr sim = LoadModel(scene_.sim);
    const bool overlaid = seed == o_.seeds.front() && tag.empty();
    const std::string learned_file = Path("learned" + suffix + ".safetensors");
    Unit("learned" + suffix, {}, [&] {
      const auto start = Clock::now();
      TrajectoryDataset data = LoadDataset(data_path);
      FeatureSpec spec;
      spec.contact_pairs = FrequentContactPairs(sim.get(), data, 8, 0.01);
      TrainOptions options = o_.train;
      options.seed = seed;
      // the peer keeps the MSE loss it was measured with: its next-state targets are not the
      // residual's heavy-tailed ones, and on hopper Huber made it worse (h = 100: -109 % -> -485 %)
      options.huber_delta = 0;
      LearnedModel learned = TrainLearnedModel(sim.get(), data, spec, options, false);
      const double fit = Since(start);
      KStepOptions k = k_;
      k.stepper = LearnedStepper(sim.get(), learned);
      Record({"learned", seed, data_s, fit, Errors(sim.get(), k, data_s)});
      if (overlaid) {
        std::string error;
        if (!SaveResidualModel(learned_file, *learned.network, &error)) {
          throw std::runtime_error("cannot write '" + learned_file + "': " + error);
        }
        learned_ = learned;
      }
      return json();
    });
    // a contact model where the scene names pairs to replace
    if (!replace_.empty()) residual("hybrid-replace", scene_.sim, "", replace_);
  }

  double TrainResidualFile(const std::string& sim, const std::string& data, const std::string& out, uint64_t seed,
                           const std::vector<std::string>& replace) {
    const auto start = Clock::now();
    ResidualRecipe recipe;
    recipe.replace = replace;
    recipe.options = o_.train;
    recipe.options.seed = seed;
    ApplySceneTraining(config_.train, {}, &recipe);  // the scene's "train" section, if any
    SaveFittedResidual(FitResidual(sim, data, recipe, out), out);
    return Since(start);
  }

  ModelPtr Hybrid(const std::string& sim, const std::string& residual) {
    AttachOptions attach;
    attach.sim_path = sim;
    attach.residual.model = residual;
    return CompileHybrid(attach);
  }

  void Score(const std::string& method, uint64_t seed, double data_s, double fit, const mjModel* m) {
    Record({method, seed, data_s, fit, Errors(m, k_, data_s)});
  }

  void Record(StudyFit fit, const char* how = "fit") {
    const HorizonError& last = fit.errors.back();
    std::fprintf(stderr, "[study] %-15s seed %llu, %5.0f s of data: h=%d qpos %.3e (%s %.1f s)\n", fit.method.c_str(),
                 static_cast<unsigned long long>(fit.seed), fit.data_s, last.horizon, last.qpos_rmse, how,
                 fit.fit_seconds);
    fits_.push_back(std::move(fit));
  }

  // one held-out episode rolled out open loop by every method (first seed, all data), from the
  // files the units wrote (the pure learned model kept in memory when this process trained it)
  void WriteOverlay(const mjModel* sim) {
    ModelPtr sysid = LoadModel(Path("sysid.xml"));
    const std::string s0 = "-s" + std::to_string(o_.seeds.front());
    if (!learned_.network) {
      const std::string learned_file = Path("learned" + s0 + ".safetensors");
      std::string error;
      learned_.network = LoadResidualModel(learned_file, &error);
      if (!learned_.network) throw std::runtime_error("'" + learned_file + "': " + error);
    }
    const Episode& ep = test_.episodes.front();
    const int steps = std::min(ep.steps(), 1000), nq = sim->nq;
    std::ostringstream csv;
    csv << "method,step,time";
    for (const std::string& name : QposNames(sim)) csv << ",qpos." << name;
    csv << '\n';
    auto row = [&](const std::string& method, int t, const double* q) {
      csv << method << ',' << t << ',' << ep.time[t] - ep.time[0];
      for (int i = 0; i < nq; ++i) csv << ',' << q[i];
      csv << '\n';
    };
    for (int t = 0; t <= steps; ++t) row("real", t, ep.qpos.data() + t * nq);
    auto rollout = [&](const std::string& method, const mjModel* m, RolloutStepper* stepper) {
      DataPtr d = MakeData(m);
      const int substeps = ControlSubsteps(m, test_);
      const scene::ActivationReplay activation(m);
      StartRollout(m, d.get(), ep, 0, stepper, &activation, substeps);
      row(method, 0, d->qpos);
      for (int t = 0; t < steps; ++t) {
        StepRollout(m, d.get(), ep, t, stepper, substeps);
        if (!Healthy(m, d.get())) break;
        row(method, t + 1, d->qpos);
      }
    };
    rollout("nominal", sim, nullptr);
    rollout("sysid", sysid.get(), nullptr);
    rollout("hybrid", Hybrid(scene_.sim, Path("hybrid" + s0 + ".safetensors")).get(), nullptr);
    rollout("sysid+residual", Hybrid(Path("sysid.xml"), Path("sysid+residual" + s0 + ".safetensors")).get(), nullptr);
    if (learned_.network) {
      std::unique_ptr<RolloutStepper> stepper = LearnedStepper(sim, learned_)();
      rollout("learned", sim, stepper.get());
    }
    if (fits_params_) {
      const std::string method = ParamsMethod();
      rollout(method, LoadModel(Path("params.xml")).get(), nullptr);
      rollout(method + "+residual", Hybrid(Path("params.xml"), Path(method + "+residual" + s0 + ".safetensors")).get(),
              nullptr);
    }
    if (!replace_.empty()) {
      rollout("hybrid-replace", Hybrid(scene_.sim, Path("hybrid-replace" + s0 + ".safetensors")).get(), nullptr);
    }
    WriteText(Path("overlay.csv"), csv.str());
  }

  void WriteResults(double seconds);

  const StudyOptions& o_;
  RunJournal* journal_ = nullptr;
  UnitWalk* walk_ = nullptr;
  Scene scene_;
  SceneConfig config_;  // scene.json, or the defaults where the folder has none
  fs::path out_;
  CollectOptions protocol_;
  TrajectoryDataset train_, test_, long_test_;
  std::string train_path_;
  std::vector<std::string> replace_;
  KStepOptions k_;
  LearnedModel learned_;
  std::vector<StudyFit> fits_;
  json sysid_ = json::object();
  bool fits_params_ = false;  // the data hold contacts to fit per pair, and scene.json allows it
};

void Study::WriteResults(double seconds) {
  const double full = Seconds(train_);
  WriteText(Path("results.csv"), StudyResultsCsv(fits_));
  const StudySummary summary = SummarizeStudy(fits_, full);
  json out = summary.json;
  out["scene"] = fs::path(scene_.folder).filename().string();
  out["config"] = {{"seeds", o_.seeds}, {"data_seconds", o_.data_seconds}, {"train_seconds", full},
                   {"held_out_seconds", Seconds(test_)}, {"held_out_episodes", test_.episodes.size()},
                   {"long_held_out_seconds", Seconds(long_test_)},
                   {"long_held_out_episodes", long_test_.episodes.size()},
                   {"eval_stride", k_.stride}, {"eval_spacing", k_.start_spacing}, {"hidden", o_.train.hidden}, {"members", o_.train.members},
                   {"replace", replace_}};
  out["sysid"] = sysid_;
  out["versions"] = Versions();
  out["git"] = GitHash();
  out["seconds"] = seconds;
  const std::string text = out.dump(2) + "\n";
  WriteText(Path("study.json"), text);
  if (!o_.json.empty()) WriteText(o_.json, text);

  std::ostringstream md;
  md << "Study of `" << out["scene"].get<std::string>() << "`: " << full << " s of training data, " << Seconds(test_)
     << " s held out";
  if (!long_test_.episodes.empty()) {
    md << " (h >= " << protocol_.steps << " on " << Seconds(long_test_) << " s more, in " << long_test_.episodes.size()
       << " episodes of " << long_test_.episodes.front().steps() << " steps)";
  }
  md << "; mean ± std over " << o_.seeds.size() << " seeds for the learned methods; " << seconds
     << " s in all.\n\n" << summary.table;
  WriteText(Path("table.md"), md.str());
  std::printf("\n%s\n", md.str().c_str());
}

}  // namespace

void RunStudy(const StudyOptions& options) {
  if (options.seeds.empty()) throw std::runtime_error("--seeds needs at least one seed");
  // a Ray task: one unit of the study in the run folder, its record handed back in a file
  if (!options.ray.unit.empty()) {
    RunJournal journal = RunJournal::Open(options.out, "study");
    UnitWalk one = UnitWalk::One(options.ray.unit, options.ray.unit_record);
    Study(options).Run(&journal, &one);
    if (!one.found()) throw std::runtime_error("study '" + options.out + "' has no unit '" + options.ray.unit + "' to do");
    return;
  }
  if (!options.resume) CheckNewRunFolder(options.out, "a study");
  if (!options.json.empty()) CheckOutputPath(options.json, false);
  { Study checked(options); }  // checks the scene before anything is written
  // on Ray: Ray is checked before anything is written and starts while the data are collected
  // here; every other unit is a task, and the walk below finds them all recorded
  std::unique_ptr<scene::RayUnits> ray;
  if (options.ray.on) ray = std::make_unique<scene::RayUnits>(options.ray);
  RunJournal journal = options.resume ? RunJournal::Open(options.out, "study")
                                      : RunJournal::Start(options.out, "study", options.arguments);
  if (ray) {
    UnitWalk plan = UnitWalk::Plan();
    Study(options).Run(&journal, &plan);
    ray->Run(options.arguments, plan.plan(), &journal);
  }
  UnitWalk whole = UnitWalk::Whole();
  Study(options).Run(&journal, &whole);
}

}  // namespace mjhybrid::pipeline
