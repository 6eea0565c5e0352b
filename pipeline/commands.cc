#include "pipeline/commands.h"

#include <torch/version.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pipeline/calibrate.h"
#include "pipeline/mujoco_util.h"
#include "pipeline/scene_config.h"
#include "pipeline/targets.h"
#include "pipeline/velocity_targets.h"
#include "plugin/core/mlp.h"
#include "plugin/mujoco/state_layout_from_model.h"

namespace mjhybrid {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  if (!(f << text)) throw std::runtime_error("cannot write '" + path + "'");
}

// the output scale `train` chose on validation rollouts, null when it was not calibrated
json CalibratedScale(const std::string& residual) {
  std::string error;
  auto model = LoadResidualModel(residual, &error);
  if (!model) return nullptr;
  const json calibration = model->provenance.value("calibration", json());
  return calibration.is_object() && calibration.contains("scale") ? calibration["scale"] : json();
}

}  // namespace

std::string Versions() {
  return std::string("mujoco ") + mj_versionString() + ", libtorch " + TORCH_VERSION;
}

void RunCollect(const CollectCommand& c) {
  CheckOutputPath(c.out, c.force);
  CollectOptions options = c.options;
  if (!c.protocol.empty()) {
    SceneConfig scene = LoadSceneConfig(c.protocol);
    options = scene.collect;
    options.model_path = c.options.model_path;
    options.seed = c.options.seed;
    if (c.held_out) options.episodes = scene.eval_episodes;
    if (c.given.count("episodes")) options.episodes = c.options.episodes;
    if (c.given.count("steps")) options.steps = c.options.steps;
    if (c.given.count("dt")) options.dt = c.options.dt;
    std::fprintf(stderr, "[collect] protocol %s: %d episodes x %d steps\n", c.protocol.c_str(),
                 options.episodes, options.steps);
  } else if (c.held_out) {
    throw std::runtime_error("--held-out needs --protocol (it collects the protocol's eval_episodes)");
  }
  TrajectoryDataset data = Collect(options, /*progress=*/true);
  SaveDataset(c.out, data);
  std::fprintf(stderr, "[collect] wrote %s: %zu episodes, %lld transitions, %.1f s of real time\n",
               c.out.c_str(), data.episodes.size(), data.transitions(),
               data.transitions() * data.timestep);
}

void RunTrain(const TrainCommand& command) {
  TrainCommand c = command;
  if (!c.protocol.empty()) {
    const SceneTraining scene = LoadSceneConfig(c.protocol).train;
    // a contact model (--replace) always outputs pair wrenches
    if (!scene.output.empty() && !c.given.count("output") && c.replace.empty()) c.output = scene.output;
    if (scene.target_window > 0 && !c.given.count("target-window")) c.target_window = scene.target_window;
    if (scene.huber >= 0 && !c.given.count("huber")) c.options.huber_delta = scene.huber;
  }
  CheckOutputPath(c.out, c.force);
  if (c.ctrl_history < 0) throw std::runtime_error("--history must be >= 0");
  ModelPtr sim = LoadModel(c.sim);
  TrajectoryDataset data = LoadDataset(c.data);
  CheckDatasetFits(sim.get(), c.sim, data, c.data);

  if (c.contact_range < 0) throw std::runtime_error("--contact-range must be > 0");
  FeatureSpec spec;
  spec.ctrl_history = c.ctrl_history;
  const mjModel* analytic = sim.get();
  ModelPtr without_contact;
  if (!c.replace.empty() && c.output != "force") {
    throw std::runtime_error("--output " + c.output + " is for whole-state residuals; a contact model (--replace) outputs pair wrenches");
  }
  spec.output = c.output == "velocity" ? ResidualOutput::kVelocity : ResidualOutput::kForce;
  spec.constraint_response = spec.output == ResidualOutput::kVelocity && c.constraint_features;
  if (!c.replace.empty()) {
    // a contact model learns each pair's whole wrench, against sim.xml without their contact
    spec.kind = ResidualKind::kContact;
    spec.ctrl_history = 0;
    spec.contact_range = c.contact_range > 0 ? c.contact_range : 0.01;
    for (const std::string& p : c.replace) spec.contact_pairs.push_back(NamedContactPair(sim.get(), p));
    without_contact = CompileWithoutContact(c.sim, spec.contact_pairs);
    analytic = without_contact.get();
  } else {
    spec.contact_range = c.contact_range > 0 ? c.contact_range : 0.05;
    if (c.contacts == "auto") {
      spec.contact_pairs = FrequentContactPairs(sim.get(), data, /*max_pairs=*/8, /*min_share=*/0.01);
    } else if (c.contacts != "none") {
      std::stringstream list(c.contacts);
      for (std::string p; std::getline(list, p, ',');) spec.contact_pairs.push_back(NamedContactPair(sim.get(), p));
    }
  }
  std::string pair_list;
  for (const ContactPair& p : spec.contact_pairs) pair_list += " " + p.geom1.name + ":" + p.geom2.name;
  const bool velocity = spec.kind == ResidualKind::kWholeState && spec.output == ResidualOutput::kVelocity;
  std::fprintf(stderr, "[train] %s residual; contact pairs:%s\n",
               spec.kind == ResidualKind::kContact ? "contact (replace)"
               : velocity ? "whole-state velocity (augment, after the step)"
                          : "whole-state force (augment)",
               pair_list.empty() ? " none" : pair_list.c_str());
  const auto start = std::chrono::steady_clock::now();
  TrainingSet set = velocity ? BuildVelocityTrainingSet(analytic, data, spec, c.target_window, true)
                             : BuildTrainingSet(analytic, data, spec, /*progress=*/true);
  if (set.rows() == 0) throw std::runtime_error("no training rows");
  const double target_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  TrainResult result = TrainResidual(set, StateLayoutFromModel(sim.get()), spec, c.options, true);
  for (int round = 2; velocity && round <= c.rounds; ++round) {
    // the windows of this round follow the hybrid the last round made; the new rows join the
    // old ones and the network is fit again on all of them
    const std::string scratch = c.out + ".round" + std::to_string(round);
    std::string error;
    if (!SaveResidualModel(scratch, *result.model, &error)) {
      throw std::runtime_error("cannot write '" + scratch + "': " + error);
    }
    AttachOptions attach;
    attach.sim_path = c.sim;
    attach.residual_path = scratch;
    ModelPtr hybrid = CompileHybrid(attach);
    std::fprintf(stderr, "[train] round %d/%d: windows along the hybrid of round %d\n", round,
                 c.rounds, round - 1);
    set.Append(BuildVelocityTrainingSet(analytic, data, spec, c.target_window, true, hybrid.get()));
    fs::remove(scratch);
    result = TrainResidual(set, StateLayoutFromModel(sim.get()), spec, c.options, true);
  }

  json calibration = "off";
  if (c.calibrate) {
    TrajectoryDataset validation = data;
    const int held = ValidationEpisodeCount(static_cast<int>(data.episodes.size()), c.options.validation_fraction);
    validation.episodes.erase(validation.episodes.begin(), validation.episodes.end() - held);
    calibration = CalibrateScale(c.sim, validation, c.out + ".calibrating", result.model.get());
  }

  result.model->provenance = {
      {"data", {{"file", fs::path(c.data).filename().string()}, {"source", data.source},
                {"episodes", data.episodes.size()}, {"transitions", data.transitions()},
                {"real_seconds", data.transitions() * data.timestep}, {"seed", data.seed},
                {"excitation", data.excitation}}},
      {"sim", fs::path(c.sim).filename().string()},
      {"targets", velocity ? "real minus analytic velocity change along " + std::to_string(c.target_window) +
                                 "-step analytic rollouts from the recorded states"
                           : std::string("finite differences through mj_step of the analytic model")},
      {"targets_seconds", target_seconds},
      {"training", result.report},
      {"calibration", calibration},
      {"versions", Versions()},
      {"git", GitHash()}};
  std::string error;
  if (!SaveResidualModel(c.out, *result.model, &error)) {
    throw std::runtime_error("cannot write '" + c.out + "': " + error);
  }
  std::fprintf(stderr, "[train] wrote %s (%s): %.1f s targets + %.1f s training\n", c.out.c_str(),
               result.model->network->description().c_str(), target_seconds,
               result.report["seconds"].get<double>());
}

void RunAttach(const AttachCommand& c) {
  Attach(c.options, c.out, c.force);
  std::fprintf(stderr, "[attach] wrote %s\n", c.out.c_str());
}

void RunEval(const EvalCommand& c) {
  if (!c.json.empty()) {
    CheckOutputPath(c.json, c.force);
    CheckOutputPath(fs::path(c.json).replace_extension(".csv").string(), c.force);
  }
  for (int h : c.options.horizons) {
    if (h < 1) throw std::runtime_error("--horizons must be positive integers");
  }
  ModelPtr sim = LoadModel(c.sim);
  TrajectoryDataset data = LoadDataset(c.data);
  CheckDatasetFits(sim.get(), c.sim, data, c.data);

  // the hybrid scene: sim.xml plus the plugin, compiled in memory
  AttachOptions attach;
  attach.sim_path = c.sim;
  attach.residual_path = c.residual;
  ModelPtr hybrid = CompileHybrid(attach);

  std::fprintf(stderr, "[eval] analytic: %zu held-out episodes, horizons", data.episodes.size());
  for (int h : c.options.horizons) std::fprintf(stderr, " %d", h);
  std::fprintf(stderr, "\n");
  std::vector<HorizonError> analytic = KStepError(sim.get(), data, c.options);
  std::fprintf(stderr, "[eval] hybrid\n");
  std::vector<HorizonError> learned = KStepError(hybrid.get(), data, c.options);

  // table and gap closed
  auto gap = [](double a, double h) { return 1 - h / a; };
  std::printf("\n%-8s %14s %14s %8s   %14s %14s %8s\n", "horizon", "analytic qpos", "hybrid qpos",
              "closed", "analytic qvel", "hybrid qvel", "closed");
  json methods = json::object(), gaps = {{"qpos", json::array()}, {"qvel", json::array()}};
  auto put = [&](const char* name, const std::vector<HorizonError>& rows) {
    json m;
    for (const HorizonError& r : rows) {
      m["qpos_rmse"].push_back(r.qpos_rmse);
      m["qvel_rmse"].push_back(r.qvel_rmse);
      m["qpos_nrmse"].push_back(r.qpos_nrmse);
      m["qvel_nrmse"].push_back(r.qvel_nrmse);
      m["rollouts"].push_back(r.rollouts);
      m["diverged"].push_back(r.diverged);
    }
    if (std::string(name) == "hybrid") {
      for (const HorizonError& r : rows) {
        m["saturated_per_step"].push_back(r.saturated_per_step);
        m["disagreement_per_step"].push_back(r.spread_per_step);
      }
    }
    methods[name] = m;
  };
  put("analytic", analytic);
  put("hybrid", learned);
  std::string csv = "method,horizon,metric,value\n";
  for (size_t i = 0; i < analytic.size(); ++i) {
    const HorizonError &a = analytic[i], &h = learned[i];
    gaps["qpos"].push_back(gap(a.qpos_rmse, h.qpos_rmse));
    gaps["qvel"].push_back(gap(a.qvel_rmse, h.qvel_rmse));
    std::printf("%-8d %14.3e %14.3e %7.1f%%   %14.3e %14.3e %7.1f%%\n", a.horizon, a.qpos_rmse,
                h.qpos_rmse, 100 * gap(a.qpos_rmse, h.qpos_rmse), a.qvel_rmse, h.qvel_rmse,
                100 * gap(a.qvel_rmse, h.qvel_rmse));
    for (const auto& [name, r] : {std::pair{"analytic", a}, std::pair{"hybrid", h}}) {
      for (const auto& [metric, v] : {std::pair{"qpos_rmse", r.qpos_rmse}, std::pair{"qvel_rmse", r.qvel_rmse},
                                      std::pair{"qpos_nrmse", r.qpos_nrmse}, std::pair{"qvel_nrmse", r.qvel_nrmse},
                                      std::pair{"diverged", static_cast<double>(r.diverged)}}) {
        csv += std::string(name) + "," + std::to_string(r.horizon) + "," + metric + "," + std::to_string(v) + "\n";
      }
    }
    if (a.diverged || h.diverged) {
      std::printf("         diverged rollouts: analytic %lld/%lld, hybrid %lld/%lld (excluded)\n",
                  a.diverged, a.rollouts, h.diverged, h.rollouts);
    }
  }
  std::printf("(RMSE averaged over DOFs: qpos in rad or m, qvel in rad/s or m/s; "
              "closed = 1 - hybrid/analytic)\n");
  std::printf("hybrid inputs outside the training range: %.3f features per step at h=%d; "
              "ensemble disagreement %.3g per step (0 for a single network)\n\n",
              learned.back().saturated_per_step, learned.back().horizon, learned.back().spread_per_step);

  if (!c.json.empty()) {
    json report = {{"horizons", c.options.horizons}, {"methods", methods}, {"gap_closed", gaps},
                   {"calibrated_scale", CalibratedScale(c.residual)},
                   {"config", {{"sim", c.sim}, {"residual", c.residual}, {"data", c.data},
                               {"stride", c.options.stride}, {"episodes", data.episodes.size()}}},
                   {"versions", Versions()}, {"git", GitHash()}};
    WriteText(c.json, report.dump(2) + "\n");
    fs::path csv_path = fs::path(c.json).replace_extension(".csv");
    WriteText(csv_path.string(), csv);
    std::fprintf(stderr, "[eval] wrote %s and %s\n", c.json.c_str(), csv_path.c_str());
  }
}

void RunSysid(const SysidCommand& c) {
  CheckOutputPath(c.out, c.force);
  ModelPtr sim = LoadModel(c.sim);
  TrajectoryDataset data = LoadDataset(c.data);
  CheckDatasetFits(sim.get(), c.sim, data, c.data);
  TrajectoryDataset held_out;
  if (!c.eval.empty()) {
    held_out = LoadDataset(c.eval);
    CheckDatasetFits(sim.get(), c.sim, held_out, c.eval);
  }
  SysidOptions options = c.options;
  options.progress = true;
  const auto start = std::chrono::steady_clock::now();
  SysidResult result = Identify(sim.get(), data, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\n%-34s %12s %12s %8s\n", "parameter", "nominal", "identified", "ratio");
  for (const SysidParameter& p : result.parameters) {
    std::printf("%-34s %12.4g %12.4g %8s\n", p.name.c_str(), p.nominal, p.value(),
                p.nominal > 0 ? (std::to_string(p.value() / p.nominal).substr(0, 6)).c_str() : "added");
  }
  std::printf("%d-step error (normalized, mean square): %.4g -> %.4g in %d iterations, %.1f s\n",
              options.horizon, result.initial_cost, result.final_cost, result.iterations, seconds);

  const std::string text = SysidMjcf(c.sim, result.parameters);
  {
    std::ofstream f(c.out);
    if (!(f << text)) throw std::runtime_error("cannot write '" + c.out + "'");
  }
  ModelPtr tuned = LoadModel(c.out);  // what we wrote must load on its own
  std::fprintf(stderr, "[sysid] wrote %s\n", c.out.c_str());
  if (held_out.episodes.empty()) return;
  KStepOptions k;
  std::vector<HorizonError> nominal = KStepError(sim.get(), held_out, k);
  std::vector<HorizonError> identified = KStepError(tuned.get(), held_out, k);
  std::printf("\n%-8s %14s %14s %8s   %14s %14s %8s\n", "horizon", "nominal qpos", "sysid qpos", "closed",
              "nominal qvel", "sysid qvel", "closed");
  for (size_t i = 0; i < nominal.size(); ++i) {
    const HorizonError &a = nominal[i], &b = identified[i];
    std::printf("%-8d %14.3e %14.3e %7.1f%%   %14.3e %14.3e %7.1f%%\n", a.horizon, a.qpos_rmse, b.qpos_rmse,
                100 * (1 - b.qpos_rmse / a.qpos_rmse), a.qvel_rmse, b.qvel_rmse, 100 * (1 - b.qvel_rmse / a.qvel_rmse));
  }
}

void CheckNewRunFolder(const std::string& out, const std::string& command) {
  if (out.empty()) throw std::runtime_error("--out is required");
  std::error_code ec;
  if (std::filesystem::exists(out, ec)) {
    throw std::runtime_error("'" + out + "' exists; " + command + " writes a new run folder (choose another --out)");
  }
}

void MakePlots(const std::string& python, const std::string& script, const std::string& out,
               const std::string& command) {
  if (python.empty()) return;
  const std::string line =
      "'" + python + "' '" + std::string(MJHYBRID_SOURCE_DIR) + "/scripts/" + script + "' '" + out + "'";
  if (std::system(line.c_str()) != 0) std::fprintf(stderr, "[%s] warning: the plots were not made\n", command.c_str());
}

}  // namespace mjhybrid
