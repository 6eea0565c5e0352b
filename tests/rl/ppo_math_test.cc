// PPO's numerics (rl/ppo_math.h) and the return statistics (rl::Summarize) on small inputs
// whose results are worked out by hand in the comments; no simulator.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "rl/ppo.h"
#include "rl/ppo_math.h"

namespace mjhybrid::rl {
namespace {

torch::Tensor Floats(const std::vector<float>& v) { return torch::tensor(v, torch::kFloat32); }

// [T x n] from rows
torch::Tensor Rows(const std::vector<std::vector<float>>& rows) {
  std::vector<torch::Tensor> t;
  for (const std::vector<float>& row : rows) t.push_back(Floats(row));
  return torch::stack(t);
}

// copy 0: 3 steps with its episode ending at step 1; copy 1: no ending. gamma 0.5, lambda 0.5
// (gamma lambda 0.25), values V, V_3 = next_value. Copy 0, backwards:
//   t=2: delta = 4 + 0.5 * 8 - 2 = 6               A = 6
//   t=1: delta = 2 + 0 (done) - 1 = 1              A = 1 + 0 (done) = 1
//   t=0: delta = 1 + 0.5 * 1 - 0.5 = 1             A = 1 + 0.25 * 1 = 1.25
// copy 1 (rewards 0, 0, 1; values and next value 0): A = 1, 0.25, 0.0625
TEST(PpoMath, AdvantagesStopAtAnEpisodeEnd) {
  const torch::Tensor reward = Rows({{1, 0}, {2, 0}, {4, 1}});
  const torch::Tensor done = Rows({{0, 0}, {1, 0}, {0, 0}});
  const torch::Tensor value = Rows({{0.5, 0}, {1, 0}, {2, 0}});
  const torch::Tensor next_value = Floats({8, 0});
  const torch::Tensor a = GeneralizedAdvantages(reward, done, value, next_value, 0.5, 0.5);
  ASSERT_EQ(a.sizes(), reward.sizes());
  const float expected[3][2] = {{1.25, 0.0625}, {1, 0.25}, {6, 1}};
  for (int t = 0; t < 3; ++t) {
    for (int i = 0; i < 2; ++i) EXPECT_FLOAT_EQ(a[t][i].item<float>(), expected[t][i]) << "t " << t << " copy " << i;
  }
}

// two copies, gamma 0.5. Step 1: rewards 1, 3 (copy 1's episode ends): running returns 1, 3.
// Step 2: rewards 2, 2: running 0.5 * 1 + 2 = 2.5 and 2 (copy 1 restarted). The four running
// returns 1, 3, 2.5, 2 have mean 2.125 and squared deviations summing to 2.1875, variance
// 2.1875 / 4 = 0.546875.
TEST(PpoMath, TheReturnScaleFollowsTheSpreadOfDiscountedReturns) {
  ReturnScale scale(2);
  EXPECT_EQ(scale.scale(), 1.0) << "nothing seen yet";
  scale.Update({1, 3}, {0, 1}, 0.5);
  EXPECT_DOUBLE_EQ(scale.scale(), 1 / std::sqrt(1.0 + 1e-8)) << "returns 1 and 3: variance 1";
  scale.Update({2, 2}, {0, 0}, 0.5);
  EXPECT_DOUBLE_EQ(scale.running[0], 2.5);
  EXPECT_DOUBLE_EQ(scale.running[1], 2.0);
  EXPECT_EQ(scale.count, 4);
  EXPECT_DOUBLE_EQ(scale.mean, 2.125);
  EXPECT_NEAR(scale.m2, 2.1875, 1e-12);
  EXPECT_NEAR(scale.scale(), 1 / std::sqrt(0.546875 + 1e-8), 1e-12);
}

// gamma 0.5: the truncated copies gain half their final value, the other keeps its reward
TEST(PpoMath, OnlyTruncatedEpisodesAreBootstrapped) {
  std::vector<double> reward = {1, 2, 3};
  BootstrapTruncated({1, 0, 1}, Floats({4, 5, -2}), 0.5, &reward);
  EXPECT_EQ(reward, (std::vector<double>{3, 2, 2}));
}

TEST(PpoMath, TheLearningRateDecaysLinearly) {
  EXPECT_DOUBLE_EQ(LearningRate(1e-3, 0, 4), 1e-3);
  EXPECT_DOUBLE_EQ(LearningRate(1e-3, 2, 4), 5e-4);
  EXPECT_DOUBLE_EQ(LearningRate(1e-3, 3, 4), 2.5e-4);
}

// 1, 2, 3: mean 2, sample std 1
TEST(PpoMath, AdvantagesAreNormalizedWithTheSampleStd) {
  const torch::Tensor a = NormalizeAdvantages(Floats({1, 2, 3}));
  EXPECT_NEAR(a[0].item<float>(), -1 / (1 + 1e-8), 1e-6);
  EXPECT_NEAR(a[1].item<float>(), 0, 1e-6);
  EXPECT_NEAR(a[2].item<float>(), 1 / (1 + 1e-8), 1e-6);
}

// clip 0.2; ratio 1.5 or 0.5 against advantage +1 or -1, the surrogate takes the smaller of
// the plain and the clipped term: 1.2, -1.5, 0.5, -0.8, mean -0.15. Value errors 0, 0, 0, 2:
// half the mean square 0.5, times 0.5. Entropy mean 2, times 0.01.
// loss = 0.15 + 0.25 - 0.02 = 0.38
TEST(PpoMath, TheLossClipsTheRatioOnTheSideThatWouldGain) {
  const float up = std::log(1.5f), down = std::log(0.5f);
  const torch::Tensor loss = PpoLoss(Floats({up, up, down, down}), Floats({0, 0, 0, 0}), Floats({1, -1, 1, -1}),
                                     Floats({1, 2, 3, 2}), Floats({1, 2, 3, 4}), Floats({1, 2, 3, 6}),
                                     /*clip=*/0.2, /*value_coef=*/0.5, /*entropy_coef=*/0.01);
  EXPECT_EQ(loss.dim(), 0);
  EXPECT_NEAR(loss.item<float>(), 0.38, 1e-6);
}

// 1, 2, 3, 6: mean 3, squared deviations 4 + 1 + 0 + 9 = 14, population std sqrt(14 / 4)
TEST(PpoMath, ReturnsAreSummarizedWithThePopulationStd) {
  const ReturnStats s = Summarize({1, 2, 3, 6});
  EXPECT_EQ(s.episodes, 4);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(3.5));
  const ReturnStats none = Summarize({});
  EXPECT_EQ(none.episodes, 0);
  EXPECT_EQ(none.mean, 0);
}

}  // namespace
}  // namespace mjhybrid::rl
