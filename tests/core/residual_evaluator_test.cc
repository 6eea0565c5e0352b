// Tests for the evaluator: normalization, saturation at the training range, the output bound,
// the scale, and non-finite states. A one-layer (linear) network makes every number checkable
// by hand.

#include "plugin/core/residual_evaluator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "plugin/core/mlp.h"
#include "tests/common/random_network.h"

namespace mjhybrid {
namespace {

using ::testing::HasSubstr;

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
           double ctrl, double scale = 1, const double* history = nullptr,
           int member = kAllMembers) {
  ResidualEvaluator evaluator(std::make_shared<const ResidualModel>(model), member);
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

// Picker as two members that disagree: at the zero state they give (1, 0) and (-1, 4)
ResidualModel TwoMemberPicker() {
  ResidualModel model = Picker();
  auto single = std::static_pointer_cast<const MlpEnsemble>(model.network);
  DenseLayer a = single->weights()[0][0], b = a;
  a.bias << 1, 0;
  b.bias << -1, 4;
  model.network = std::make_shared<MlpEnsemble>(std::vector<std::vector<DenseLayer>>{{a}, {b}});
  return model;
}

TEST(ResidualEvaluatorTest, MemberGivesThatMemberWithTheEnsembleSpread) {
  const ResidualModel model = TwoMemberPicker();
  Result all = Evaluate(model, {0, 0}, {0, 0}, 0);
  Result first = Evaluate(model, {0, 0}, {0, 0}, 0, 1, nullptr, 0);
  Result second = Evaluate(model, {0, 0}, {0, 0}, 0, 1, nullptr, 1);
  ASSERT_TRUE(all.ok && first.ok && second.ok);
  EXPECT_DOUBLE_EQ(first.qfrc[0], 1);
  EXPECT_DOUBLE_EQ(first.qfrc[1], 0);
  EXPECT_DOUBLE_EQ(second.qfrc[0], -1);
  EXPECT_DOUBLE_EQ(second.qfrc[1], 4);
  EXPECT_DOUBLE_EQ(all.qfrc[0], 0);
  EXPECT_DOUBLE_EQ(all.qfrc[1], 2);
  // the disagreement is the ensemble's whichever member runs
  EXPECT_FLOAT_EQ(all.diag.spread, 1.5f);
  EXPECT_EQ(first.diag.spread, all.diag.spread);
  EXPECT_EQ(second.diag.spread, all.diag.spread);
  // the rest of the pipeline (here the scale and the bound) applies to the member as to the mean
  ResidualModel bounded = model;
  bounded.output_bound = {1000, 3};
  Result scaled = Evaluate(bounded, {0, 0}, {0, 0}, 0, 0.5, nullptr, 1);
  ASSERT_TRUE(scaled.ok);
  EXPECT_DOUBLE_EQ(scaled.qfrc[0], -0.5);
  EXPECT_DOUBLE_EQ(scaled.qfrc[1], 1.5);  // clamp(4) = 3, then * 0.5
}

TEST(ResidualEvaluatorTest, MemberIsExactlyThatMemberAloneAndTheirMeanIsTheDefault) {
  constexpr int kMembers = 3;
  std::mt19937 rng(5);
  ResidualModel model = testutil::ConstantNormalizerModel(TwoSlides(), 1, 100, 1, 1000);
  const int nin = static_cast<int>(model.input_mean.size());
  auto ensemble = testutil::RandomEnsemble({nin, 16, 16, 2}, kMembers, &rng);
  model.network = ensemble;
  auto shared = std::make_shared<const ResidualModel>(model);
  ResidualEvaluator mean(shared), all(shared, kAllMembers);
  std::vector<ResidualEvaluator> members, alone;
  for (int e = 0; e < kMembers; ++e) {
    members.emplace_back(shared, e);
    // the same member as a model of its own
    ResidualModel single = model;
    single.network = std::make_shared<MlpEnsemble>(
        std::vector<std::vector<DenseLayer>>{ensemble->weights()[e]});
    alone.emplace_back(std::make_shared<const ResidualModel>(single));
  }
  std::uniform_real_distribution<double> u(-2, 2);
  for (int trial = 0; trial < 20; ++trial) {
    SCOPED_TRACE(trial);
    double qpos[2] = {u(rng), u(rng)}, qvel[2] = {u(rng), u(rng)}, ctrl = u(rng), history = u(rng);
    double expected_mean[2], sum[2] = {0, 0};
    ResidualDiagnostics mean_diag;
    ASSERT_TRUE(mean.Compute(qpos, qvel, &ctrl, &history, nullptr, 1, expected_mean, &mean_diag));
    ASSERT_GT(mean_diag.spread, 0.01);
    double explicit_all[2];
    ASSERT_TRUE(all.Compute(qpos, qvel, &ctrl, &history, nullptr, 1, explicit_all, nullptr));
    EXPECT_EQ(explicit_all[0], expected_mean[0]);
    EXPECT_EQ(explicit_all[1], expected_mean[1]);
    double previous[2] = {0, 0};
    for (int e = 0; e < kMembers; ++e) {
      SCOPED_TRACE("member " + std::to_string(e));
      double got[2], got_quiet[2], expected[2];
      ResidualDiagnostics diag;
      ASSERT_TRUE(members[e].Compute(qpos, qvel, &ctrl, &history, nullptr, 1, got, &diag));
      // without diagnostics the member runs alone; the output is the same
      ASSERT_TRUE(members[e].Compute(qpos, qvel, &ctrl, &history, nullptr, 1, got_quiet, nullptr));
      ASSERT_TRUE(alone[e].Compute(qpos, qvel, &ctrl, &history, nullptr, 1, expected, nullptr));
      for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(got[i], expected[i]) << i;
        EXPECT_EQ(got_quiet[i], expected[i]) << i;
        sum[i] += got[i];
      }
      EXPECT_EQ(diag.spread, mean_diag.spread);
      EXPECT_EQ(diag.saturated, mean_diag.saturated);
      if (e > 0) {
        EXPECT_NE(got[0], previous[0]);  // the members do differ
      }
      previous[0] = got[0];
      previous[1] = got[1];
    }
    for (int i = 0; i < 2; ++i) EXPECT_NEAR(sum[i] / kMembers, expected_mean[i], 1e-5) << i;
  }
}

TEST(ResidualEvaluatorTest, RefusesAMemberTheModelLacks) {
  auto model = std::make_shared<const ResidualModel>(TwoMemberPicker());
  EXPECT_THROW(ResidualEvaluator evaluator(model, 2), std::invalid_argument);
  EXPECT_THROW(ResidualEvaluator evaluator(model, -2), std::invalid_argument);
  EXPECT_NO_THROW(ResidualEvaluator evaluator(model, 1));
  EXPECT_NO_THROW(ResidualEvaluator evaluator(model, kAllMembers));
}

// a backend that, like TorchScript, only gives the ensemble mean: every output is 7
class MeanOnlyNetwork : public ResidualNetwork {
 public:
  explicit MeanOnlyNetwork(int members) : members_(members) {}
  int input_size() const override { return 5; }
  int output_size() const override { return 2; }
  int members() const override { return members_; }
  std::string description() const override { return "mean-only x" + std::to_string(members_); }
  std::unique_ptr<NetworkWorkspace> MakeWorkspace() const override {
    return std::make_unique<NetworkWorkspace>();
  }
  void Evaluate(const float* x, float* mean, float* spread,
                NetworkWorkspace* workspace) const override {
    mean[0] = mean[1] = 7;
    if (spread) *spread = members_ > 1 ? 0.25f : 0;
  }

 private:
  int members_;
};

TEST(CheckMemberTest, AllIsAlwaysValid) {
  EXPECT_EQ(CheckMember(kAllMembers, *TwoMemberPicker().network), "");
  EXPECT_EQ(CheckMember(kAllMembers, MeanOnlyNetwork(3)), "");
  EXPECT_EQ(CheckMember(kAllMembers, MeanOnlyNetwork(1)), "");
}

TEST(CheckMemberTest, AnIndexMustBeBelowTheMemberCount) {
  const ResidualModel two = TwoMemberPicker();
  EXPECT_EQ(CheckMember(0, *two.network), "");
  EXPECT_EQ(CheckMember(1, *two.network), "");
  EXPECT_EQ(CheckMember(2, *two.network),
            "config 'member' is '2' but the model has 2 members; valid values: all, 0 to 1");
  EXPECT_THAT(CheckMember(17, *two.network), HasSubstr("'17'"));
  EXPECT_EQ(CheckMember(0, *Picker().network), "");
  EXPECT_EQ(CheckMember(1, *Picker().network),
            "config 'member' is '1' but the model has 1 member; valid values: all, 0");
}

TEST(CheckMemberTest, ABackendThatRunsMembersOnlyTogetherTakesAllOrItsOnlyMember) {
  for (int member : {0, 1, 5}) {
    EXPECT_EQ(CheckMember(member, MeanOnlyNetwork(3)),
              "config 'member' is '" + std::to_string(member) +
                  "' but this model's network (mean-only x3) runs its members only together; "
                  "valid values: all");
  }
  // one member: member 0 is the whole network
  EXPECT_EQ(CheckMember(0, MeanOnlyNetwork(1)), "");
  EXPECT_THAT(CheckMember(1, MeanOnlyNetwork(1)), HasSubstr("has 1 member"));

  ResidualModel model = Picker();
  model.network = std::make_shared<MeanOnlyNetwork>(1);
  Result r = Evaluate(model, {0, 0}, {0, 0}, 0, 1, nullptr, 0);
  ASSERT_TRUE(r.ok);
  EXPECT_DOUBLE_EQ(r.qfrc[0], 7);
  model.network = std::make_shared<MeanOnlyNetwork>(3);
  EXPECT_THROW(ResidualEvaluator evaluator(std::make_shared<const ResidualModel>(model), 0),
               std::invalid_argument);
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
