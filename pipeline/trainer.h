// Training the residual network with LibTorch: an ensemble of tanh MLPs fit by Adam to the
// normalized targets (forces or velocity changes), a one-step Huber loss (or MSE), cosine
// learning-rate decay, model selection on
// held-out episodes. The result is exported to the Eigen MLP the plugin runs, with the
// normalizer and the signature of the scene it was trained for.

#ifndef MJHYBRID_PIPELINE_TRAINER_H_
#define MJHYBRID_PIPELINE_TRAINER_H_

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "pipeline/targets.h"
#include "plugin/core/residual_model.h"

namespace mjhybrid::pipeline {

struct TrainOptions {
  std::vector<int> hidden = {64};  // one layer: meets the accuracy bars on arm2 at the lowest step cost
  int members = 1;
  int epochs = 200;
  int batch = 256;
  double learning_rate = 3e-3;
  double validation_fraction = 0.15;  // share of episodes held out for model selection
  double time_budget_s = 100;         // whole training, all members
  double bound_factor = 1.5;          // residual bound = factor * largest target seen
  // > 0: Huber loss with this delta (normalized units), else MSE. One-step targets are
  // heavy-tailed (impacts, end stops, stick-slip): under MSE those few rows decide the fit.
  // 0.05 was chosen on the never-tuned pairs of tests/unseen/ and then confirmed, by a rule
  // fixed beforehand, on tests/unseen2/ (written afterwards, see README "Generalization").
  double huber_delta = 0.05;
  uint64_t seed = 0;
  int threads = 1;  // tiny networks: OpenMP sync costs more than it saves, and collapses under load
};

struct TrainResult {
  std::shared_ptr<ResidualModel> model;
  nlohmann::json report;  // losses, epochs, seconds
};

// how many of `episodes` (the last ones) are held out for model selection
int ValidationEpisodeCount(int episodes, double fraction);

TrainResult TrainResidual(const TrainingSet& set, const StateLayout& layout, const FeatureSpec& spec,
                          const TrainOptions& options, bool progress);

}  // namespace mjhybrid::pipeline

#endif  // MJHYBRID_PIPELINE_TRAINER_H_
