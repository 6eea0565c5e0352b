// mjhybrid: collect real trajectories, train a residual, attach it to a scene, evaluate it
// and compare it with its peers; train and plan policies on the corrected simulator.
// docs/ARCHITECTURE.md has the contract; `mjhybrid SUBCOMMAND --help` the options.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
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
  AddStudyCommand(&app);
  AddPolicyCommands(&app);
  AddTransferCommand(&app);

  mjhybrid::scene::InstallMujocoLogHandler();
  // the parsed subcommand runs from its callback, inside parse
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mjhybrid: error: %s\n", mjhybrid::Printable(e.what()).c_str());
    return 1;
  }
  return 0;
}
