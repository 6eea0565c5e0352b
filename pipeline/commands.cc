#include "pipeline/commands.h"

#include <torch/version.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "pipeline/mujoco_util.h"
#include "pipeline/targets.h"
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

std::string Versions() {
  return std::string("mujoco ") + mj_versionString() + ", libtorch " + TORCH_VERSION;
}

}  // namespace

void RunCollect(const CollectCommand& c) {
  CheckOutputPath(c.out, c.force);
  TrajectoryDataset data = Collect(c.options, /*progress=*/true);
  SaveDataset(c.out, data);
  std::fprintf(stderr, "[collect] wrote %s: %zu episodes, %lld transitions, %.1f s of real time\n",
               c.out.c_str(), data.episodes.size(), data.transitions(),
               data.transitions() * data.timestep);
}

void RunTrain(const TrainCommand& c) {
  CheckOutputPath(c.out, c.force);
  if (c.ctrl_history < 0) throw std::runtime_error("--history must be >= 0");
  ModelPtr sim = LoadModel(c.sim);
  TrajectoryDataset data = LoadDataset(c.data);
  CheckDatasetFits(sim.get(), c.sim, data, c.data);

  FeatureSpec spec;
  spec.ctrl_history = c.ctrl_history;
  const auto start = std::chrono::steady_clock::now();
  TrainingSet set = BuildTrainingSet(sim.get(), data, spec, /*progress=*/true);
  const double target_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  TrainResult result = TrainResidual(set, StateLayoutFromModel(sim.get()), spec, c.options, true);

  result.model->provenance = {
      {"data", {{"file", fs::path(c.data).filename().string()}, {"source", data.source},
                {"episodes", data.episodes.size()}, {"transitions", data.transitions()},
                {"real_seconds", data.transitions() * data.timestep}, {"seed", data.seed},
                {"excitation", data.excitation}}},
      {"sim", fs::path(c.sim).filename().string()},
      {"targets", "finite differences through mj_step of the analytic model"},
      {"targets_seconds", target_seconds},
      {"training", result.report},
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
      for (const HorizonError& r : rows) m["saturated_per_step"].push_back(r.saturated_per_step);
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
  std::printf("hybrid inputs outside the training range: %.3f features per step at h=%d\n\n",
              learned.back().saturated_per_step, learned.back().horizon);

  if (!c.json.empty()) {
    json report = {{"horizons", c.options.horizons}, {"methods", methods}, {"gap_closed", gaps},
                   {"config", {{"sim", c.sim}, {"residual", c.residual}, {"data", c.data},
                               {"stride", c.options.stride}, {"episodes", data.episodes.size()}}},
                   {"versions", Versions()}, {"git", GitHash()}};
    WriteText(c.json, report.dump(2) + "\n");
    fs::path csv_path = fs::path(c.json).replace_extension(".csv");
    WriteText(csv_path.string(), csv);
    std::fprintf(stderr, "[eval] wrote %s and %s\n", c.json.c_str(), csv_path.c_str());
  }
}

}  // namespace mjhybrid
