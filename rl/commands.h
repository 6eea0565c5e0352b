// The policy side of the `mjhybrid` command line:
//
//   mjhybrid policy-train --model WORLD.xml --out POLICY.pt [--steps N] [--score-on REAL.xml]
//   mjhybrid policy-eval  --model WORLD.xml --policy POLICY.pt [--episodes N] [--json OUT]
//   mjhybrid mpc          --model REAL.xml --planner HYBRID.xml [--episodes N] [--json OUT]
//   mjhybrid transfer     --scene scenes/NAME --out RUN [--json OUT]
//
// A world's task is the task.json beside it (--task overrides). AddRlCommands registers the
// subcommands; RunRlCommands runs the one that was parsed and says whether it did.

#ifndef MJHYBRID_RL_COMMANDS_H_
#define MJHYBRID_RL_COMMANDS_H_

#include <CLI/CLI.hpp>

#include <memory>

namespace mjhybrid::rl {

struct RlCommands;
std::shared_ptr<RlCommands> AddRlCommands(CLI::App* app, const std::string& python);
bool RunRlCommands(const RlCommands& commands);

}  // namespace mjhybrid::rl

#endif  // MJHYBRID_RL_COMMANDS_H_
