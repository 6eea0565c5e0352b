#include "scene/evaluation.h"

#include <cstdio>
#include <stdexcept>

#include "plugin/core/residual_model.h"
#include "scene/attach.h"
#include "scene/dataset_fit.h"
#include "scene/mujoco_util.h"
#include "scene/report.h"
#include "scene/run_files.h"

namespace mjhybrid::scene {

using nlohmann::json;

namespace {

// the output scale `train` chose on validation rollouts, null when it was not calibrated
json CalibratedScale(const std::string& residual) {
  std::string error;
  auto model = LoadResidualModel(residual, &error);
  if (!model) return nullptr;
  const json calibration = model->provenance.value("calibration", json());
  return calibration.is_object() && calibration.contains("scale") ? calibration["scale"] : json();
}

}  // namespace

ResidualEvaluation EvaluateResidual(const std::string& sim_path, const std::string& residual_path,
                                    const std::string& data_path, const KStepOptions& options,
                                    const std::string& params_path, const std::string& base_path) {
  for (int h : options.horizons) {
    if (h < 1) throw std::runtime_error("--horizons must be positive integers");
  }
  ModelPtr sim = LoadModel(sim_path);
  TrajectoryDataset data = LoadDataset(data_path);
  CheckDatasetFits(sim.get(), sim_path, data, data_path);
  if (!residual_path.empty()) CheckResidualFitsData(residual_path, data, data_path);
  // the base must take the same data (the same joints, actuators and control period)
  if (!base_path.empty()) CheckDatasetFits(LoadModel(base_path).get(), base_path, data, data_path);

  // the hybrid scene: sim.xml (or the base built from it) plus the plugin, compiled in memory
  AttachOptions attach;
  attach.sim_path = base_path.empty() ? sim_path : base_path;
  attach.residual.model = residual_path;
  attach.params_model = params_path;
  // a base alone (no residual, no parameters) is scored as it is: the identified model by itself
  ModelPtr hybrid = residual_path.empty() && params_path.empty() ? LoadModel(base_path) : CompileHybrid(attach);

  ResidualEvaluation e;
  e.episodes = data.episodes.size();
  std::fprintf(stderr, "[eval] analytic: %zu held-out episodes, horizons", data.episodes.size());
  for (int h : options.horizons) std::fprintf(stderr, " %d", h);
  std::fprintf(stderr, "\n");
  e.analytic = KStepError(sim.get(), data, options);
  std::fprintf(stderr, "[eval] hybrid\n");
  e.hybrid = KStepError(hybrid.get(), data, options);
  return e;
}

json EvaluationJson(const ResidualEvaluation& e, const std::string& sim_path, const std::string& residual_path,
                    const std::string& data_path, const KStepOptions& options, const std::string& params_path,
                    const std::string& base_path) {
  json gaps = {{"qpos", json::array()}, {"qvel", json::array()}};
  for (size_t i = 0; i < e.analytic.size(); ++i) {
    gaps["qpos"].push_back(GapClosed(e.analytic[i].qpos_rmse, e.hybrid[i].qpos_rmse));
    gaps["qvel"].push_back(GapClosed(e.analytic[i].qvel_rmse, e.hybrid[i].qvel_rmse));
  }
  return {{"horizons", options.horizons},
          {"methods", {{"analytic", ErrorsJson(e.analytic, false)}, {"hybrid", ErrorsJson(e.hybrid, true)}}},
          {"gap_closed", gaps},
          {"calibrated_scale", residual_path.empty() ? json() : CalibratedScale(residual_path)},
          {"config", {{"sim", sim_path}, {"residual", residual_path}, {"params", params_path}, {"base", base_path}, {"data", data_path},
                      {"stride", options.stride}, {"start_spacing", options.start_spacing}, {"episodes", e.episodes}}},
          {"versions", Versions()},
          {"git", GitHash()}};
}

std::string EvaluationCsv(const ResidualEvaluation& e) {
  std::string csv = "method,horizon,metric,value\n";
  for (size_t i = 0; i < e.analytic.size(); ++i) {
    csv += TidyErrorRows("analytic", e.analytic[i]);
    csv += TidyErrorRows("hybrid", e.hybrid[i]);
  }
  return csv;
}

}  // namespace mjhybrid::scene
