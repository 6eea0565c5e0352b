// Tests for the Eigen MLP ensemble: outputs against a plain double-precision forward pass,
// ensemble mean and spread, and the errors of FromTensors.

#include "plugin/core/mlp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "tests/common/peak_memory.h"
#include "tests/common/random_network.h"

namespace mjhybrid {
namespace {

using ::testing::HasSubstr;
using testutil::RandomMember;

// the reference: plain loops in double, tanh after every layer but the last
std::vector<double> ReferenceForward(const std::vector<DenseLayer>& member,
                                     const std::vector<float>& x) {
  std::vector<double> a(x.begin(), x.end());
  for (size_t l = 0; l < member.size(); ++l) {
    const DenseLayer& layer = member[l];
    std::vector<double> out(layer.weight.rows());
    for (int r = 0; r < layer.weight.rows(); ++r) {
      double s = layer.bias[r];
      for (int c = 0; c < layer.weight.cols(); ++c) s += double{layer.weight(r, c)} * a[c];
      out[r] = l + 1 < member.size() ? std::tanh(s) : s;
    }
    a = out;
  }
  return a;
}

std::vector<float> RandomInput(int n, std::mt19937* rng) {
  std::normal_distribution<float> g(0, 1.5);
  std::vector<float> x(n);
  for (float& v : x) v = g(*rng);
  return x;
}

TEST(MlpEnsembleTest, SingleMemberMatchesReferenceForwardPass) {
  std::mt19937 rng(7);
  const std::vector<int> widths = {7, 16, 12, 3};
  std::vector<DenseLayer> member = RandomMember(widths, &rng);
  MlpEnsemble mlp({member});
  EXPECT_EQ(mlp.input_size(), 7);
  EXPECT_EQ(mlp.output_size(), 3);
  EXPECT_EQ(mlp.members(), 1);
  EXPECT_EQ(mlp.layers(), 3);
  auto ws = mlp.MakeWorkspace();
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<float> x = RandomInput(7, &rng);
    std::vector<double> expected = ReferenceForward(member, x);
    float mean[3];
    float spread = -1;
    mlp.Evaluate(x.data(), mean, &spread, ws.get());
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(mean[i], expected[i], 1e-5) << "trial " << trial;
    EXPECT_NEAR(spread, 0, 1e-6);
  }
}

TEST(MlpEnsembleTest, SingleLinearLayerHasNoActivation) {
  DenseLayer layer;
  layer.weight.resize(1, 2);
  layer.weight << 3, -2;
  layer.bias.resize(1);
  layer.bias << 10;
  MlpEnsemble mlp({{layer}});
  auto ws = mlp.MakeWorkspace();
  float x[2] = {4, 1};
  float y = 0;
  mlp.Evaluate(x, &y, nullptr, ws.get());
  // tanh would squash 20 to ~1
  EXPECT_FLOAT_EQ(y, 20);
}

TEST(MlpEnsembleTest, WideHiddenLayersThenNarrowOutput) {
  // scratch vectors must hold the widest layer, wherever it is
  std::mt19937 rng(3);
  std::vector<DenseLayer> member = RandomMember({2, 64, 5, 48, 1}, &rng, 0.5f);
  MlpEnsemble mlp({member});
  auto ws = mlp.MakeWorkspace();
  std::vector<float> x = RandomInput(2, &rng);
  float y = 0;
  mlp.Evaluate(x.data(), &y, nullptr, ws.get());
  EXPECT_NEAR(y, ReferenceForward(member, x)[0], 1e-5);
}

TEST(MlpEnsembleTest, EnsembleMeanAndSpreadMatchReference) {
  std::mt19937 rng(11);
  const std::vector<int> widths = {5, 10, 8, 4};
  std::vector<std::vector<DenseLayer>> members;
  for (int e = 0; e < 3; ++e) members.push_back(RandomMember(widths, &rng));
  MlpEnsemble mlp(members);
  EXPECT_EQ(mlp.members(), 3);
  auto ws = mlp.MakeWorkspace();
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> x = RandomInput(5, &rng);
    std::vector<std::vector<double>> y;
    for (const auto& m : members) y.push_back(ReferenceForward(m, x));
    // mean over members; spread = population std across members, averaged over outputs
    std::vector<double> mean(4, 0);
    double spread = 0;
    for (int i = 0; i < 4; ++i) {
      for (int e = 0; e < 3; ++e) mean[i] += y[e][i] / 3;
      double var = 0;
      for (int e = 0; e < 3; ++e) var += (y[e][i] - mean[i]) * (y[e][i] - mean[i]) / 3;
      spread += std::sqrt(var) / 4;
    }
    float got_mean[4];
    float got_spread = -1;
    mlp.Evaluate(x.data(), got_mean, &got_spread, ws.get());
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(got_mean[i], mean[i], 1e-5) << "trial " << trial;
    EXPECT_GT(spread, 0.01);
    EXPECT_NEAR(got_spread, spread, 1e-4) << "trial " << trial;
  }
}

TEST(MlpEnsembleTest, IdenticalMembersHaveZeroSpread) {
  std::mt19937 rng(5);
  std::vector<DenseLayer> member = RandomMember({4, 8, 2}, &rng);
  MlpEnsemble mlp({member, member, member, member});
  auto ws = mlp.MakeWorkspace();
  std::vector<float> x = RandomInput(4, &rng);
  float mean[2];
  float spread = -1;
  mlp.Evaluate(x.data(), mean, &spread, ws.get());
  EXPECT_NEAR(spread, 0, 1e-6);
  std::vector<double> expected = ReferenceForward(member, x);
  EXPECT_NEAR(mean[0], expected[0], 1e-5);
  EXPECT_NEAR(mean[1], expected[1], 1e-5);
}

TEST(MlpEnsembleTest, EvaluateMemberGivesThatMemberAndTheEnsembleSpread) {
  std::mt19937 rng(17);
  const std::vector<int> widths = {5, 10, 8, 4};
  std::vector<std::vector<DenseLayer>> members;
  for (int e = 0; e < 3; ++e) members.push_back(RandomMember(widths, &rng));
  MlpEnsemble mlp(members);
  EXPECT_TRUE(mlp.can_evaluate_member());
  auto ws = mlp.MakeWorkspace();
  for (int trial = 0; trial < 10; ++trial) {
    std::vector<float> x = RandomInput(5, &rng);
    float mean[4], ensemble_spread = -1;
    mlp.Evaluate(x.data(), mean, &ensemble_spread, ws.get());
    ASSERT_GT(ensemble_spread, 0.01);
    for (int e = 0; e < 3; ++e) {
      SCOPED_TRACE("trial " + std::to_string(trial) + " member " + std::to_string(e));
      // the member on its own, as a one-member network
      MlpEnsemble alone({members[e]});
      auto alone_ws = alone.MakeWorkspace();
      float expected[4];
      alone.Evaluate(x.data(), expected, nullptr, alone_ws.get());
      std::vector<double> reference = ReferenceForward(members[e], x);

      float with_spread[4], without[4], spread = -1;
      mlp.EvaluateMember(e, x.data(), with_spread, &spread, ws.get());
      mlp.EvaluateMember(e, x.data(), without, nullptr, ws.get());
      for (int i = 0; i < 4; ++i) {
        // bit for bit the member alone, whether or not the other members ran for the spread
        EXPECT_EQ(with_spread[i], expected[i]) << i;
        EXPECT_EQ(without[i], expected[i]) << i;
        EXPECT_NEAR(with_spread[i], reference[i], 1e-5) << i;
      }
      EXPECT_EQ(spread, ensemble_spread);
    }
  }
}

TEST(MlpEnsembleTest, EvaluateMemberOfASingleNetworkIsEvaluate) {
  std::mt19937 rng(19);
  MlpEnsemble mlp({RandomMember({3, 6, 2}, &rng)});
  auto ws = mlp.MakeWorkspace();
  std::vector<float> x = RandomInput(3, &rng);
  float a[2], b[2], spread = -1;
  mlp.Evaluate(x.data(), a, nullptr, ws.get());
  mlp.EvaluateMember(0, x.data(), b, &spread, ws.get());
  EXPECT_EQ(a[0], b[0]);
  EXPECT_EQ(a[1], b[1]);
  EXPECT_EQ(spread, 0);
}

TEST(MlpEnsembleTest, WorkspacesAreIndependentAndReusable) {
  std::mt19937 rng(9);
  MlpEnsemble mlp({RandomMember({3, 6, 2}, &rng), RandomMember({3, 6, 2}, &rng)});
  auto ws1 = mlp.MakeWorkspace();
  auto ws2 = mlp.MakeWorkspace();
  std::vector<float> x1 = RandomInput(3, &rng), x2 = RandomInput(3, &rng);
  float a[2], b[2], c[2], sa, sb, sc;
  mlp.Evaluate(x1.data(), a, &sa, ws1.get());
  mlp.Evaluate(x2.data(), b, &sb, ws2.get());
  // evaluating x1 again after the workspace saw x2 gives the same answer
  mlp.Evaluate(x1.data(), c, &sc, ws2.get());
  EXPECT_EQ(a[0], c[0]);
  EXPECT_EQ(a[1], c[1]);
  EXPECT_EQ(sa, sc);
  EXPECT_NE(a[0], b[0]);
}

TEST(MlpEnsembleTest, TensorRoundTripGivesIdenticalOutputs) {
  std::mt19937 rng(13);
  MlpEnsemble mlp({RandomMember({6, 9, 9, 2}, &rng), RandomMember({6, 9, 9, 2}, &rng)});
  SafetensorsFile file;
  mlp.ToTensors(&file);
  EXPECT_EQ(file.tensors.size(), 2u * 3u * 2u);
  EXPECT_EQ(file.tensors.at("member1.layer2.weight").shape, (std::vector<int64_t>{2, 9}));
  EXPECT_EQ(file.tensors.at("member0.layer0.bias").shape, (std::vector<int64_t>{9}));
  std::string error;
  auto copy = MlpEnsemble::FromTensors(file, 2, 3, &error);
  ASSERT_NE(copy, nullptr) << error;
  EXPECT_EQ(copy->description(), mlp.description());
  auto ws1 = mlp.MakeWorkspace();
  auto ws2 = copy->MakeWorkspace();
  std::vector<float> x = RandomInput(6, &rng);
  float a[2], b[2], sa, sb;
  mlp.Evaluate(x.data(), a, &sa, ws1.get());
  copy->Evaluate(x.data(), b, &sb, ws2.get());
  EXPECT_EQ(a[0], b[0]);
  EXPECT_EQ(a[1], b[1]);
  EXPECT_EQ(sa, sb);
}

TEST(MlpEnsembleTest, WeightLayoutIsTorchLinear) {
  // torch.nn.Linear stores weight as [out, in], row-major: w[r, c] multiplies input c
  SafetensorsFile file;
  file.tensors["member0.layer0.weight"] = {{2, 3}, {1, 0, 0, 0, 0, 1}};
  file.tensors["member0.layer0.bias"] = {{2}, {0.5f, -0.5f}};
  std::string error;
  auto mlp = MlpEnsemble::FromTensors(file, 1, 1, &error);
  ASSERT_NE(mlp, nullptr) << error;
  auto ws = mlp->MakeWorkspace();
  float x[3] = {10, 20, 30};
  float y[2];
  mlp->Evaluate(x, y, nullptr, ws.get());
  EXPECT_FLOAT_EQ(y[0], 10.5f);
  EXPECT_FLOAT_EQ(y[1], 29.5f);
}

TEST(MlpEnsembleTest, DescriptionNamesWidthsAndMembers) {
  std::mt19937 rng(1);
  EXPECT_EQ(MlpEnsemble({RandomMember({7, 16, 3}, &rng)}).description(), "mlp 7-16-3 tanh");
  EXPECT_EQ(MlpEnsemble({RandomMember({7, 16, 3}, &rng), RandomMember({7, 16, 3}, &rng),
                         RandomMember({7, 16, 3}, &rng)})
                .description(),
            "mlp 7-16-3 tanh x3");
}

// a valid two-layer, two-member file to break in the tests below
SafetensorsFile TwoLayerFile() {
  std::mt19937 rng(2);
  SafetensorsFile file;
  MlpEnsemble({RandomMember({4, 6, 2}, &rng), RandomMember({4, 6, 2}, &rng)}).ToTensors(&file);
  return file;
}

TEST(MlpFromTensorsTest, AcceptsValidFile) {
  std::string error;
  auto mlp = MlpEnsemble::FromTensors(TwoLayerFile(), 2, 2, &error);
  ASSERT_NE(mlp, nullptr) << error;
  EXPECT_EQ(mlp->input_size(), 4);
  EXPECT_EQ(mlp->output_size(), 2);
}

TEST(MlpFromTensorsTest, MissingWeightOrBiasIsNamed) {
  std::string error;
  SafetensorsFile file = TwoLayerFile();
  file.tensors.erase("member1.layer1.weight");
  EXPECT_EQ(MlpEnsemble::FromTensors(file, 2, 2, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("missing tensor member1.layer1.weight"));

  file = TwoLayerFile();
  file.tensors.erase("member0.layer0.bias");
  EXPECT_EQ(MlpEnsemble::FromTensors(file, 2, 2, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("missing tensor member0.layer0.bias"));

  // more members or layers than the file holds
  EXPECT_EQ(MlpEnsemble::FromTensors(TwoLayerFile(), 3, 2, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("member2.layer0"));
  EXPECT_EQ(MlpEnsemble::FromTensors(TwoLayerFile(), 2, 3, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("member0.layer2"));
}

// a member count the file cannot back costs nothing: the first missing tensor is named, and
// the members are not sized by the claim (100M empty members would be 2.4 GB)
TEST(MlpFromTensorsTest, ClaimedCountsSizeNothingBeforeTheirTensorsAreFound) {
  std::string error;
  const double peak_before = testutil::PeakRssBytes();
  EXPECT_EQ(MlpEnsemble::FromTensors(TwoLayerFile(), 100'000'000, 2, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("missing tensor member2.layer0"));
  EXPECT_EQ(MlpEnsemble::FromTensors(TwoLayerFile(), 2, 100'000'000, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("missing tensor member0.layer2"));
  EXPECT_LT(testutil::PeakRssBytes() - peak_before, 100e6);
}

TEST(MlpFromTensorsTest, LayersThatDoNotChainAreRejected) {
  std::string error;
  SafetensorsFile file = TwoLayerFile();
  // layer 1 expects 5 inputs, layer 0 gives 6
  file.tensors["member0.layer1.weight"] = {{2, 5}, std::vector<float>(10, 0.1f)};
  EXPECT_EQ(MlpEnsemble::FromTensors(file, 2, 2, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("member0.layer1.weight"));
  EXPECT_THAT(error, HasSubstr("does not chain"));
}

TEST(MlpFromTensorsTest, BiasThatDoesNotFitWeightIsRejected) {
  std::string error;
  SafetensorsFile file = TwoLayerFile();
  file.tensors["member1.layer0.bias"] = {{5}, std::vector<float>(5, 0)};
  EXPECT_EQ(MlpEnsemble::FromTensors(file, 2, 2, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("member1.layer0"));

  file = TwoLayerFile();
  file.tensors["member0.layer0.weight"] = {{24}, std::vector<float>(24, 0)};  // 1-D weight
  EXPECT_EQ(MlpEnsemble::FromTensors(file, 2, 2, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("member0.layer0"));
}

TEST(MlpFromTensorsTest, MembersOfDifferentSizesAreRejected) {
  std::mt19937 rng(4);
  SafetensorsFile file;
  MlpEnsemble({RandomMember({4, 6, 2}, &rng)}).ToTensors(&file);
  SafetensorsFile other;
  MlpEnsemble({RandomMember({4, 6, 3}, &rng)}).ToTensors(&other);
  file.tensors["member1.layer0.weight"] = other.tensors["member0.layer0.weight"];
  file.tensors["member1.layer0.bias"] = other.tensors["member0.layer0.bias"];
  file.tensors["member1.layer1.weight"] = other.tensors["member0.layer1.weight"];
  file.tensors["member1.layer1.bias"] = other.tensors["member0.layer1.bias"];
  std::string error;
  EXPECT_EQ(MlpEnsemble::FromTensors(file, 2, 2, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("different input or output sizes"));
}

TEST(MlpFromTensorsTest, NeedsAtLeastOneMemberAndLayer) {
  std::string error;
  EXPECT_EQ(MlpEnsemble::FromTensors(TwoLayerFile(), 0, 2, &error), nullptr);
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_EQ(MlpEnsemble::FromTensors(TwoLayerFile(), 2, 0, &error), nullptr);
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace mjhybrid
