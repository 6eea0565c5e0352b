// Tests for the residual model file: save/load round trip, metadata validation and the
// signature check that keeps a model off a scene it was not trained for.

#include "plugin/core/residual_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "plugin/core/mlp.h"
#include "plugin/core/residual_evaluator.h"
#include "plugin/core/safetensors.h"
#include "tests/common/peak_memory.h"
#include "tests/common/random_network.h"

namespace mjhybrid {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;
using testutil::Arm2Layout;

FeatureSpec History1NoConstraint() {
  FeatureSpec spec;
  spec.ctrl_history = 1;
  return spec;
}

// a complete model with a random normalizer and a random MLP ensemble
ResidualModel RandomModel(const StateLayout& layout, int ctrl_history, int members,
                          unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.1f, 2.0f);
  ResidualModel model;
  model.signature = layout;
  model.features.ctrl_history = ctrl_history;
  const int nin = FeatureCount(model.features, layout), nout = layout.nv;
  for (int i = 0; i < nin; ++i) {
    model.input_mean.push_back(u(rng) - 1);
    model.input_std.push_back(u(rng));
    model.input_min.push_back(-5 * u(rng));
    model.input_max.push_back(5 * u(rng));
  }
  for (int i = 0; i < nout; ++i) {
    model.output_mean.push_back(u(rng) - 1);
    model.output_std.push_back(u(rng));
    model.output_bound.push_back(10 * u(rng));
  }
  model.network = testutil::RandomEnsemble({nin, 16, 16, nout}, members, &rng);
  model.provenance = {{"seed", seed}, {"data", "unit test"}};
  return model;
}

class ResidualModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "mjhybrid_model_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string Save(const std::string& name, const ResidualModel& model) const {
    std::string error;
    std::string path = Path(name);
    EXPECT_TRUE(SaveResidualModel(path, model, &error)) << error;
    return path;
  }

  // saves the model's tensors with the given metadata JSON instead of the model's own
  std::string SaveWithMetadata(const std::string& name, const ResidualModel& model,
                               const std::string& metadata) const {
    SafetensorsFile file;
    std::static_pointer_cast<const MlpEnsemble>(model.network)->ToTensors(&file);
    file.metadata["mjhybrid"] = metadata;
    std::string error;
    std::string path = Path(name);
    EXPECT_TRUE(WriteSafetensors(path, file, &error)) << error;
    return path;
  }

  // loading must fail with a one-line message that names the file; returns the message
  std::string ExpectLoadFails(const std::string& path) const {
    std::string error;
    std::shared_ptr<const ResidualModel> model;
    EXPECT_NO_THROW(model = LoadResidualModel(path, &error));
    EXPECT_EQ(model, nullptr);
    EXPECT_THAT(error, HasSubstr(path));
    EXPECT_THAT(error, Not(HasSubstr("\n")));
    return error;
  }

  std::string dir_;
};

// the metadata a file would carry, network section included
json FileMetadata(const ResidualModel& model) {
  json meta = model.Metadata();
  auto mlp = std::static_pointer_cast<const MlpEnsemble>(model.network);
  meta["network"] = {{"backend", "mlp"}, {"members", mlp->members()},
                     {"layers", mlp->layers()}, {"activation", "tanh"}};
  return meta;
}

TEST_F(ResidualModelTest, SaveLoadRoundTripKeepsEverything) {
  const ResidualModel model = RandomModel(Arm2Layout(), 4, 3, 1);
  const std::string path = Save("arm2.safetensors", model);
  std::string error;
  auto loaded = LoadResidualModel(path, &error);
  ASSERT_NE(loaded, nullptr) << error;

  EXPECT_EQ(CheckSignature(*loaded, model.signature), "");
  EXPECT_EQ(loaded->signature.timestep, model.signature.timestep);
  EXPECT_EQ(loaded->signature.actuators, model.signature.actuators);
  EXPECT_EQ(loaded->features.ctrl_history, 4);
  // float -> JSON -> float is exact
  EXPECT_EQ(loaded->input_mean, model.input_mean);
  EXPECT_EQ(loaded->input_std, model.input_std);
  EXPECT_EQ(loaded->input_min, model.input_min);
  EXPECT_EQ(loaded->input_max, model.input_max);
  EXPECT_EQ(loaded->output_mean, model.output_mean);
  EXPECT_EQ(loaded->output_std, model.output_std);
  EXPECT_EQ(loaded->output_bound, model.output_bound);
  EXPECT_EQ(loaded->provenance, model.provenance);
  EXPECT_EQ(loaded->network->members(), 3);
  EXPECT_EQ(loaded->network->description(), model.network->description());
  EXPECT_EQ(loaded->Metadata(), model.Metadata());
}

TEST_F(ResidualModelTest, LoadedModelEvaluatesIdentically) {
  const ResidualModel model = RandomModel(Arm2Layout(), 2, 3, 2);
  std::string error;
  auto loaded = LoadResidualModel(Save("eval.safetensors", model), &error);
  ASSERT_NE(loaded, nullptr) << error;
  ResidualEvaluator original(std::make_shared<const ResidualModel>(model));
  ResidualEvaluator reloaded(loaded);
  std::mt19937 rng(3);
  std::normal_distribution<double> g(0, 2);
  for (int trial = 0; trial < 50; ++trial) {
    double qpos[2] = {g(rng), g(rng)}, qvel[2] = {g(rng), g(rng)}, ctrl[2] = {g(rng), g(rng)};
    double history[4] = {g(rng), g(rng), g(rng), g(rng)};
    double a[2], b[2];
    ResidualDiagnostics da, db;
    ASSERT_TRUE(original.Compute(qpos, qvel, ctrl, history, nullptr, 1.0, a, &da));
    ASSERT_TRUE(reloaded.Compute(qpos, qvel, ctrl, history, nullptr, 1.0, b, &db));
    EXPECT_EQ(a[0], b[0]);
    EXPECT_EQ(a[1], b[1]);
    EXPECT_EQ(da.saturated, db.saturated);
    EXPECT_EQ(da.spread, db.spread);
  }
}

TEST_F(ResidualModelTest, MetadataFeatureNamesAreWritten) {
  const ResidualModel model = RandomModel(Arm2Layout(), 1, 1, 4);
  json meta = model.Metadata();
  EXPECT_EQ(meta["format"], kModelFormat);
  EXPECT_EQ(meta["features"]["names"][0], "sin(shoulder)");
  EXPECT_EQ(meta["features"]["names"].size(), static_cast<size_t>(2 * 2 + 2 + 2 + 2));
  EXPECT_EQ(meta["output"]["kind"], "qfrc");
}

TEST_F(ResidualModelTest, VelocityOutputRoundTrips) {
  ResidualModel model = RandomModel(Arm2Layout(), 1, 1, 4);
  model.features.output = ResidualOutput::kVelocity;
  EXPECT_EQ(model.Metadata()["output"]["kind"], "dqvel");
  std::string error;
  auto loaded = LoadResidualModel(Save("velocity.safetensors", model), &error);
  ASSERT_NE(loaded, nullptr) << error;
  EXPECT_EQ(loaded->features.kind, ResidualKind::kWholeState);
  EXPECT_EQ(loaded->features.output, ResidualOutput::kVelocity);
  // and a force model reads back as one
  auto force = LoadResidualModel(Save("force.safetensors", RandomModel(Arm2Layout(), 1, 1, 4)), &error);
  ASSERT_NE(force, nullptr) << error;
  EXPECT_EQ(force->features.output, ResidualOutput::kForce);
}

TEST_F(ResidualModelTest, ConstraintResponseRoundTripsAndRunsOnlyInTwoHalves) {
  FeatureSpec spec;
  spec.ctrl_history = 1;
  spec.output = ResidualOutput::kVelocity;
  spec.constraint_response = true;
  ResidualModel model = testutil::ConstantNormalizerModel(Arm2Layout(), spec, 10, 0.1f, 1);
  std::mt19937 rng(3);
  const int nin = static_cast<int>(model.input_mean.size());
  ASSERT_EQ(nin, FeatureCount(History1NoConstraint(), Arm2Layout()) + 2);
  model.network = testutil::RandomEnsemble({nin, 8, 2}, 1, &rng);
  EXPECT_EQ(model.Metadata()["features"]["constraint_response"], true);
  std::string error;
  auto loaded = LoadResidualModel(Save("solver.safetensors", model), &error);
  ASSERT_NE(loaded, nullptr) << error;
  EXPECT_TRUE(loaded->features.constraint_response);

  ResidualEvaluator evaluator(loaded);
  const double qpos[2] = {0.1, -0.2}, qvel[2] = {1, 2}, ctrl[2] = {0.5, 0}, history[2] = {0, 0};
  double out[2] = {9, 9};
  // the one-shot path cannot know what the solver did: refused
  EXPECT_FALSE(evaluator.Compute(qpos, qvel, ctrl, history, nullptr, 1.0, out, nullptr));
  evaluator.BeginStep(qpos, qvel, ctrl, history, nullptr);
  const double calm[2] = {0, 0}, kick[2] = {0.3, -0.4};
  ASSERT_TRUE(evaluator.FinishStep(calm, 1.0, out, nullptr));
  const double a = out[0];
  evaluator.BeginStep(qpos, qvel, ctrl, history, nullptr);
  ASSERT_TRUE(evaluator.FinishStep(kick, 1.0, out, nullptr));
  EXPECT_NE(out[0], a) << "the solver features do not reach the network";

  // and a model without them refuses FinishStep
  ResidualEvaluator plain(LoadResidualModel(Save("plain.safetensors", RandomModel(Arm2Layout(), 1, 1, 4)), &error));
  EXPECT_FALSE(plain.FinishStep(kick, 1.0, out, nullptr));
}

TEST_F(ResidualModelTest, SaveRejectsNetworksThatAreNotMlps) {
  struct OtherNetwork : ResidualNetwork {
    int input_size() const override { return 1; }
    int output_size() const override { return 1; }
    int members() const override { return 1; }
    std::string description() const override { return "other"; }
    std::unique_ptr<NetworkWorkspace> MakeWorkspace() const override { return nullptr; }
    void Evaluate(const float*, float*, float*, NetworkWorkspace*) const override {}
  };
  ResidualModel model = RandomModel(Arm2Layout(), 0, 1, 5);
  model.network = std::make_shared<OtherNetwork>();
  std::string error;
  EXPECT_FALSE(SaveResidualModel(Path("other.safetensors"), model, &error));
  EXPECT_THAT(error, HasSubstr("MLP"));
}

TEST_F(ResidualModelTest, LoadErrorsNameTheFileAndTheProblem) {
  EXPECT_THAT(ExpectLoadFails(Path("missing.safetensors")), HasSubstr("cannot open"));

  std::ofstream(Path("random.bin"), std::ios::binary) << "\x13\x37 definitely not a model";
  EXPECT_THAT(ExpectLoadFails(Path("random.bin")), HasSubstr("unknown file kind"));

  std::ofstream(Path("empty.safetensors"), std::ios::binary).flush();
  EXPECT_THAT(ExpectLoadFails(Path("empty.safetensors")), HasSubstr("unknown file kind"));

  // a good file cut in half
  const ResidualModel model = RandomModel(Arm2Layout(), 0, 1, 6);
  const std::string good = Save("good.safetensors", model);
  std::ifstream in(good, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(Path("half.safetensors"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_THAT(ExpectLoadFails(Path("half.safetensors")), HasSubstr("safetensors"));
}

TEST_F(ResidualModelTest, LoadRejectsMissingOrBrokenMetadata) {
  const ResidualModel model = RandomModel(Arm2Layout(), 0, 1, 7);
  SafetensorsFile file;
  std::static_pointer_cast<const MlpEnsemble>(model.network)->ToTensors(&file);
  std::string error;
  ASSERT_TRUE(WriteSafetensors(Path("bare.safetensors"), file, &error));
  EXPECT_THAT(ExpectLoadFails(Path("bare.safetensors")), HasSubstr("'mjhybrid' metadata"));

  EXPECT_THAT(ExpectLoadFails(SaveWithMetadata("nojson.safetensors", model, "{oops")),
              HasSubstr("not valid JSON"));

  json meta = FileMetadata(model);
  meta["format"] = "something/else";
  EXPECT_THAT(ExpectLoadFails(SaveWithMetadata("format.safetensors", model, meta.dump())),
              HasSubstr("format"));
}

TEST_F(ResidualModelTest, LoadRejectsNetworkSectionsThatDoNotFit) {
  const ResidualModel model = RandomModel(Arm2Layout(), 0, 2, 8);

  json meta = FileMetadata(model);
  meta["network"]["backend"] = "torchscript";
  EXPECT_THAT(ExpectLoadFails(SaveWithMetadata("backend.safetensors", model, meta.dump())),
              HasSubstr("mlp"));

  meta = FileMetadata(model);
  meta["network"]["activation"] = "relu";
  EXPECT_THAT(ExpectLoadFails(SaveWithMetadata("relu.safetensors", model, meta.dump())),
              HasSubstr("tanh"));

  meta = FileMetadata(model);
  meta["network"]["members"] = 3;
  EXPECT_THAT(ExpectLoadFails(SaveWithMetadata("members.safetensors", model, meta.dump())),
              HasSubstr("missing tensor member2"));

  // a network built for another feature set: metadata with ctrl_history 1 has 2 more inputs
  meta = FileMetadata(model);
  ResidualModel other = RandomModel(Arm2Layout(), 1, 2, 8);
  json other_meta = other.Metadata();
  meta["features"] = other_meta["features"];
  meta["input"] = other_meta["input"];
  EXPECT_THAT(ExpectLoadFails(SaveWithMetadata("sizes.safetensors", model, meta.dump())),
              AllOf(HasSubstr("network is 8 -> 2"), HasSubstr("10 features")));
}

// member and layer counts are checked against the tensors the file holds, read wide: 2^32 + 2
// members once wrapped to 2 in an int and loaded as a two-member ensemble
TEST_F(ResidualModelTest, LoadRefusesNetworkCountsTheFileCannotHold) {
  const ResidualModel model = RandomModel(Arm2Layout(), 0, 2, 8);  // 3 layers: 12 tensors
  const double peak_before = testutil::PeakRssBytes();
  for (const auto& [key, value] : std::vector<std::pair<std::string, json>>{
           {"members", 4294967298LL}, {"members", 100'000'000}, {"layers", 1LL << 40},
           {"members", -1}, {"layers", 0}}) {
    SCOPED_TRACE(key + " " + value.dump());
    json meta = FileMetadata(model);
    meta["network"][key] = value;
    const std::string members = key == "members" ? value.dump() : "2";
    const std::string layers = key == "layers" ? value.dump() : "3";
    EXPECT_THAT(ExpectLoadFails(SaveWithMetadata("counts.safetensors", model, meta.dump())),
                HasSubstr("metadata 'network' claims " + members + " members and " + layers +
                          " layers; each must be at least 1 and at most the 12 tensors the file "
                          "holds"));
  }
  EXPECT_LT(testutil::PeakRssBytes() - peak_before, 100e6);
}

// a model file over the 1 GiB cap is refused by its size, unread, whichever kind it starts
// like (sparse files: no disk is used)
TEST_F(ResidualModelTest, LoadRefusesFilesOverTheSizeCap) {
  const ResidualModel model = RandomModel(Arm2Layout(), 0, 1, 6);
  const std::string safetensors = Save("big.safetensors", model);
  const std::string archive = Path("big.pt");
  std::ofstream(archive, std::ios::binary) << std::string("PK\x03\x04", 4);
  for (const std::string& path : {safetensors, archive}) {
    SCOPED_TRACE(path);
    std::filesystem::resize_file(path, (uint64_t{3} << 30));
    EXPECT_THAT(ExpectLoadFails(path),
                HasSubstr("': file is 3221225472 bytes, more than the 1073741824 (1 GiB) a model "
                          "file may have"));
  }
}

TEST_F(ResidualModelTest, LoadRejectsNetworkSectionOfTheWrongType) {
  // a malformed network section must be an error message, not an escaping json exception
  const ResidualModel model = RandomModel(Arm2Layout(), 0, 1, 9);
  json meta = FileMetadata(model);
  meta["network"] = "mlp";
  ExpectLoadFails(SaveWithMetadata("netstring.safetensors", model, meta.dump()));
  meta = FileMetadata(model);
  meta["network"]["members"] = "three";
  ExpectLoadFails(SaveWithMetadata("memberstring.safetensors", model, meta.dump()));
}

// ParseModelMetadata on a mutated copy of valid metadata; returns the error
class ParseMetadataTest : public ::testing::Test {
 protected:
  ParseMetadataTest() : model_(RandomModel(Arm2Layout(), 2, 1, 10)), meta_(model_.Metadata()) {}

  std::string ExpectRejected() {
    ResidualModel parsed;
    std::string error;
    bool ok = true;
    EXPECT_NO_THROW(ok = ParseModelMetadata(meta_, &parsed, &error));
    EXPECT_FALSE(ok);
    EXPECT_FALSE(error.empty());
    EXPECT_THAT(error, Not(HasSubstr("\n")));
    return error;
  }

  ResidualModel model_;
  json meta_;
};

TEST_F(ParseMetadataTest, AcceptsValidMetadata) {
  ResidualModel parsed;
  std::string error;
  ASSERT_TRUE(ParseModelMetadata(meta_, &parsed, &error)) << error;
  // 2 hinges (sin, cos) + 2 qvel + 2 ctrl * (1 + 2 history)
  EXPECT_EQ(parsed.input_mean.size(), 12u);
  EXPECT_EQ(parsed.output_bound.size(), 2u);
  EXPECT_EQ(parsed.features.ctrl_history, 2);
  EXPECT_EQ(CheckSignature(parsed, Arm2Layout()), "");
}

TEST_F(ParseMetadataTest, RejectsWrongFormatString) {
  meta_["format"] = "mjhybrid.residual/2";
  EXPECT_THAT(ExpectRejected(), AllOf(HasSubstr("mjhybrid.residual/2"), HasSubstr(kModelFormat)));
  meta_.erase("format");
  EXPECT_THAT(ExpectRejected(), HasSubstr(kModelFormat));
}

TEST_F(ParseMetadataTest, RejectsWrongArrayLengths) {
  meta_["input"]["mean"].erase(0);
  EXPECT_THAT(ExpectRejected(), AllOf(HasSubstr("input.mean"), HasSubstr("expected 12")));
  meta_ = model_.Metadata();
  meta_["output"]["bound"].push_back(1.0);
  EXPECT_THAT(ExpectRejected(), AllOf(HasSubstr("output.bound"), HasSubstr("expected 2")));
  meta_ = model_.Metadata();
  meta_["input"].erase("max");
  EXPECT_THAT(ExpectRejected(), HasSubstr("input.max"));
}

TEST_F(ParseMetadataTest, RejectsNonPositiveInputStd) {
  for (double bad : {0.0, -1.0}) {
    meta_ = model_.Metadata();
    meta_["input"]["std"][3] = bad;
    EXPECT_THAT(ExpectRejected(), AllOf(HasSubstr("input.std"), HasSubstr("feature 3")));
  }
}

TEST_F(ParseMetadataTest, RejectsNonFiniteOrNonNumericValues) {
  const double inf = std::numeric_limits<double>::infinity();
  for (const char* section : {"input", "output"}) {
    for (const char* key : {"mean", "std"}) {
      for (double bad : {std::nan(""), inf, -inf}) {
        SCOPED_TRACE(std::string(section) + "." + key + " = " + std::to_string(bad));
        meta_ = model_.Metadata();
        meta_[section][key][1] = bad;
        EXPECT_THAT(ExpectRejected(), HasSubstr(std::string(section) + "." + key));
      }
    }
  }
  meta_ = model_.Metadata();
  meta_["input"]["min"][0] = "abc";
  EXPECT_THAT(ExpectRejected(), HasSubstr("input.min"));
}

TEST_F(ParseMetadataTest, RejectsValuesThatOverflowFloat) {
  // finite as a double, infinite once stored as the float the evaluator uses
  meta_["output"]["mean"][0] = 1e39;
  EXPECT_THAT(ExpectRejected(), HasSubstr("output.mean"));
}

TEST_F(ParseMetadataTest, RejectsInconsistentSignature) {
  meta_["signature"]["nu"] = 3;
  EXPECT_THAT(ExpectRejected(), HasSubstr("signature"));
  meta_ = model_.Metadata();
  meta_["signature"]["timestep"] = 0;
  EXPECT_THAT(ExpectRejected(), HasSubstr("timestep"));
  meta_ = model_.Metadata();
  meta_["signature"]["joints"][0]["type"] = "planar";
  EXPECT_THAT(ExpectRejected(), HasSubstr("planar"));
  meta_ = model_.Metadata();
  meta_.erase("signature");
  EXPECT_THAT(ExpectRejected(), HasSubstr("malformed metadata"));
  meta_ = model_.Metadata();
  meta_["signature"]["nq"] = "two";
  EXPECT_THAT(ExpectRejected(), HasSubstr("malformed metadata"));
}

TEST_F(ParseMetadataTest, RejectsOutOfRangeHistoryAndOtherOutputKinds) {
  meta_["features"]["ctrl_history"] = -1;
  EXPECT_THAT(ExpectRejected(), HasSubstr("ctrl_history"));
  meta_["features"]["ctrl_history"] = 1001;
  EXPECT_THAT(ExpectRejected(), HasSubstr("ctrl_history"));
  meta_ = model_.Metadata();
  meta_["output"]["kind"] = "qacc";
  EXPECT_THAT(ExpectRejected(), AllOf(HasSubstr("qfrc"), HasSubstr("dqvel")));
  // the solver's response exists only for a model applied after the solver
  meta_ = model_.Metadata();
  meta_["features"]["constraint_response"] = true;
  EXPECT_THAT(ExpectRejected(), AllOf(HasSubstr("constraint_response"), HasSubstr("dqvel")));
}

TEST_F(ParseMetadataTest, RejectsRangesTheEvaluatorCannotClampTo) {
  // std::clamp(v, lo, hi) is undefined for lo > hi: a negative bound or an inverted input range
  meta_["output"]["bound"][0] = -1.0;
  EXPECT_THAT(ExpectRejected(), HasSubstr("output.bound"));
  meta_ = model_.Metadata();
  meta_["input"]["min"][2] = 3.0;
  meta_["input"]["max"][2] = -3.0;
  EXPECT_THAT(ExpectRejected(), HasSubstr("input"));
}

TEST_F(ParseMetadataTest, ProvenanceIsOptional) {
  meta_.erase("provenance");
  ResidualModel parsed;
  std::string error;
  ASSERT_TRUE(ParseModelMetadata(meta_, &parsed, &error)) << error;
  EXPECT_TRUE(parsed.provenance.is_object());
}

class CheckSignatureTest : public ::testing::Test {
 protected:
  CheckSignatureTest() : model_(RandomModel(Arm2Layout(), 0, 1, 11)), scene_(Arm2Layout()) {}
  ResidualModel model_;
  StateLayout scene_;
};

TEST_F(CheckSignatureTest, MatchingSceneGivesEmptyString) {
  EXPECT_EQ(CheckSignature(model_, scene_), "");
  // rounding noise in the timestep is not a mismatch
  scene_.timestep = 0.005 * (1 + 1e-13);
  EXPECT_EQ(CheckSignature(model_, scene_), "");
}

TEST_F(CheckSignatureTest, ReportsSizeMismatch) {
  for (int which = 0; which < 3; ++which) {
    scene_ = Arm2Layout();
    (which == 0 ? scene_.nq : which == 1 ? scene_.nv : scene_.nu) += 1;
    std::string mismatch = CheckSignature(model_, scene_);
    EXPECT_THAT(mismatch, HasSubstr("nq=2 nv=2 nu=2")) << which;
    EXPECT_THAT(mismatch, HasSubstr(which == 0 ? "nq=3" : which == 1 ? "nv=3" : "nu=3"));
  }
}

TEST_F(CheckSignatureTest, ReportsRenamedJoint) {
  scene_.joints[1].name = "wrist";
  EXPECT_THAT(CheckSignature(model_, scene_),
              AllOf(HasSubstr("joint 1"), HasSubstr("'wrist'"), HasSubstr("'elbow'")));
}

TEST_F(CheckSignatureTest, ReportsOtherJointKind) {
  scene_.joints[0].kind = JointKind::kSlide;
  EXPECT_THAT(CheckSignature(model_, scene_),
              AllOf(HasSubstr("joint 0"), HasSubstr("slide"), HasSubstr("hinge")));
}

TEST_F(CheckSignatureTest, ReportsOtherJointCount) {
  // same sizes, one joint fewer (the layout a scene with a two-dof joint would have)
  scene_.joints.pop_back();
  EXPECT_THAT(CheckSignature(model_, scene_), AllOf(HasSubstr("2 joints"), HasSubstr("has 1")));
}

TEST_F(CheckSignatureTest, ReportsRenamedActuator) {
  scene_.actuators[0] = "motor0";
  EXPECT_THAT(CheckSignature(model_, scene_),
              AllOf(HasSubstr("actuator 0"), HasSubstr("'motor0'"), HasSubstr("'shoulder'")));
}

TEST_F(CheckSignatureTest, ReportsOtherTimestepNamingBoth) {
  scene_.timestep = 0.002;
  EXPECT_THAT(CheckSignature(model_, scene_), AllOf(HasSubstr("0.005"), HasSubstr("0.002")));
}

}  // namespace
}  // namespace mjhybrid
