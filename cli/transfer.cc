// mjhybrid transfer: policies trained on nominal, randomized, hybrid and real, all scored on
// real (rl/transfer.h), then the plots made from the run folder's files.

#include <memory>

#include "cli/commands.h"
#include "cli/ray_options.h"
#include "cli/resume.h"
#include "cli/rl_options.h"
#include "rl/transfer.h"
#include "scene/run_files.h"

namespace mjhybrid::cli {

void AddTransferCommand(CLI::App* app) {
  auto o = std::make_shared<rl::TransferOptions>();
  auto no_plots = std::make_shared<bool>(false);
  auto resume = std::make_shared<std::string>();
  rl::TransferOptions& t = *o;
  CLI::App* cmd = app->add_subcommand("transfer", "policies trained on nominal, randomized, hybrid and real, scored on real; MPC too");
  cmd->add_option("--scene", t.scene, "scene folder (real.xml, sim.xml, hybrid.xml, task.json)")->required();
  cmd->add_option("--out", t.out, "run folder to create (never overwritten)")->required();
  cmd->add_option("--json", t.json, "also write the summary here");
  cmd->add_option("--methods", t.methods, "methods to run")->delimiter(',')->capture_default_str();
  cmd->add_option("--seeds", t.seeds, "training seeds")->delimiter(',')->capture_default_str();
  cmd->add_option("--envs", t.num_envs, "environment copies")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--threads", t.threads, "stepping threads")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--eval-episodes", t.eval_episodes, "real episodes per policy score")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--evals", t.evals, "scores along each training run")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--mpc-episodes", t.mpc_episodes, "real episodes per MPC method")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--spread", t.randomize_spread, "domain randomization: parameters scaled within [1/s, s]")->check(CLI::Range(1.0, 10.0))->capture_default_str();
  AddPpoOptions(cmd, &t.ppo);
  AddMpcOptions(cmd, &t.mpc);
  cmd->add_flag("--no-plots", *no_plots, "skip the PNG plots");
  cmd->add_option("--resume", *resume, "continue the stopped transfer run in RUN, with the options it was started with");
  AddRayOptions(cmd, &o->ray);
  cmd->callback([o, no_plots, resume] {
    // a Ray task computes one unit of the run its command started (scene/ray_units.h)
    if (CheckRayOptions(o->ray)) return rl::RunTransfer(*o);
    o->arguments = RunningArguments();
    o->resume = !resume->empty();
    if (o->resume) CheckResumedFolder(*resume, o->out);
    SayHowToResumeOnSignal("transfer", o->out);
    rl::RunTransfer(*o);
    if (!*no_plots) scene::MakePlots(MJHYBRID_PYTHON, "transfer_plots.py", o->out, "transfer");
  });
}

}  // namespace mjhybrid::cli
