// The PPO and MPC option blocks, shared by the policy commands and `transfer`.

#ifndef MJHYBRID_CLI_RL_OPTIONS_H_
#define MJHYBRID_CLI_RL_OPTIONS_H_

#include <CLI/CLI.hpp>

#include "rl/mpc.h"
#include "rl/ppo.h"

namespace mjhybrid::cli {

void AddPpoOptions(CLI::App* cmd, rl::PpoOptions* o);
void AddMpcOptions(CLI::App* cmd, rl::MpcOptions* o);

}  // namespace mjhybrid::cli

#endif  // MJHYBRID_CLI_RL_OPTIONS_H_
