#include "pipeline/residual_recipe.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "pipeline/calibrate.h"
#include "pipeline/targets.h"
#include "pipeline/velocity_targets.h"
#include "plugin/mujoco/state_layout_from_model.h"
#include "scene/attach.h"
#include "scene/dataset_fit.h"
#include "scene/mujoco_util.h"
#include "scene/run_files.h"

namespace mjhybrid::pipeline {

using scene::TrajectoryDataset;

namespace fs = std::filesystem;
using nlohmann::json;
using scene::TrajectoryDataset;

void ApplySceneTraining(const scene::SceneTraining& scene, const std::set<std::string>& given,
                        ResidualRecipe* recipe) {
  // a contact model (--replace) always outputs pair wrenches
  if (!scene.output.empty() && !given.count("output") && recipe->replace.empty()) recipe->output = scene.output;
  if (scene.target_window > 0 && !given.count("target-window")) recipe->target_window = scene.target_window;
  if (scene.huber >= 0 && !given.count("huber")) recipe->options.huber_delta = scene.huber;
}

FittedResidual FitResidual(const std::string& sim_path, const std::string& data_path,
                           const ResidualRecipe& r, const std::string& out_path) {
  if (r.ctrl_history < 0) throw std::runtime_error("--history must be >= 0");
  ModelPtr sim = scene::LoadModel(sim_path);
  TrajectoryDataset data = scene::LoadDataset(data_path);
  scene::CheckDatasetFits(sim.get(), sim_path, data, data_path);

  // 1. the feature spec
  if (r.contact_range < 0) throw std::runtime_error("--contact-range must be > 0");
  FeatureSpec spec;
  spec.ctrl_history = r.ctrl_history;
  const mjModel* analytic = sim.get();
  ModelPtr without_contact;
  if (!r.replace.empty() && r.output != "force") {
    throw std::runtime_error("--output " + r.output + " is for whole-state residuals; a contact model (--replace) outputs pair wrenches");
  }
  spec.output = r.output == "velocity" ? ResidualOutput::kVelocity : ResidualOutput::kForce;
  spec.constraint_response = spec.output == ResidualOutput::kVelocity && r.constraint_features;
  if (!r.replace.empty()) {
    // a contact model learns each pair's whole wrench, against sim.xml without their contact
    spec.kind = ResidualKind::kContact;
    spec.ctrl_history = 0;
    spec.contact_range = r.contact_range > 0 ? r.contact_range : 0.01;
    for (const std::string& p : r.replace) spec.contact_pairs.push_back(NamedContactPair(sim.get(), p));
    without_contact = scene::CompileWithoutContact(sim_path, spec.contact_pairs);
    analytic = without_contact.get();
  } else {
    spec.contact_range = r.contact_range > 0 ? r.contact_range : 0.05;
    if (r.contacts == "auto") {
      spec.contact_pairs = FrequentContactPairs(sim.get(), data, /*max_pairs=*/8, /*min_share=*/0.01);
    } else if (r.contacts != "none") {
      std::stringstream list(r.contacts);
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

  // 2. targets and 3. the fit, with rounds along the hybrid
  const auto start = std::chrono::steady_clock::now();
  TrainingSet set = velocity ? BuildVelocityTrainingSet(analytic, data, spec, r.target_window, true)
                             : BuildTrainingSet(analytic, data, spec, /*progress=*/true);
  if (set.rows() == 0) throw std::runtime_error("no training rows");
  const double target_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // the model records the control period it learned at: the plugin moves its control history
  // on once per period, and data at another period is refused
  StateLayout signature = StateLayoutFromModel(sim.get());
  signature.control_period = data.timestep;
  TrainResult result = TrainResidual(set, signature, spec, r.options, true);
  for (int round = 2; velocity && round <= r.rounds; ++round) {
    // the windows of this round follow the hybrid the last round made; the new rows join the
    // old ones and the network is fit again on all of them
    const std::string scratch = out_path + ".round" + std::to_string(round);
    std::string error;
    if (!SaveResidualModel(scratch, *result.model, &error)) {
      throw std::runtime_error("cannot write '" + scratch + "': " + error);
    }
    scene::AttachOptions attach;
    attach.sim_path = sim_path;
    attach.residual.model = scratch;
    ModelPtr hybrid = scene::CompileHybrid(attach);
    std::fprintf(stderr, "[train] round %d/%d: windows along the hybrid of round %d\n", round,
                 r.rounds, round - 1);
    set.Append(BuildVelocityTrainingSet(analytic, data, spec, r.target_window, true, hybrid.get()));
    fs::remove(scratch);
    result = TrainResidual(set, signature, spec, r.options, true);
  }

  // 4. the output scale
  json calibration = "off";
  if (r.calibrate) {
    TrajectoryDataset validation = data;
    const int held = ValidationEpisodeCount(static_cast<int>(data.episodes.size()), r.options.validation_fraction);
    validation.episodes.erase(validation.episodes.begin(), validation.episodes.end() - held);
    calibration = CalibrateScale(sim_path, validation, out_path + ".calibrating", result.model.get());
  }

  // 5. provenance
  result.model->provenance = {
      {"data", {{"file", fs::path(data_path).filename().string()}, {"source", data.source},
                {"episodes", data.episodes.size()}, {"transitions", data.transitions()},
                {"real_seconds", data.transitions() * data.timestep}, {"seed", data.seed},
                {"excitation", data.excitation}}},
      {"sim", fs::path(sim_path).filename().string()},
      {"targets", velocity ? "real minus analytic velocity change along " + std::to_string(r.target_window) +
                                 "-step analytic rollouts from the recorded states"
                           : std::string("finite differences through mj_step of the analytic model")},
      {"targets_seconds", target_seconds},
      {"training", result.report},
      {"calibration", calibration},
      {"versions", scene::Versions()},
      {"git", scene::GitHash()}};
  return {result.model, target_seconds};
}

void SaveFittedResidual(const FittedResidual& fitted, const std::string& out_path) {
  std::string error;
  if (!SaveResidualModel(out_path, *fitted.model, &error)) {
    throw std::runtime_error("cannot write '" + out_path + "': " + error);
  }
  std::fprintf(stderr, "[train] wrote %s (%s): %.1f s targets + %.1f s training\n", out_path.c_str(),
               fitted.model->network->description().c_str(), fitted.target_seconds,
               fitted.model->provenance["training"]["seconds"].get<double>());
}

}  // namespace mjhybrid::pipeline
