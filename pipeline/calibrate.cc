#include "pipeline/calibrate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "scene/attach.h"
#include "plugin/mujoco/residual_instance.h"
#include "scene/kstep_error.h"

namespace mjhybrid::pipeline {

using scene::AttachOptions;
using scene::CompileHybrid;
using scene::Episode;
using scene::HorizonError;
using scene::KStepError;
using scene::KStepOptions;
using scene::LoadModel;
using scene::TrajectoryDataset;

namespace {

// sum over horizons of (qpos + qvel) normalized error relative to the analytic model's
double RelativeError(const std::vector<HorizonError>& method, const std::vector<HorizonError>& analytic) {
  double score = 0;
  for (size_t i = 0; i < method.size(); ++i) {
    if (method[i].diverged > 0 || !std::isfinite(method[i].qpos_nrmse)) return INFINITY;
    score += method[i].qpos_nrmse / analytic[i].qpos_nrmse + method[i].qvel_nrmse / analytic[i].qvel_nrmse;
  }
  return score / (2.0 * method.size());
}

}  // namespace

nlohmann::json CalibrateScale(const std::string& sim_path, const TrajectoryDataset& validation,
                              const std::string& scratch, ResidualModel* model) {
  KStepOptions options;
  const int shortest = validation.episodes.empty() ? 0 : std::min_element(
      validation.episodes.begin(), validation.episodes.end(),
      [](const Episode& a, const Episode& b) { return a.steps() < b.steps(); })->steps();
  options.horizons.clear();
  for (int h : {10, 100}) if (h <= shortest) options.horizons.push_back(h);
  if (options.horizons.empty()) return {{"skipped", "validation episodes shorter than 10 steps"}};
  options.stride = 5;

  ModelPtr sim = LoadModel(sim_path);
  std::string error;
  if (!SaveResidualModel(scratch, *model, &error)) throw std::runtime_error("cannot write '" + scratch + "': " + error);
  const std::vector<HorizonError> analytic = KStepError(sim.get(), validation, options);

  // a contact model replaces native contact: scaling it down does not lead back to the
  // analytic model (at 0 the pair would pass through itself), so it is only scored
  const bool contact = model->features.kind == ResidualKind::kContact;
  const std::vector<double> candidates = contact ? std::vector<double>{1.0}
                                                 : std::vector<double>{1.0, 0.7, 0.5, 0.3, 0.0};
  nlohmann::json tried = nlohmann::json::array();
  double best_scale = contact ? 1 : 0, best_score = contact ? INFINITY : 1;  // analytic: 1
  for (double scale : candidates) {
    double score = 1;
    if (scale > 0) {
      AttachOptions attach;
      attach.sim_path = sim_path;
      attach.residual.model = scratch;
      attach.residual.scale = scale;
      ModelPtr hybrid = CompileHybrid(attach);
      score = RelativeError(KStepError(hybrid.get(), validation, options), analytic);
    }
    tried.push_back({{"scale", scale}, {"relative_error", std::isfinite(score) ? nlohmann::json(score) : nlohmann::json("diverged")}});
    std::fprintf(stderr, "[train] calibration: scale %.1f -> validation error %.3f of analytic\n", scale, score);
    if (score < best_score || (contact && scale == 1)) {
      best_score = score;
      best_scale = scale;
    }
  }
  std::filesystem::remove(scratch);
  for (float& v : model->output_mean) v *= static_cast<float>(best_scale);
  for (float& v : model->output_bound) v *= static_cast<float>(best_scale);
  // the normalizer's std must stay positive; a zero scale is carried by mean and bound
  if (best_scale > 0) {
    for (float& v : model->output_std) v *= static_cast<float>(best_scale);
  }
  if (best_scale == 0) {
    std::fprintf(stderr, "[train] warning: the residual did not beat the analytic model on the "
                 "validation episodes; it is written with output scale 0 (no effect)\n");
  }
  if (contact && !(best_score < 1)) {
    std::fprintf(stderr, "[train] warning: the contact model does worse than the analytic "
                 "model's native contact on the validation episodes (%.3f of its error)\n", best_score);
  }
  return {{"horizons", options.horizons}, {"tried", tried}, {"scale", best_scale},
          {"relative_error", best_score}, {"validation_episodes", validation.episodes.size()}};
}

}  // namespace mjhybrid::pipeline
