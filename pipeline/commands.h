// The mjhybrid subcommands. Each takes its parsed options, prints progress to stderr and
// throws std::runtime_error with a one-line message on bad input.

#ifndef MJHYBRID_PIPELINE_COMMANDS_H_
#define MJHYBRID_PIPELINE_COMMANDS_H_

#include <set>
#include <string>
#include <vector>

#include "pipeline/attach.h"
#include "pipeline/collect.h"
#include "pipeline/kstep_error.h"
#include "pipeline/sysid.h"
#include "pipeline/trainer.h"

namespace mjhybrid {

struct CollectCommand {
  CollectOptions options;
  std::string protocol;         // a scene.json; the options given on the command line win
  std::set<std::string> given;  // which options were given on the command line
  bool held_out = false;        // collect the protocol's eval_episodes
  std::string out;
  bool force = false;
};

struct TrainCommand {
  std::string sim;
  std::string data;
  std::string out;
  int ctrl_history = 8;
  std::string contacts = "auto";  // whole-state contact features: auto | none | a:b,c:d
  std::vector<std::string> replace;  // geom pairs a:b for a contact model (mode replace)
  std::string output = "force";      // whole-state models: force (qfrc) | velocity (dqvel)
  int target_window = 20;            // velocity targets: steps per analytic rollout window
  bool constraint_features = true;   // velocity models see the solver's response to the step
  int rounds = 1;                    // velocity models: rounds of targets along the last hybrid
  std::string protocol;              // a scene.json whose "train" section sets output, window, huber
  std::set<std::string> given;       // which of those were given on the command line (they win)
  double contact_range = 0;          // 0: 0.05 m for features, 0.01 m for replace
  bool calibrate = true;             // choose the output scale on validation rollouts
  TrainOptions options;
  bool force = false;
};

struct AttachCommand {
  AttachOptions options;
  std::string out;
  bool force = false;
};

struct EvalCommand {
  std::string sim;
  std::string residual;
  std::string data;
  std::string json;
  KStepOptions options;
  bool force = false;
};

struct SysidCommand {
  std::string sim;
  std::string data;
  std::string eval;   // optional held-out dataset: k-step error of nominal vs identified
  std::string out;    // the identified model (MJCF)
  SysidOptions options;
  bool force = false;
};

// "mujoco X, libtorch Y": what a result was computed with
std::string Versions();

// a study-like command writes one new run folder: an existing one is refused (one line naming
// the command), so that no earlier run is overwritten
void CheckNewRunFolder(const std::string& out, const std::string& command);
// scripts/SCRIPT RUN_FOLDER with the given Python ("" = no plots); a warning when it fails
void MakePlots(const std::string& python, const std::string& script, const std::string& out,
               const std::string& command);

void RunCollect(const CollectCommand& command);
void RunTrain(const TrainCommand& command);
void RunAttach(const AttachCommand& command);
void RunEval(const EvalCommand& command);
void RunSysid(const SysidCommand& command);

}  // namespace mjhybrid

#endif  // MJHYBRID_PIPELINE_COMMANDS_H_
