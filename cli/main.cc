// mjhybrid: collect real trajectories, train a residual, attach it to a scene, evaluate it
// and compare it with its peers; train and plan policies on the corrected simulator.
// docs/ARCHITECTURE.md has the contract; `mjhybrid SUBCOMMAND --help` the options.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/resume.h"
#include "plugin/core/printable.h"
#include "scene/mujoco_util.h"

int main(int argc, char** argv) {
  using namespace mjhybrid::cli;
  CLI::App app{"mjhybrid: learned residual dynamics for MuJoCo"};
  app.require_subcommand(1);
  AddCollectCommand(&app);
  AddTrainCommand(&app);
  AddAttachCommand(&app);
  AddEvalCommand(&app);
  AddSysidCommand(&app);
  AddFitParamsCommand(&app);
  AddStudyCommand(&app);
  AddPolicyCommands(&app);
  AddTransferCommand(&app);

  mjhybrid::scene::InstallMujocoLogHandler();
  // the parsed subcommand runs from its callback, inside parse
  try {
    // `CMD --resume RUN` parses the command line RUN was started with (cli/resume.h)
    std::vector<std::string> args = ArgumentsToRun(argc, argv);
    std::vector<char*> pointers;
    for (std::string& a : args) pointers.push_back(a.data());
    app.parse(static_cast<int>(pointers.size()), pointers.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mjhybrid: error: %s\n", mjhybrid::Printable(e.what()).c_str());
    return 1;
  }
  return 0;
}
