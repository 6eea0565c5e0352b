// mjhybrid train: fit a residual model to real trajectories (pipeline/residual_recipe.h).

#include <memory>
#include <set>

#include "cli/commands.h"
#include "pipeline/residual_recipe.h"
#include "scene/run_files.h"
#include "scene/scene_config.h"

namespace mjhybrid::cli {

namespace {

struct TrainArgs {
  std::string sim, data, out;
  std::string protocol;  // a scene.json whose "train" section sets output, window, huber
  pipeline::ResidualRecipe recipe;
  bool force = false;
};

void RunTrain(TrainArgs c, const std::set<std::string>& given) {
  if (!c.protocol.empty()) pipeline::ApplySceneTraining(scene::LoadSceneConfig(c.protocol).train, given, &c.recipe);
  scene::CheckOutputPath(c.out, c.force);
  pipeline::SaveFittedResidual(pipeline::FitResidual(c.sim, c.data, c.recipe, c.out), c.out);
}

}  // namespace

void AddTrainCommand(CLI::App* app) {
  auto c = std::make_shared<TrainArgs>();
  pipeline::ResidualRecipe& r = c->recipe;
  pipeline::TrainOptions& o = r.options;
  CLI::App* cmd = app->add_subcommand("train", "fit a residual model to real trajectories");
  cmd->add_option("--model", c->sim, "MJCF of the analytic model (sim.xml)")->required();
  cmd->add_option("--data", c->data, "training dataset (.h5)")->required();
  cmd->add_option("--out", c->out, "output residual model (.safetensors)")->required();
  cmd->add_option("--seed", o.seed, "random seed")->capture_default_str();
  cmd->add_option("--history", r.ctrl_history, "previous controls fed to the network")->capture_default_str();
  cmd->add_option("--contacts", r.contacts, "contact pairs the residual sees: auto (the most frequent in the data), none, or GEOM1:GEOM2,...")->capture_default_str();
  cmd->add_option("--replace", r.replace, "train a contact model for these pairs GEOM1:GEOM2,... (mode replace)")->delimiter(',');
  cmd->add_option("--output", r.output, "what a whole-state residual outputs: force (added before the constraint solver) or velocity (a velocity change after the step, which contacts cannot cancel)")->check(CLI::IsMember({"force", "velocity"}))->capture_default_str();
  cmd->add_option("--target-window", r.target_window, "velocity residuals: targets along analytic rollouts of this many steps from the recorded states (1: at the recorded states only)")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_flag("!--no-constraint-features", r.constraint_features, "velocity residuals: do not show the network the velocity change the constraint solver imposed in the step");
  cmd->add_option("--rounds", r.rounds, "velocity residuals: fit, then re-take the targets along the hybrid's own rollouts and refit, this many rounds in all")->check(CLI::Range(1, 5))->capture_default_str();
  cmd->add_option("--protocol", c->protocol, "scene.json: its \"train\" section sets --output, --target-window and --huber (options given here win)");
  cmd->add_option("--contact-range", r.contact_range, "distance in m below which a pair counts as near (default 0.05, replace 0.01)");
  cmd->add_flag("!--no-calibrate", r.calibrate, "skip the do-no-harm output-scale calibration on validation rollouts");
  cmd->add_option("--huber", o.huber_delta, "Huber loss with this delta in normalized units (0: mean squared error)")->capture_default_str();
  cmd->add_option("--hidden", o.hidden, "hidden layer widths, e.g. 64 or 32,32")->delimiter(',')->capture_default_str();
  cmd->add_option("--members", o.members, "ensemble size")->check(CLI::Range(1, 16))->capture_default_str();
  cmd->add_option("--epochs", o.epochs, "training epochs")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--time-budget", o.time_budget_s, "stop training after this many seconds")->capture_default_str();
  cmd->add_option("--threads", o.threads, "LibTorch threads")->capture_default_str();
  cmd->add_flag("--force", c->force, "overwrite an existing output");
  cmd->callback([c, cmd] { RunTrain(*c, GivenOptions(cmd, {"output", "target-window", "huber"})); });
}

}  // namespace mjhybrid::cli
