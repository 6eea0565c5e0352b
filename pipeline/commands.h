// The mjhybrid subcommands. Each takes its parsed options, prints progress to stderr and
// throws std::runtime_error with a one-line message on bad input.

#ifndef MJHYBRID_PIPELINE_COMMANDS_H_
#define MJHYBRID_PIPELINE_COMMANDS_H_

#include <string>
#include <vector>

#include "pipeline/attach.h"
#include "pipeline/collect.h"
#include "pipeline/kstep_error.h"
#include "pipeline/trainer.h"

namespace mjhybrid {

struct CollectCommand {
  CollectOptions options;
  std::string out;
  bool force = false;
};

struct TrainCommand {
  std::string sim;
  std::string data;
  std::string out;
  int ctrl_history = 8;
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

void RunCollect(const CollectCommand& command);
void RunTrain(const TrainCommand& command);
void RunAttach(const AttachCommand& command);
void RunEval(const EvalCommand& command);

}  // namespace mjhybrid

#endif  // MJHYBRID_PIPELINE_COMMANDS_H_
