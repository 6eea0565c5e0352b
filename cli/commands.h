// The `mjhybrid` subcommands. Each Add*Command registers one subcommand's options on the
// application and a callback that runs it once the command line has been parsed; the work
// itself lives in the libraries (scene/, pipeline/, rl/), so a command is its option block,
// the checks of what only the command line knows, and its printing.

#ifndef MJHYBRID_CLI_COMMANDS_H_
#define MJHYBRID_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

#include <initializer_list>
#include <set>
#include <string>

namespace mjhybrid::cli {

void AddCollectCommand(CLI::App* app);
void AddTrainCommand(CLI::App* app);
void AddAttachCommand(CLI::App* app);
void AddEvalCommand(CLI::App* app);
void AddSysidCommand(CLI::App* app);
void AddFitParamsCommand(CLI::App* app);
void AddStudyCommand(CLI::App* app);
void AddPolicyCommands(CLI::App* app);  // policy-train, policy-eval, mpc
void AddTransferCommand(CLI::App* app);

// the names of the options in `names` that were given on `command`'s command line (for a
// protocol file whose values the command line overrides)
std::set<std::string> GivenOptions(const CLI::App* command, std::initializer_list<const char*> names);

}  // namespace mjhybrid::cli

#endif  // MJHYBRID_CLI_COMMANDS_H_
