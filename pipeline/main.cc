// mjhybrid: collect real trajectories, train a residual, attach it to a scene, evaluate it;
// train and plan policies on the corrected simulator (rl/commands.h).
// See DESIGN.md section 5 for the contract; `mjhybrid SUBCOMMAND --help` for the options.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "pipeline/commands.h"
#include "pipeline/mujoco_util.h"
#include "pipeline/study.h"
#include "rl/commands.h"

int main(int argc, char** argv) {
  using namespace mjhybrid;
  CLI::App app{"mjhybrid: learned residual dynamics for MuJoCo"};
  app.require_subcommand(1);

  CollectCommand collect;
  auto* c = app.add_subcommand("collect", "record trajectories from the real system (black box)");
  c->add_option("--model", collect.options.model_path, "MJCF of the real system")->required();
  c->add_option("--out", collect.out, "output dataset (.h5)")->required();
  c->add_option("--episodes", collect.options.episodes, "number of episodes")->capture_default_str();
  c->add_option("--steps", collect.options.steps, "control steps per episode")->capture_default_str();
  c->add_option("--dt", collect.options.dt, "control period in s (default: the model's timestep)");
  c->add_option("--seed", collect.options.seed, "random seed")->capture_default_str();
  c->add_option("--protocol", collect.protocol, "scene.json: placement, episode length and count (options given here win)");
  c->add_flag("--held-out", collect.held_out, "collect the protocol's held-out episode count (eval_episodes)");
  c->add_flag("--force", collect.force, "overwrite an existing output");

  TrainCommand train;
  auto* t = app.add_subcommand("train", "fit a residual model to real trajectories");
  t->add_option("--model", train.sim, "MJCF of the analytic model (sim.xml)")->required();
  t->add_option("--data", train.data, "training dataset (.h5)")->required();
  t->add_option("--out", train.out, "output residual model (.safetensors)")->required();
  t->add_option("--seed", train.options.seed, "random seed")->capture_default_str();
  t->add_option("--history", train.ctrl_history, "previous controls fed to the network")->capture_default_str();
  t->add_option("--contacts", train.contacts, "contact pairs the residual sees: auto (the most frequent in the data), none, or GEOM1:GEOM2,...")->capture_default_str();
  t->add_option("--replace", train.replace, "train a contact model for these pairs GEOM1:GEOM2,... (mode replace)")->delimiter(',');
  t->add_option("--output", train.output, "what a whole-state residual outputs: force (added before the constraint solver) or velocity (a velocity change after the step, which contacts cannot cancel)")->check(CLI::IsMember({"force", "velocity"}))->capture_default_str();
  t->add_option("--target-window", train.target_window, "velocity residuals: targets along analytic rollouts of this many steps from the recorded states (1: at the recorded states only)")->check(CLI::PositiveNumber)->capture_default_str();
  t->add_flag("!--no-constraint-features", train.constraint_features, "velocity residuals: do not show the network the velocity change the constraint solver imposed in the step");
  t->add_option("--rounds", train.rounds, "velocity residuals: fit, then re-take the targets along the hybrid's own rollouts and refit, this many rounds in all")->check(CLI::Range(1, 5))->capture_default_str();
  t->add_option("--protocol", train.protocol, "scene.json: its \"train\" section sets --output, --target-window and --huber (options given here win)");
  t->add_option("--contact-range", train.contact_range, "distance in m below which a pair counts as near (default 0.05, replace 0.01)");
  t->add_flag("!--no-calibrate", train.calibrate, "skip the do-no-harm output-scale calibration on validation rollouts");
  t->add_option("--huber", train.options.huber_delta, "Huber loss with this delta in normalized units (0: mean squared error)")->capture_default_str();
  t->add_option("--hidden", train.options.hidden, "hidden layer widths, e.g. 64 or 32,32")->delimiter(',')->capture_default_str();
  t->add_option("--members", train.options.members, "ensemble size")->check(CLI::Range(1, 16))->capture_default_str();
  t->add_option("--epochs", train.options.epochs, "training epochs")->check(CLI::PositiveNumber)->capture_default_str();
  t->add_option("--time-budget", train.options.time_budget_s, "stop training after this many seconds")->capture_default_str();
  t->add_option("--threads", train.options.threads, "LibTorch threads")->capture_default_str();
  t->add_flag("--force", train.force, "overwrite an existing output");

  AttachCommand attach;
  auto* a = app.add_subcommand("attach", "write a hybrid scene: sim.xml plus the residual plugin");
  a->add_option("--model", attach.options.sim_path, "MJCF of the analytic model (sim.xml)")->required();
  a->add_option("--residual", attach.options.residual_path, "residual model file")->required();
  a->add_option("--out", attach.out, "output hybrid MJCF")->required();
  a->add_option("--mode", attach.options.mode, "auto | off | augment | replace (auto: from the model kind)")->check(CLI::IsMember({"auto", "off", "augment", "replace"}))->capture_default_str();
  a->add_option("--scale", attach.options.scale, "residual scale")->check(CLI::NonNegativeNumber)->capture_default_str();
  a->add_flag("--force", attach.force, "overwrite an existing output");

  EvalCommand eval;
  auto* e = app.add_subcommand("eval", "k-step open-loop error of analytic vs hybrid on held-out data");
  e->add_option("--model", eval.sim, "MJCF of the analytic model (sim.xml)")->required();
  e->add_option("--residual", eval.residual, "residual model file")->required();
  e->add_option("--data", eval.data, "held-out dataset (.h5)")->required();
  e->add_option("--horizons", eval.options.horizons, "comma-separated horizons in steps")->delimiter(',')->capture_default_str();
  e->add_option("--stride", eval.options.stride, "use every n-th start index")->check(CLI::PositiveNumber)->capture_default_str();
  e->add_option("--threads", eval.options.threads, "worker threads")->check(CLI::PositiveNumber)->capture_default_str();
  e->add_option("--json", eval.json, "write results as JSON (and a tidy CSV beside it)");
  e->add_flag("--force", eval.force, "overwrite existing outputs");

  SysidCommand sysid;
  auto* s = app.add_subcommand("sysid", "fit the analytic model's physical parameters to real trajectories");
  s->add_option("--model", sysid.sim, "MJCF of the analytic model (sim.xml)")->required();
  s->add_option("--data", sysid.data, "training dataset (.h5)")->required();
  s->add_option("--out", sysid.out, "the identified model (MJCF)")->required();
  s->add_option("--eval", sysid.eval, "held-out dataset: print the k-step error of nominal vs identified");
  s->add_option("--horizon", sysid.options.horizon, "steps per rollout window of the fitted error")->check(CLI::PositiveNumber)->capture_default_str();
  s->add_option("--stride", sysid.options.stride, "a window starts every N steps")->check(CLI::PositiveNumber)->capture_default_str();
  s->add_option("--iterations", sysid.options.iterations, "Levenberg-Marquardt iterations at most")->check(CLI::PositiveNumber)->capture_default_str();
  s->add_option("--threads", sysid.options.threads, "worker threads")->check(CLI::PositiveNumber)->capture_default_str();
  s->add_flag("--force", sysid.force, "overwrite an existing output");

  StudyOptions study;
  bool no_plots = false;
  auto* st = app.add_subcommand("study", "hybrid vs nominal, sysid, sysid+residual and a pure learned model, on the same data");
  st->add_option("--scene", study.scene, "scene folder (real.xml, sim.xml, optional scene.json)")->required();
  st->add_option("--out", study.out, "run folder to create (never overwritten)")->required();
  st->add_option("--json", study.json, "also write the summary (eval-shaped JSON) here");
  st->add_option("--seeds", study.seeds, "seeds of the learned methods")->delimiter(',')->capture_default_str();
  st->add_option("--data-seconds", study.data_seconds, "training-data budgets of the data-efficiency sweep, s")->delimiter(',')->capture_default_str();
  st->add_option("--eval-stride", study.eval_stride, "k-step error from every n-th start index")->check(CLI::PositiveNumber)->capture_default_str();
  st->add_option("--episodes", study.episodes, "training episodes (default: the scene protocol's)")->check(CLI::PositiveNumber);
  st->add_option("--eval-episodes", study.eval_episodes, "held-out episodes (default: the protocol's)")->check(CLI::PositiveNumber);
  st->add_option("--steps", study.steps, "steps per episode (default: the protocol's)")->check(CLI::PositiveNumber);
  st->add_flag("--no-plots", no_plots, "skip the PNG plots");

  std::shared_ptr<rl::RlCommands> policies = rl::AddRlCommands(&app, MJHYBRID_PYTHON);

  CLI11_PARSE(app, argc, argv);
  if (!no_plots) study.python = MJHYBRID_PYTHON;
  for (const char* name : {"episodes", "steps", "dt"}) {
    if (c->count(std::string("--") + name)) collect.given.insert(name);
  }
  for (const char* name : {"output", "target-window", "huber"}) {
    if (t->count(std::string("--") + name)) train.given.insert(name);
  }
  InstallMujocoLogHandler();
  try {
    if (c->parsed()) RunCollect(collect);
    if (t->parsed()) RunTrain(train);
    if (a->parsed()) RunAttach(attach);
    if (e->parsed()) RunEval(eval);
    if (s->parsed()) RunSysid(sysid);
    if (st->parsed()) RunStudy(study);
    rl::RunRlCommands(*policies);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "mjhybrid: error: %s\n", ex.what());
    return 1;
  }
  return 0;
}
