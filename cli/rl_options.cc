#include "cli/rl_options.h"

namespace mjhybrid::cli {

void AddPpoOptions(CLI::App* cmd, rl::PpoOptions* o) {
  cmd->add_option("--steps", o->total_steps, "environment steps of training")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--rollout", o->rollout, "actions per copy between updates")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--lr", o->learning_rate, "Adam learning rate (decays linearly to 0)")->capture_default_str();
  cmd->add_option("--hidden", o->hidden, "hidden layer widths of actor and critic")->delimiter(',')->capture_default_str();
  cmd->add_option("--gamma", o->gamma, "discount")->capture_default_str();
  cmd->add_option("--initial-std", o->initial_std, "exploration noise at the start (action units)")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--minibatch", o->minibatch, "samples per gradient step")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--epochs", o->epochs, "passes over each rollout")->check(CLI::PositiveNumber)->capture_default_str();
}

void AddMpcOptions(CLI::App* cmd, rl::MpcOptions* o) {
  cmd->add_option("--horizon", o->horizon, "actions planned ahead")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--samples", o->samples, "candidate plans per action")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--knots", o->knots, "knots of a plan")->check(CLI::Range(2, 100))->capture_default_str();
  cmd->add_option("--noise", o->noise, "std of knot perturbations (action units)")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--uncertainty-weight", o->uncertainty_weight, "cost per unit of ensemble disagreement")->check(CLI::NonNegativeNumber)->capture_default_str();
}

}  // namespace mjhybrid::cli
