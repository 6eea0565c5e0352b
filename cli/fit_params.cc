// mjhybrid fit-params: fit one set of contact parameters per geom pair to real trajectories
// (scene/params_fit.h), write the contact-parameter model and, with --eval, score the scene
// that uses it on held-out data.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include "cli/commands.h"
#include "scene/attach.h"
#include "scene/dataset_fit.h"
#include "scene/kstep_error.h"
#include "scene/mujoco_util.h"
#include "scene/params_fit.h"
#include "scene/report.h"
#include "scene/run_files.h"

namespace mjhybrid::cli {

namespace {

struct FitParamsArgs {
  std::string sim, data, eval, out, start;
  std::vector<std::string> parameters;
  scene::ParamsFitOptions options;
  bool force = false;
  bool if_contact = false;
};

std::vector<ContactParameter> ParseParameters(const std::vector<std::string>& names) {
  std::vector<ContactParameter> out;
  for (const std::string& name : names) {
    ContactParameter p;
    if (!ParseContactParameter(name, &p)) {
      throw std::runtime_error("--parameters: unknown contact parameter '" + name + "'; valid: " +
                               ContactParameterList());
    }
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

void RunFitParams(const FitParamsArgs& c) {
  scene::CheckOutputPath(c.out, c.force);
  ModelPtr sim = scene::LoadModel(c.sim);
  scene::TrajectoryDataset data = scene::LoadDataset(c.data);
  scene::CheckDatasetFits(sim.get(), c.sim, data, c.data);
  scene::TrajectoryDataset held_out;
  if (!c.eval.empty()) {
    held_out = scene::LoadDataset(c.eval);
    scene::CheckDatasetFits(sim.get(), c.sim, held_out, c.eval);
  }
  scene::ParamsFitOptions options = c.options;
  if (!c.parameters.empty()) options.parameters = ParseParameters(c.parameters);
  options.progress = true;
  if (!c.start.empty()) {
    std::string error;
    options.start = LoadContactParams(c.start, &error);
    if (!options.start) throw std::runtime_error("--start: " + error);
  }
  if (c.if_contact && !scene::HasContactToFit(sim.get(), data, options)) {
    std::fprintf(stderr, "[fit-params] no pair of named geoms is in contact in at least %g %% of the recorded states: "
                 "nothing to fit, nothing written\n", 100 * options.min_contact_share);
    return;
  }
  const std::filesystem::path out = std::filesystem::absolute(c.out);
  const std::string scratch = (out.parent_path() / ("." + out.filename().string() + ".fit-" + std::to_string(getpid()))).string();
  const auto start = std::chrono::steady_clock::now();
  scene::ParamsFitResult result = scene::FitContactParams(c.sim, data, options, scratch);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const ContactParamsModel& model = result.model;
  std::printf("\n%-34s %-18s %12s %12s\n", "pair", "parameter", "nominal", "fitted");
  for (size_t i = 0; i < model.pairs.size(); ++i) {
    const std::string pair = model.pairs[i].geom1.name + " | " + model.pairs[i].geom2.name;
    for (int k = 0; k < model.columns(); ++k) {
      std::printf("%-34s %-18s %12.4g %12.4g\n", k == 0 ? pair.c_str() : "", ContactParameterName(model.parameters[k]),
                  model.nominal[i * model.columns() + k], model.value(static_cast<int>(i), k));
    }
  }
  for (const std::string& s : result.skipped) std::printf("left out: %s\n", s.c_str());
  std::printf("%d-step error (normalized, mean square): %.4g -> %.4g in %d iterations, %.1f s\n", options.horizon,
              result.initial_cost, result.final_cost, result.iterations, seconds);
  std::string error;
  if (!SaveContactParams(c.out, model, &error)) throw std::runtime_error(c.out + ": " + error);
  std::fprintf(stderr, "[fit-params] wrote %s\n", c.out.c_str());
  if (held_out.episodes.empty()) return;
  scene::AttachOptions attach;
  attach.sim_path = c.sim;
  attach.params_model = c.out;
  ModelPtr hybrid = scene::CompileHybrid(attach);
  const scene::KStepOptions k;
  const std::vector<scene::HorizonError> nominal = scene::KStepError(sim.get(), held_out, k);
  const std::vector<scene::HorizonError> fitted = scene::KStepError(hybrid.get(), held_out, k);
  scene::PrintGapTable(stdout, "nominal", "params", nominal, fitted, /*diverged=*/false);
}

}  // namespace

void AddFitParamsCommand(CLI::App* app) {
  auto c = std::make_shared<FitParamsArgs>();
  scene::ParamsFitOptions& o = c->options;
  CLI::App* cmd = app->add_subcommand("fit-params", "fit contact parameters per geom pair to real trajectories (plugin mode params)");
  cmd->add_option("--model", c->sim, "MJCF of the analytic model (sim.xml)")->required();
  cmd->add_option("--data", c->data, "training dataset (.h5)")->required();
  cmd->add_option("--out", c->out, "the contact-parameter model (.safetensors)")->required();
  cmd->add_option("--eval", c->eval, "held-out dataset: print the k-step error of nominal vs the fitted parameters");
  cmd->add_option("--parameters", c->parameters, "which to fit (default all): friction, solref_timeconst, solref_dampratio, solimp_dmin, solimp_dmax, solimp_width, friction_torsional")->delimiter(',');
  cmd->add_option("--min-contact-share", o.min_contact_share, "fit a pair only if in contact in at least this share of the recorded states")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  cmd->add_option("--horizon", o.horizon, "steps per rollout window of the fitted error")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--stride", o.stride, "a window starts every N steps")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--iterations", o.iterations, "sweeps of the compass search at most (0: score the start only)")->check(CLI::Range(0, 1000))->capture_default_str();
  cmd->add_option("--start", c->start, "start from an earlier fit's values (its pairs and parameters this fit shares) instead of the scene's");
  cmd->add_option("--threads", o.threads, "worker threads")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_flag("--if-contact", c->if_contact, "without pairs in contact in the data, write nothing and succeed (the demo's default)");
  cmd->add_flag("--force", c->force, "overwrite an existing output");
  cmd->callback([c] { RunFitParams(*c); });
}

}  // namespace mjhybrid::cli
