// Bad input must be a clear one-line error at compile time (naming the instance, the key or the
// file, and what would be valid), and bad numbers at run time must not crash: the residual is
// zeroed and one warning is printed per mjData.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "plugin/core/plugin_state.h"
#include "tests/plugin/fixture.h"

namespace mjhybrid {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class BadInputTest : public SimSceneTest {
 protected:
  // compiling must fail; returns the error text after checking it is one line (MuJoCo's own
  // parser errors add a second line with the element, which our errors do not need)
  std::string ExpectCompileError(const std::string& xml, bool one_line = true) {
    std::string error;
    ModelPtr m = LoadXml(xml, &error);
    EXPECT_EQ(m, nullptr) << "compiled, but should not have";
    EXPECT_FALSE(error.empty());
    if (one_line) {
      EXPECT_THAT(error, Not(HasSubstr("\n"))) << error;
    }
    return error;
  }

  // warnings that contain `text`
  int CountWarnings(const std::vector<std::string>& warnings, const std::string& text) {
    int n = 0;
    for (const std::string& w : warnings) n += w.find(text) != std::string::npos;
    return n;
  }
};

TEST_F(BadInputTest, MissingModelFile) {
  const std::string path = TempPath("does_not_exist.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(sim_xml_, path, "augment")),
              AllOf(HasSubstr("mjhybrid.residual"), HasSubstr("'residual'"),
                    HasSubstr("does_not_exist.safetensors"), HasSubstr("cannot open")));
}

TEST_F(BadInputTest, RandomBytes) {
  const std::string path = TempPath("noise.safetensors");
  std::mt19937 rng(1);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  WriteText(path, bytes);
  EXPECT_THAT(ExpectCompileError(HybridXml(sim_xml_, path, "augment")),
              AllOf(HasSubstr("noise.safetensors"), HasSubstr("unknown file kind")));
}

TEST_F(BadInputTest, TruncatedSafetensors) {
  const std::string good = SaveResidual(RandomResidual(sim_.get(), 2, 1, 1), "good.safetensors");
  const std::string bytes = ReadText(good);
  for (size_t keep : {bytes.size() - 1, bytes.size() / 2, size_t{200}, size_t{12}}) {
    SCOPED_TRACE("kept " + std::to_string(keep) + " bytes");
    const std::string path = TempPath("cut" + std::to_string(keep) + ".safetensors");
    WriteText(path, bytes.substr(0, keep));
    EXPECT_THAT(ExpectCompileError(HybridXml(sim_xml_, path, "augment")),
                HasSubstr("cut" + std::to_string(keep) + ".safetensors"));
  }
}

TEST_F(BadInputTest, SafetensorsWithOverflowingShape) {
  // a corrupt file must be an error, not an exception escaping into the MuJoCo compiler
  const std::string header =
      R"({"__metadata__":{"mjhybrid":"{}"},)"
      R"("member0.layer0.weight":{"dtype":"F32","shape":[4611686018427387905],)"
      R"("data_offsets":[0,4]}})";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  const std::string path = TempPath("overflow.safetensors");
  WriteText(path, bytes + header + std::string(4, '\0'));
  EXPECT_THAT(ExpectCompileError(HybridXml(sim_xml_, path, "augment")),
              HasSubstr("overflow.safetensors"));
}

TEST_F(BadInputTest, MetadataWithAMalformedNetworkSection) {
  // valid tensors, but "network" is a string: an error message, not an escaping exception
  ResidualModel model = RandomResidual(sim_.get(), 0, 1, 20);
  nlohmann::json meta = model.Metadata();
  meta["network"] = "mlp";
  SafetensorsFile file;
  std::static_pointer_cast<const MlpEnsemble>(model.network)->ToTensors(&file);
  file.metadata["mjhybrid"] = meta.dump();
  const std::string path = TempPath("network_string.safetensors");
  std::string error;
  ASSERT_TRUE(WriteSafetensors(path, file, &error)) << error;
  EXPECT_THAT(ExpectCompileError(HybridXml(sim_xml_, path, "augment")),
              HasSubstr("network_string.safetensors"));
}

TEST_F(BadInputTest, ModelTrainedAtAnotherTimestep) {
  const std::string path =
      SaveResidual(RandomResidual(sim_.get(), 2, 1, 2), "trained_rate.safetensors");
  char trained[32];
  std::snprintf(trained, sizeof(trained), "%g", sim_->opt.timestep);
  ASSERT_STRNE(trained, "0.002");
  const std::string xml = WithOption(sim_xml_, "timestep", "0.002");
  EXPECT_THAT(ExpectCompileError(HybridXml(xml, path, "augment")),
              AllOf(HasSubstr("trained_rate.safetensors"), HasSubstr(trained), HasSubstr("0.002"),
                    HasSubstr("timestep")));
}

TEST_F(BadInputTest, ModelWithOtherActuatorNames) {
  ResidualModel model = RandomResidual(sim_.get(), 2, 1, 3);
  model.signature.actuators = {"motor_shoulder", "motor_elbow"};
  const std::string path = SaveResidual(model, "renamed.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(sim_xml_, path, "augment")),
              AllOf(HasSubstr("renamed.safetensors"), HasSubstr("'motor_shoulder'"),
                    HasSubstr("'shoulder'")));
}

TEST_F(BadInputTest, ModelForAnotherScene) {
  // a model for a three-joint arm
  ResidualModel model = RandomResidual(sim_.get(), 0, 1, 4);
  model.signature.nq = model.signature.nv = 3;
  model.signature.joints.push_back({"wrist", JointKind::kHinge, 2, 2});
  const int nin = FeatureCount(model.features, model.signature);
  for (auto* v : {&model.input_mean, &model.input_std, &model.input_min, &model.input_max}) {
    v->resize(nin, 1);
  }
  for (auto* v : {&model.output_mean, &model.output_std, &model.output_bound}) v->resize(3, 1);
  std::mt19937 rng(4);
  model.network = testutil::RandomEnsemble({nin, 8, 3}, 1, &rng);
  const std::string path = SaveResidual(model, "arm3.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(sim_xml_, path, "augment")),
              AllOf(HasSubstr("nq=3"), HasSubstr("nq=2")));
}

TEST_F(BadInputTest, UnknownConfigKey) {
  const std::string path = SaveResidual(RandomResidual(sim_.get(), 0, 1, 5), "ok.safetensors");
  EXPECT_THAT(
      ExpectCompileError(HybridXml(sim_xml_, path, "augment", ConfigKey("gain", "2")), false),
      AllOf(HasSubstr("unrecognized attribute"), HasSubstr("gain"), HasSubstr(kPluginName)));
}

TEST_F(BadInputTest, UnknownMode) {
  const std::string path = SaveResidual(RandomResidual(sim_.get(), 0, 1, 6), "ok.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(sim_xml_, path, "fast")),
              AllOf(HasSubstr("'residual'"), HasSubstr("'mode'"), HasSubstr("'fast'"),
                    HasSubstr("off, augment")));
}

TEST_F(BadInputTest, BadScale) {
  const std::string path = SaveResidual(RandomResidual(sim_.get(), 0, 1, 7), "ok.safetensors");
  for (const char* scale : {"abc", "-1", "inf"}) {
    SCOPED_TRACE(scale);
    EXPECT_THAT(
        ExpectCompileError(HybridXml(sim_xml_, path, "augment", ConfigKey("scale", scale))),
        AllOf(HasSubstr("'scale'"), HasSubstr(std::string("'") + scale + "'")));
  }
}

TEST_F(BadInputTest, BadMember) {
  const std::string path = SaveResidual(RandomResidual(sim_.get(), 0, 2, 22), "ok.safetensors");
  for (const char* member : {"-1", "x", "1.5"}) {
    SCOPED_TRACE(member);
    EXPECT_THAT(
        ExpectCompileError(HybridXml(sim_xml_, path, "augment", ConfigKey("member", member))),
        AllOf(HasSubstr("'residual'"), HasSubstr("'member'"),
              HasSubstr(std::string("'") + member + "'"), HasSubstr("all, or a member index")));
  }
}

TEST_F(BadInputTest, MemberBeyondTheEnsemble) {
  const std::string two =
      SaveResidual(RandomResidual(sim_.get(), 0, 2, 23), "ensemble2.safetensors");
  for (const char* member : {"2", "5"}) {
    SCOPED_TRACE(member);
    EXPECT_THAT(
        ExpectCompileError(HybridXml(sim_xml_, two, "augment", ConfigKey("member", member))),
        AllOf(HasSubstr("mjhybrid.residual instance 'residual'"), HasSubstr("ensemble2.safetensors"),
              HasSubstr(std::string("'member' is '") + member + "'"),
              HasSubstr("the model has 2 members"), HasSubstr("all, 0 to 1")));
  }
  const std::string one = SaveResidual(RandomResidual(sim_.get(), 0, 1, 24), "single.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(sim_xml_, one, "augment", ConfigKey("member", "1"))),
              AllOf(HasSubstr("single.safetensors"), HasSubstr("the model has 1 member;"),
                    HasSubstr("all, 0")));
  // the last valid index compiles
  EXPECT_NE(LoadXml(HybridXml(sim_xml_, two, "augment", ConfigKey("member", "1"))), nullptr);
  EXPECT_NE(LoadXml(HybridXml(sim_xml_, one, "augment", ConfigKey("member", "0"))), nullptr);
}

TEST_F(BadInputTest, MissingModelKey) {
  EXPECT_THAT(ExpectCompileError(HybridXml(sim_xml_, "", "augment")),
              AllOf(HasSubstr("'model'"), HasSubstr("missing")));
}

TEST_F(BadInputTest, ModelFileChangedBetweenCompileAndMakeData) {
  AllowWarnings();
  const std::string path = TempPath("changing.safetensors");
  std::string error;
  ASSERT_TRUE(SaveResidualModel(path, RandomResidual(sim_.get(), 1, 1, 8), &error)) << error;
  ModelPtr hybrid = LoadXml(HybridXml(sim_xml_, path, "augment"));
  ASSERT_NE(hybrid, nullptr);
  // a longer history needs a bigger plugin_state than the compiled model declared
  ASSERT_TRUE(SaveResidualModel(path, RandomResidual(sim_.get(), 6, 2, 9), &error)) << error;
  mjData* d = nullptr;
  EXPECT_THROW(d = mj_makeData(hybrid.get()), MujocoError);
  EXPECT_EQ(d, nullptr);
  EXPECT_EQ(CountWarnings(TakeWarnings(), "model file changed"), 1);
}

TEST_F(BadInputTest, NanControlDoesNotCrashAndWarnsOnce) {
  AllowWarnings();
  const std::string path = SaveResidual(RandomResidual(sim_.get(), 2, 1, 10), "nan.safetensors");
  ModelPtr hybrid = LoadXml(HybridXml(sim_xml_, path, "augment"));
  ASSERT_NE(hybrid, nullptr);
  DataPtr d = MakeData(hybrid.get());
  for (int k = 0; k < 10; ++k) {
    d->ctrl[0] = std::nan("");
    d->ctrl[1] = 0.5;
    mj_step(hybrid.get(), d.get());
  }
  for (int i = 0; i < hybrid->nq; ++i) EXPECT_TRUE(std::isfinite(d->qpos[i]));
  for (int i = 0; i < hybrid->nv; ++i) EXPECT_TRUE(std::isfinite(d->qvel[i]));
  std::vector<std::string> warnings = TakeWarnings();
  EXPECT_EQ(CountWarnings(warnings, "non-finite state or network output"), 1)
      << ::testing::PrintToString(warnings);
  EXPECT_EQ(CountWarnings(warnings, "'residual'"), 1);
}

TEST_F(BadInputTest, FailedEvaluationsAddNothingToTheSaturationCounter) {
  AllowWarnings();
  // controls beyond +-0.1 saturate, so every good step counts at least one feature
  ResidualModel model = RandomResidual(sim_.get(), 1, 1, 18);
  NarrowControlRange(&model, 0.1f);
  const std::string path = SaveResidual(model, "counter.safetensors");
  ModelPtr hybrid = LoadXml(HybridXml(sim_xml_, path, "augment"));
  ASSERT_NE(hybrid, nullptr);
  DataPtr d = MakeData(hybrid.get());
  const PluginStateLayout layout{2, 1};
  for (int k = 0; k < 5; ++k) {
    d->ctrl[0] = d->ctrl[1] = 1;
    mj_step(hybrid.get(), d.get());
  }
  const double total = d->plugin_state[layout.saturated_total()];
  ASSERT_GT(total, 0);
  // now every evaluation fails: nothing was evaluated, so nothing was saturated
  for (int k = 0; k < 5; ++k) {
    d->ctrl[0] = std::nan("");
    mj_step(hybrid.get(), d.get());
    EXPECT_EQ(d->plugin_state[layout.saturated_last()], 0) << "step " << k;
    EXPECT_EQ(d->plugin_state[layout.saturated_total()], total) << "step " << k;
  }
  EXPECT_EQ(CountWarnings(TakeWarnings(), "non-finite"), 1);
}

TEST_F(BadInputTest, NanQvelInForwardZeroesTheResidual) {
  AllowWarnings();
  const std::string path = SaveResidual(RandomResidual(sim_.get(), 0, 1, 11), "v.safetensors");
  ModelPtr hybrid = LoadXml(HybridXml(sim_xml_, path, "augment"));
  ASSERT_NE(hybrid, nullptr);
  DataPtr d = MakeData(hybrid.get()), d_sim = MakeData(sim_.get());
  d->qvel[0] = d_sim->qvel[0] = 0.5;
  d->qvel[1] = d_sim->qvel[1] = std::nan("");
  mj_forward(hybrid.get(), d.get());
  mj_forward(sim_.get(), d_sim.get());
  // no residual was added: the passive force of the finite dof is the analytic one
  EXPECT_EQ(d->qfrc_passive[0], d_sim->qfrc_passive[0]);
  EXPECT_EQ(CountWarnings(TakeWarnings(), "non-finite"), 1);
}

TEST_F(BadInputTest, NanWeightIsACompileError) {
  ResidualModel model = RandomResidual(sim_.get(), 0, 1, 12);
  auto mlp = std::static_pointer_cast<const MlpEnsemble>(model.network);
  std::vector<std::vector<DenseLayer>> weights = mlp->weights();
  weights[0][1].weight(0, 3) = std::numeric_limits<float>::quiet_NaN();
  model.network = std::make_shared<MlpEnsemble>(weights);
  const std::string path = SaveResidual(model, "nanweight.safetensors");
  std::string error;
  ModelPtr hybrid = LoadXml(HybridXml(sim_xml_, path, "augment"), &error);
  EXPECT_EQ(hybrid, nullptr);
  EXPECT_THAT(error, AllOf(HasSubstr("nanweight.safetensors"), HasSubstr("member0.layer1.weight"),
                           HasSubstr("non-finite")));
}

TEST_F(BadInputTest, HugeHiddenWeightsSaturateWithoutWarnings) {
  // tanh saturates, so the output stays finite and bounded: no warning (the fixture checks)
  ResidualModel model = RandomResidual(sim_.get(), 2, 1, 14);
  auto mlp = std::static_pointer_cast<const MlpEnsemble>(model.network);
  std::vector<std::vector<DenseLayer>> weights = mlp->weights();
  weights[0][0].weight *= 1e6f;
  weights[0][1].weight *= 1e6f;
  model.network = std::make_shared<MlpEnsemble>(weights);
  const std::string path = SaveResidual(model, "huge.safetensors");
  ModelPtr hybrid = LoadXml(HybridXml(sim_xml_, path, "augment"));
  ASSERT_NE(hybrid, nullptr);
  DataPtr d = MakeData(hybrid.get());
  Trajectory t = Rollout(hybrid.get(), d.get(), RandomControls(hybrid.get(), 1000, 15), 0, 1000);
  EXPECT_TRUE(AllFinite(t.qpos));
  EXPECT_TRUE(AllFinite(t.qvel));
}

TEST_F(BadInputTest, OverflowingOutputZeroesTheResidualWithOneWarningPerData) {
  AllowWarnings();
  ResidualModel model = RandomResidual(sim_.get(), 0, 1, 16);
  auto mlp = std::static_pointer_cast<const MlpEnsemble>(model.network);
  std::vector<std::vector<DenseLayer>> weights = mlp->weights();
  // finite weights whose sum overflows float: every hidden unit saturates at +1, and the
  // output layer adds 32 times 3e38
  weights[0][1].bias.setConstant(1e6f);
  weights[0][2].weight.setConstant(3e38f);
  model.network = std::make_shared<MlpEnsemble>(weights);
  const std::string path = SaveResidual(model, "overflow.safetensors");
  ModelPtr hybrid = LoadXml(HybridXml(sim_xml_, path, "augment"));
  ASSERT_NE(hybrid, nullptr);

  // every evaluation fails, so the hybrid runs exactly like sim
  auto [a, b] = RolloutTwins(sim_.get(), hybrid.get(), 200, 13);
  EXPECT_TRUE(BitIdentical(a.qpos, b.qpos));
  EXPECT_TRUE(BitIdentical(a.qvel, b.qvel));
  std::vector<std::string> warnings = TakeWarnings();
  ASSERT_EQ(warnings.size(), 1u) << ::testing::PrintToString(warnings);
  EXPECT_THAT(warnings[0], AllOf(HasSubstr("mjhybrid.residual instance 'residual'"),
                                 HasSubstr("non-finite"), HasSubstr("warned once")));

  // a second mjData warns again, once
  DataPtr other = MakeData(hybrid.get());
  Rollout(hybrid.get(), other.get(), RandomControls(hybrid.get(), 20, 13), 0, 20);
  EXPECT_EQ(CountWarnings(TakeWarnings(), "non-finite"), 1);
}

}  // namespace
}  // namespace mjhybrid
