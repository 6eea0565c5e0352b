// Tests for the evaluator: normalization, saturation at the training range, the output bound,
// the scale, and non-finite states. A one-layer (linear) network makes every number checkable
// by hand.

#include "plugin/core/residual_evaluator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "plugin/core/mlp.h"
#include "tests/common/random_network.h"

namespace mjhybrid {
namespace {

// two slide joints (features are the positions themselves) and one motor:
// features = q0, q1, v0, v1, u  (+ u(t-1) with ctrl_history 1)
StateLayout TwoSlides() {
  return testutil::MakeLayout(2, 2, 0.01,
                              {{"x", JointKind::kSlide, 0, 0}, {"y", JointKind::kSlide, 1, 1}},
                              {"motor"});
}

// y = W * normalized(features) + b, identity normalizer, wide ranges, unit outputs
ResidualModel LinearModel(const std::vector<std::vector<float>>& w, std::vector<float> b,
                          int ctrl_history = 0) {
  ResidualModel model = testutil::ConstantNormalizerModel(TwoSlides(), ctrl_history, 100, 1, 1000);
  const int nin = static_cast<int>(model.input_mean.size());
  DenseLayer layer;
  layer.weight.resize(2, nin);
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < nin; ++c) layer.weight(r, c) = w[r][c];
  }
  layer.bias = Eigen::Map<Eigen::VectorXf>(b.data(), 2);
  model.network = std::make_shared<MlpEnsemble>(std::vector<std::vector<DenseLayer>>{{layer}});
  return model;
}

// output 0 reads q0, output 1 reads v1
ResidualModel Picker() { return LinearModel({{1, 0, 0, 0, 0}, {0, 0, 0, 1, 0}}, {0, 0}); }

struct Result {
  bool ok;
  double qfrc[2];
  ResidualDiagnostics diag;
};

Result Evaluate(const ResidualModel& model, std::vector<double> qpos, std::vector<double> qvel,
           double ctrl, double scale = 1, const double* history = nullptr) {
  ResidualEvaluator evaluator(std::make_shared<const ResidualModel>(model));
  Result r;
  r.qfrc[0] = r.qfrc[1] = 123;  // garbage the evaluator must overwrite
  r.diag.saturated = -1;
  r.ok = evaluator.Compute(qpos.data(), qvel.data(), &ctrl, history, nullptr, scale, r.qfrc, &r.diag);
  return r;
}

TEST(ResidualEvaluatorTest, InsideTheRangeIsALinearMap) {
  Result r = Evaluate(Picker(), {0.5, 7}, {8, -2.5}, 9);
  ASSERT_TRUE(r.ok);
  EXPECT_DOUBLE_EQ(r.qfrc[0], 0.5);
  EXPECT_DOUBLE_EQ(r.qfrc[1], -2.5);
  EXPECT_EQ(r.diag.saturated, 0);
  EXPECT_EQ(r.diag.spread, 0);
}

TEST(ResidualEvaluatorTest, NormalizesInputsAndDenormalizesOutputs) {
  ResidualModel model = Picker();
  model.input_mean[0] = 1;
  model.input_std[0] = 4;
  model.output_mean[0] = 10;
  model.output_std[0] = 3;
  Result r = Evaluate(model, {9, 0}, {0, 0}, 0);
  ASSERT_TRUE(r.ok);
  // ((9 - 1) / 4) * 3 + 10
  EXPECT_NEAR(r.qfrc[0], 16, 1e-6);
}

TEST(ResidualEvaluatorTest, SaturatesAndCountsInputsOutsideTheTrainingRange) {
  ResidualModel model = Picker();
  for (size_t i = 0; i < model.input_min.size(); ++i) {
    model.input_min[i] = -1;
    model.input_max[i] = 2;
  }
  // q0 above, v1 below, u above; q1 and v0 inside
  Result r = Evaluate(model, {5, 0.5}, {1.5, -3}, 7);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.diag.saturated, 3);
  EXPECT_DOUBLE_EQ(r.qfrc[0], 2);   // held at input_max
  EXPECT_DOUBLE_EQ(r.qfrc[1], -1);  // held at input_min
  // exactly on the edge is not saturation
  r = Evaluate(model, {2, -1}, {0, 0}, 0);
  EXPECT_EQ(r.diag.saturated, 0);
  EXPECT_DOUBLE_EQ(r.qfrc[0], 2);
}

TEST(ResidualEvaluatorTest, OutputIsClampedToTheBound) {
  ResidualModel model = Picker();
  model.output_bound = {0.25f, 4};
  Result r = Evaluate(model, {3, 0}, {0, -50}, 0);
  ASSERT_TRUE(r.ok);
  EXPECT_DOUBLE_EQ(r.qfrc[0], 0.25);
  EXPECT_DOUBLE_EQ(r.qfrc[1], -4);
}

TEST(ResidualEvaluatorTest, ScaleMultipliesAfterTheBound) {
  ResidualModel model = Picker();
  model.output_bound = {1, 1000};
  Result r = Evaluate(model, {3, 0}, {0, -0.5}, 0, 2.5);
  ASSERT_TRUE(r.ok);
  EXPECT_DOUBLE_EQ(r.qfrc[0], 2.5);  // clamp(3) = 1, then * 2.5
  EXPECT_DOUBLE_EQ(r.qfrc[1], -1.25);
  r = Evaluate(model, {3, 0}, {0, -0.5}, 0, 0);
  EXPECT_EQ(r.qfrc[0], 0);
  EXPECT_EQ(r.qfrc[1], 0);
}

TEST(ResidualEvaluatorTest, UsesControlAndHistory) {
  // output 0 reads u, output 1 reads u(t-1)
  ResidualModel model = LinearModel({{0, 0, 0, 0, 1, 0}, {0, 0, 0, 0, 0, 1}}, {0.5, 0}, 1);
  double history = -6;
  Result r = Evaluate(model, {0, 0}, {0, 0}, 3, 1, &history);
  ASSERT_TRUE(r.ok);
  EXPECT_DOUBLE_EQ(r.qfrc[0], 3.5);
  EXPECT_DOUBLE_EQ(r.qfrc[1], -6);
}

TEST(ResidualEvaluatorTest, NonFiniteStateGivesFalseAndZeroForce) {
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  for (int which = 0; which < 4; ++which) {
    SCOPED_TRACE(which);
    std::vector<double> qpos = {0.1, 0.2}, qvel = {0.3, 0.4};
    double ctrl = 0.5;
    if (which == 0) qvel[1] = nan;
    if (which == 1) qpos[0] = inf;
    if (which == 2) ctrl = nan;
    if (which == 3) qvel[0] = -inf;
    Result r = Evaluate(Picker(), qpos, qvel, ctrl);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.qfrc[0], 0);
    EXPECT_EQ(r.qfrc[1], 0);
  }
  double history = nan;
  ResidualModel with_history = LinearModel({{0, 0, 0, 0, 1, 0}, {0, 0, 0, 0, 0, 1}}, {0, 0}, 1);
  Result r = Evaluate(with_history, {0, 0}, {0, 0}, 0, 1, &history);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.qfrc[1], 0);
}

TEST(ResidualEvaluatorTest, NonFiniteNetworkOutputGivesFalseAndZeroForce) {
  // float overflow inside the network: 3e38 + 3e38 is inf in float
  ResidualModel model = LinearModel({{3e38f, 3e38f, 0, 0, 0}, {0, 0, 0, 1, 0}}, {0, 0});
  Result r = Evaluate(model, {1, 1}, {0, 1}, 0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.qfrc[0], 0);
  EXPECT_EQ(r.qfrc[1], 0);
  // a NaN weight
  model = LinearModel({{std::nanf(""), 0, 0, 0, 0}, {0, 0, 0, 1, 0}}, {0, 0});
  r = Evaluate(model, {1, 1}, {0, 1}, 0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.qfrc[1], 0);
}

TEST(ResidualEvaluatorTest, ReportsEnsembleSpread) {
  ResidualModel model = Picker();
  auto single = std::static_pointer_cast<const MlpEnsemble>(model.network);
  DenseLayer a = single->weights()[0][0], b = a;
  a.bias << 1, 0;
  b.bias << -1, 4;
  model.network = std::make_shared<MlpEnsemble>(std::vector<std::vector<DenseLayer>>{{a}, {b}});
  Result r = Evaluate(model, {0, 0}, {0, 0}, 0);
  ASSERT_TRUE(r.ok);
  // members give (1, 0) and (-1, 4): mean (0, 2), std (1, 2), spread = mean std = 1.5
  EXPECT_DOUBLE_EQ(r.qfrc[0], 0);
  EXPECT_DOUBLE_EQ(r.qfrc[1], 2);
  EXPECT_FLOAT_EQ(r.diag.spread, 1.5f);
}

TEST(ResidualEvaluatorTest, RepeatedCallsAreIdentical) {
  ResidualModel model = LinearModel({{0.3f, -1, 2, 0.1f, 5}, {1, 1, 1, 1, 1}}, {0.2f, -0.1f});
  ResidualEvaluator evaluator(std::make_shared<const ResidualModel>(model));
  double qpos[2] = {0.1, -0.2}, qvel[2] = {1, 2}, ctrl = 0.7;
  double a[2], b[2];
  ASSERT_TRUE(evaluator.Compute(qpos, qvel, &ctrl, nullptr, nullptr, 1, a, nullptr));
  ASSERT_TRUE(evaluator.Compute(qpos, qvel, &ctrl, nullptr, nullptr, 1, b, nullptr));
  EXPECT_EQ(a[0], b[0]);
  EXPECT_EQ(a[1], b[1]);
  EXPECT_EQ(evaluator.model().signature.nv, 2);
}

}  // namespace
}  // namespace mjhybrid
