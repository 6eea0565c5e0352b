// mjhybrid eval: k-step open-loop error of analytic vs hybrid on held-out data
// (scene/evaluation.h), printed as a table and written as JSON and tidy CSV.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "cli/commands.h"
#include "scene/evaluation.h"
#include "scene/report.h"
#include "scene/run_files.h"

namespace mjhybrid::cli {

namespace {

namespace fs = std::filesystem;

struct EvalArgs {
  std::string sim, residual, params, base, data, json;
  scene::KStepOptions options;
  bool force = false;
};

void RunEval(const EvalArgs& c) {
  if (c.residual.empty() && c.params.empty() && c.base.empty()) {
    throw std::runtime_error("eval needs --residual, --params or --base (or several)");
  }
  const std::string csv_path = fs::path(c.json).replace_extension(".csv").string();
  if (!c.json.empty()) {
    scene::CheckOutputPath(c.json, c.force);
    scene::CheckOutputPath(csv_path, c.force);
  }
  const scene::ResidualEvaluation e = scene::EvaluateResidual(c.sim, c.residual, c.data, c.options, c.params, c.base);
  scene::PrintGapTable(stdout, "analytic", "hybrid", e.analytic, e.hybrid, /*diverged=*/true);
  std::printf("(RMSE averaged over DOFs: qpos in rad or m, qvel in rad/s or m/s; "
              "closed = 1 - hybrid/analytic)\n");
  std::printf("hybrid inputs outside the training range: %.3f features per step at h=%d; "
              "ensemble disagreement %.3g per step (0 for a single network)\n\n",
              e.hybrid.back().saturated_per_step, e.hybrid.back().horizon, e.hybrid.back().spread_per_step);
  if (c.json.empty()) return;
  scene::WriteText(c.json, scene::EvaluationJson(e, c.sim, c.residual, c.data, c.options, c.params, c.base).dump(2) + "\n");
  scene::WriteText(csv_path, scene::EvaluationCsv(e));
  std::fprintf(stderr, "[eval] wrote %s and %s\n", c.json.c_str(), csv_path.c_str());
}

}  // namespace

void AddEvalCommand(CLI::App* app) {
  auto c = std::make_shared<EvalArgs>();
  scene::KStepOptions& o = c->options;
  CLI::App* cmd = app->add_subcommand("eval", "k-step open-loop error of analytic vs hybrid on held-out data");
  cmd->add_option("--model", c->sim, "MJCF of the analytic model (sim.xml)")->required();
  cmd->add_option("--residual", c->residual, "residual model file");
  cmd->add_option("--params", c->params, "contact-parameter model file (mjhybrid fit-params), alone or under the residual");
  cmd->add_option("--base", c->base,
                  "the model the hybrid is built on, when not --model (sysid's identified model); "
                  "the gap is measured against --model");
  cmd->add_option("--data", c->data, "held-out dataset (.h5)")->required();
  cmd->add_option("--horizons", o.horizons, "comma-separated horizons in steps")->delimiter(',')->capture_default_str();
  cmd->add_option("--stride", o.stride, "use every n-th start index")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--start-spacing", o.start_spacing,
                  "also keep horizon h's starts at least this fraction of h apart (0: every stride-th)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "worker threads")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--json", c->json, "write results as JSON (and a tidy CSV beside it)");
  cmd->add_flag("--force", c->force, "overwrite existing outputs");
  cmd->callback([c] { RunEval(*c); });
}

}  // namespace mjhybrid::cli
