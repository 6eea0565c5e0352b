// mjhybrid sysid: fit the analytic model's physical parameters to real trajectories
// (scene/sysid.h), write the identified MJCF and, with --eval, score it on held-out data.

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "cli/commands.h"
#include "scene/dataset_fit.h"
#include "scene/kstep_error.h"
#include "scene/mujoco_util.h"
#include "scene/report.h"
#include "scene/run_files.h"
#include "scene/sysid.h"

namespace mjhybrid::cli {

namespace {

struct SysidArgs {
  std::string sim, data;
  std::string eval;  // optional held-out dataset: k-step error of nominal vs identified
  std::string out;   // the identified model (MJCF)
  scene::SysidOptions options;
  bool force = false;
};

void RunSysid(const SysidArgs& c) {
  scene::CheckOutputPath(c.out, c.force);
  if (!c.options.contact_params.empty() && c.options.actuator_lag) {
    throw std::runtime_error("sysid: --actuator-lag and --params do not go together: the lag is decided without contact parameters, in the identification before them");
  }
  ModelPtr sim = scene::SysidScene(c.sim, c.options);
  scene::TrajectoryDataset data = scene::LoadDataset(c.data);
  scene::CheckDatasetFits(sim.get(), c.sim, data, c.data);
  scene::TrajectoryDataset held_out;
  if (!c.eval.empty()) {
    held_out = scene::LoadDataset(c.eval);
    scene::CheckDatasetFits(sim.get(), c.sim, held_out, c.eval);
  }
  scene::SysidOptions options = c.options;
  options.progress = true;
  const auto start = std::chrono::steady_clock::now();
  scene::SysidResult result = scene::IdentifyAndWrite(c.sim, data, options, c.out);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (options.rounds > 1) {
    std::printf("\nround %d of %d: 'nominal' is what round %d identified\n", options.rounds, options.rounds,
                options.rounds - 1);
  }
  std::printf("\n%-34s %12s %12s %8s\n", "parameter", "nominal", "identified", "ratio");
  for (const scene::SysidParameter& p : result.parameters) {
    std::printf("%-34s %12.4g %12.4g %8s\n", p.name.c_str(), p.nominal, p.value(),
                p.nominal > 0 && !p.added ? (std::to_string(p.value() / p.nominal).substr(0, 6)).c_str() : "added");
  }
  if (result.cost_without_lag) {
    std::printf("actuator lag: %s (%sfitted error %.4g with it, %.4g without: kept only if 1 %% lower)\n",
                result.lag_kept ? "kept" : "left out", options.rounds > 1 ? "first round: " : "", result.first_round_cost,
                *result.cost_without_lag);
  }
  std::printf("%d-step error (normalized, mean square): %.4g -> %.4g in %d iterations, %.1f s\n",
              options.horizon, result.initial_cost, result.final_cost, result.iterations, seconds);
  if (options.polish_sweeps > 0) {
    std::printf("of which the %scompass polish: %.4g -> %.4g in %d sweeps at most\n", options.rounds > 1 ? "last round's " : "",
                result.polished_from, result.final_cost, options.polish_sweeps);
  }

  // what we wrote must load (with --params, under the pairs it was fitted beside)
  ModelPtr tuned = scene::SysidScene(c.out, c.options);
  std::fprintf(stderr, "[sysid] wrote %s\n", c.out.c_str());
  if (held_out.episodes.empty()) return;
  const scene::KStepOptions k;
  const std::vector<scene::HorizonError> nominal = scene::KStepError(sim.get(), held_out, k);
  const std::vector<scene::HorizonError> identified = scene::KStepError(tuned.get(), held_out, k);
  scene::PrintGapTable(stdout, "nominal", "sysid", nominal, identified, /*diverged=*/false);
}

}  // namespace

void AddSysidCommand(CLI::App* app) {
  auto c = std::make_shared<SysidArgs>();
  scene::SysidOptions& o = c->options;
  CLI::App* cmd = app->add_subcommand("sysid", "fit the analytic model's physical parameters to real trajectories");
  cmd->add_option("--model", c->sim, "MJCF of the analytic model (sim.xml)")->required();
  cmd->add_option("--data", c->data, "training dataset (.h5)")->required();
  cmd->add_option("--out", c->out, "the identified model (MJCF)")->required();
  cmd->add_option("--eval", c->eval, "held-out dataset: print the k-step error of nominal vs identified");
  cmd->add_option("--horizon", o.horizon, "steps per rollout window of the fitted error")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--stride", o.stride, "a window starts every N steps")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--iterations", o.iterations, "Levenberg-Marquardt iterations at most")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--threads", o.threads, "worker threads")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--step-doublings", o.step_doublings, "Levenberg-Marquardt tries a step that helps at 2, 4 ... 2^N times its length")->check(CLI::Range(0, 10))->capture_default_str();
  cmd->add_option("--polish-sweeps", o.polish_sweeps, "after Levenberg-Marquardt, sweeps of compass search on the same error (0: none)")->check(CLI::Range(0, 50))->capture_default_str();
  cmd->add_option("--rounds", o.rounds, "the whole fit this many times, each round from the model the last one wrote")->check(CLI::Range(1, 5))->capture_default_str();
  cmd->add_option("--params", o.contact_params, "contact parameters per pair (fit-params): identify with them in place; the shared contact factors are then left alone and the written model holds the physical parameters only");
  cmd->add_flag("--actuator-lag", o.actuator_lag, "also try a first-order lag on actuators that sim.xml declares without dynamics (kept if it lowers the fitted error by 1 %)");
  cmd->add_flag("--force", c->force, "overwrite an existing output");
  cmd->callback([c] { RunSysid(*c); });
}

}  // namespace mjhybrid::cli
