// mjhybrid study: the residual beside the methods a sceptic would try first, on the same data
// (pipeline/study.h), then the plots made from the run folder's files.

#include <memory>

#include "cli/commands.h"
#include "cli/ray_options.h"
#include "cli/resume.h"
#include "pipeline/study.h"
#include "scene/run_files.h"

namespace mjhybrid::cli {

void AddStudyCommand(CLI::App* app) {
  auto o = std::make_shared<pipeline::StudyOptions>();
  auto no_plots = std::make_shared<bool>(false);
  auto resume = std::make_shared<std::string>();
  CLI::App* cmd = app->add_subcommand("study", "hybrid vs nominal, sysid, sysid+residual and a pure learned model, on the same data");
  cmd->add_option("--scene", o->scene, "scene folder (real.xml, sim.xml, optional scene.json)")->required();
  cmd->add_option("--out", o->out, "run folder to create (never overwritten)")->required();
  cmd->add_option("--json", o->json, "also write the summary (eval-shaped JSON) here");
  cmd->add_option("--seeds", o->seeds, "seeds of the learned methods")->delimiter(',')->capture_default_str();
  cmd->add_option("--data-seconds", o->data_seconds, "training-data budgets of the data-efficiency sweep, s")->delimiter(',')->capture_default_str();
  cmd->add_option("--eval-stride", o->eval_stride, "k-step error from every n-th start index")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--eval-spacing", o->eval_spacing,
                  "and horizon h's starts at least this fraction of h apart (0: every n-th only)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--episodes", o->episodes, "training episodes (default: the scene protocol's)")->check(CLI::PositiveNumber);
  cmd->add_option("--eval-episodes", o->eval_episodes, "held-out episodes (default: the protocol's)")->check(CLI::PositiveNumber);
  cmd->add_option("--steps", o->steps, "steps per episode (default: the protocol's)")->check(CLI::PositiveNumber);
  cmd->add_option("--dt", o->dt, "control period to record at, s (default: the protocol's, else sim.xml's timestep)")->check(CLI::PositiveNumber);
  cmd->add_option("--sim", o->sim, "the analytic model (default: the scene's sim.xml; e.g. scenes/push/sim-5ms.xml, its earlier 5 ms step)");
  cmd->add_flag("--no-plots", *no_plots, "skip the PNG plots");
  cmd->add_option("--resume", *resume, "continue the stopped study in RUN, with the options it was started with");
  AddRayOptions(cmd, &o->ray);
  cmd->callback([o, no_plots, resume] {
    // a Ray task computes one unit of the run its command started (scene/ray_units.h)
    if (CheckRayOptions(o->ray)) return pipeline::RunStudy(*o);
    o->arguments = RunningArguments();
    o->resume = !resume->empty();
    if (o->resume) CheckResumedFolder(*resume, o->out);
    SayHowToResumeOnSignal("study", o->out);
    pipeline::RunStudy(*o);
    if (!*no_plots) scene::MakePlots(MJHYBRID_PYTHON, "study_plots.py", o->out, "study");
  });
}

}  // namespace mjhybrid::cli
