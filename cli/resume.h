// Resuming a stopped long run. `mjhybrid CMD --resume RUN` runs CMD again with the command line
// that started RUN (recorded in RUN's journal, scene/run_journal.h, or in a policy's training
// state, rl/ppo_state.h; RUN is then the policy file) and --resume RUN appended, so the run goes on with exactly the
// options it began with; the command skips the work RUN has recorded as done.

#ifndef MJHYBRID_CLI_RESUME_H_
#define MJHYBRID_CLI_RESUME_H_

#include <string>
#include <vector>

namespace mjhybrid::cli {

// what to parse, the program name first: argv as given, or for `CMD --resume RUN` the
// recorded command line of RUN plus --resume RUN; throws one line when RUN cannot be resumed
// so (no journal, another command's run, other options beside --resume, another directory)
std::vector<std::string> ArgumentsToRun(int argc, char** argv);

// throws one line when `run` (--resume) is not the run folder `out` of the command line it
// recorded: the folder was moved or its journal edited
void CheckResumedFolder(const std::string& run, const std::string& out);

// the arguments being run, after the program name: what a long run records to resume
const std::vector<std::string>& RunningArguments();

// from now on, SIGINT and SIGTERM print "stopped; resume with: mjhybrid COMMAND --resume RUN"
// before the process ends as the signal says; work already recorded stays
void SayHowToResumeOnSignal(const std::string& command, const std::string& run);

}  // namespace mjhybrid::cli

#endif  // MJHYBRID_CLI_RESUME_H_
