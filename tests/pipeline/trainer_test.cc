// The trainer (pipeline/trainer.h) on a synthetic training set whose targets are a known
// linear function of the features: it must learn the function, export a model that the
// plugin's evaluator runs to the same answer, and give the same weights for the same seed.

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "pipeline/trainer.h"
#include "plugin/core/mlp.h"
#include "plugin/core/residual_evaluator.h"

namespace mjhybrid::pipeline {
namespace {

// two slide joints and one motor: features q0, q1, v0, v1, u (features.h), two outputs
StateLayout SlideLayout() {
  StateLayout layout;
  layout.nq = 2;
  layout.nv = 2;
  layout.nu = 1;
  layout.timestep = 0.01;
  layout.joints = {{"x", JointKind::kSlide, 0, 0}, {"y", JointKind::kSlide, 1, 1}};
  layout.actuators = {"motor"};
  return layout;
}

constexpr int kFeatures = 5, kOutputs = 2;
// the known force: tau = A x + b (e.g. springs, dampers and a motor gain error)
constexpr double kA[kOutputs][kFeatures] = {{-2.0, 0.5, -0.3, 0.0, 1.5}, {0.7, -1.2, 0.0, -0.8, -0.4}};
constexpr double kB[kOutputs] = {0.25, -0.1};

void Truth(const double* x, double* y) {
  for (int i = 0; i < kOutputs; ++i) {
    y[i] = kB[i];
    for (int j = 0; j < kFeatures; ++j) y[i] += kA[i][j] * x[j];
  }
}

// `episodes` episodes of `rows_per_episode` rows, features uniform in [-1, 1]
TrainingSet LinearSet(int episodes, int rows_per_episode, uint64_t seed) {
  TrainingSet set;
  set.feature_count = kFeatures;
  set.output_count = kOutputs;
  set.episodes = episodes;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(-1, 1);
  for (int e = 0; e < episodes; ++e) {
    for (int r = 0; r < rows_per_episode; ++r) {
      double x[kFeatures], y[kOutputs];
      for (double& v : x) v = unit(rng);
      Truth(x, y);
      set.features.insert(set.features.end(), x, x + kFeatures);
      set.targets.insert(set.targets.end(), y, y + kOutputs);
      set.episode.push_back(e);
    }
  }
  return set;
}

TrainOptions SmallOptions() {
  TrainOptions options;
  options.hidden = {32};
  options.epochs = 200;
  options.batch = 64;
  options.learning_rate = 1e-2;
  options.huber_delta = 0;  // MSE: the targets are noise-free
  options.seed = 4;
  options.time_budget_s = 600;  // never the limit: the result must not depend on load
  return options;
}

// A known smooth force law is learnt: the held-out episodes' MSE in normalized units is below
// 1e-4 (an RMS error under 1 % of the targets' standard deviation, ~1.5 N), and the exported
// model, run through the plugin's evaluator (features -> normalizer -> MLP -> de-normalize ->
// bound), predicts 200 fresh states within 0.05 N of the truth (a few times that RMS error,
// the worst of 400 outputs).
TEST(TrainerTest, LearnsALinearForceLawAndExportsIt) {
  const TrainingSet set = LinearSet(10, 150, 1);
  const StateLayout layout = SlideLayout();
  const TrainResult result = TrainResidual(set, layout, FeatureSpec{}, SmallOptions(), false);

  const nlohmann::json& member = result.report.at("members").at(0);
  EXPECT_EQ(member.at("epochs").get<int>(), 200);
  EXPECT_LT(member.at("val_mse").get<double>(), 1e-4) << result.report.dump();
  EXPECT_LT(member.at("train_mse").get<double>(), 1e-4) << result.report.dump();
  EXPECT_EQ(result.report.at("validation_rows").get<int>() + result.report.at("train_rows").get<int>(),
            set.rows());

  ASSERT_NE(result.model, nullptr);
  ResidualEvaluator evaluator(result.model);
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> inside(-0.95, 0.95);  // within the training range
  double worst = 0;
  for (int i = 0; i < 200; ++i) {
    double x[kFeatures], truth[kOutputs], out[kOutputs];
    for (double& v : x) v = inside(rng);
    Truth(x, truth);
    ResidualDiagnostics diagnostics;
    ASSERT_TRUE(evaluator.Compute(x, x + 2, x + 4, nullptr, nullptr, 1.0, out, &diagnostics));
    EXPECT_EQ(diagnostics.saturated, 0);
    for (int j = 0; j < kOutputs; ++j) worst = std::max(worst, std::abs(out[j] - truth[j]));
  }
  EXPECT_LT(worst, 0.05) << "largest error on held-out states, N";
}

std::vector<std::vector<DenseLayer>> Weights(const TrainResult& result) {
  auto mlp = std::dynamic_pointer_cast<const MlpEnsemble>(result.model->network);
  EXPECT_NE(mlp, nullptr);
  return mlp ? mlp->weights() : std::vector<std::vector<DenseLayer>>{};
}

bool SameWeights(const std::vector<std::vector<DenseLayer>>& a, const std::vector<std::vector<DenseLayer>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t m = 0; m < a.size(); ++m) {
    if (a[m].size() != b[m].size()) return false;
    for (size_t l = 0; l < a[m].size(); ++l) {
      const DenseLayer &x = a[m][l], &y = b[m][l];
      if (x.weight.rows() != y.weight.rows() || x.weight.cols() != y.weight.cols() ||
          x.bias.size() != y.bias.size() || !(x.weight == y.weight) || !(x.bias == y.bias)) {
        return false;
      }
    }
  }
  return true;
}

// Training is a function of the data and the seed: the same seed gives the same weights to the
// bit, a different seed other weights.
TEST(TrainerTest, SameSeedGivesSameWeights) {
  const TrainingSet set = LinearSet(4, 100, 2);
  const StateLayout layout = SlideLayout();
  TrainOptions options = SmallOptions();
  options.epochs = 5;
  options.members = 2;
  const auto first = Weights(TrainResidual(set, layout, FeatureSpec{}, options, false));
  const auto second = Weights(TrainResidual(set, layout, FeatureSpec{}, options, false));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_TRUE(SameWeights(first, second));
  options.seed += 1;
  const auto other = Weights(TrainResidual(set, layout, FeatureSpec{}, options, false));
  EXPECT_FALSE(SameWeights(first, other));
}

}  // namespace
}  // namespace mjhybrid::pipeline
