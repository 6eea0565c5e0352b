// Tests for contact pairs in the core: the per-pair features, the feature and output counts of
// whole-state and contact models, the pair input of a contact model, the shape check, and the
// contact model file (round trip and validation of its metadata).

#include "plugin/core/contact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "plugin/core/features.h"
#include "plugin/core/mlp.h"
#include "plugin/core/residual_evaluator.h"
#include "plugin/core/residual_model.h"
#include "plugin/core/safetensors.h"
#include "tests/common/random_network.h"

namespace mjhybrid {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;
using testutil::Arm2Layout;
using testutil::Shape;

// two pairs as in the push scene: rod against box, box against the floor
std::vector<ContactPair> TwoPairs() {
  return {{Shape("pusher", "capsule", 0.012, 0.0265, 0), Shape("object", "box", 0.04, 0.03, 0.025)},
          {Shape("floor", "plane", 0.5, 0.5, 0.05), Shape("object", "box", 0.04, 0.03, 0.025)}};
}

FeatureSpec WholeStateSpec(int ctrl_history, std::vector<ContactPair> pairs) {
  FeatureSpec spec;
  spec.ctrl_history = ctrl_history;
  spec.contact_pairs = std::move(pairs);
  return spec;
}

FeatureSpec ContactSpec(std::vector<ContactPair> pairs, double range = 0.05) {
  FeatureSpec spec;
  spec.kind = ResidualKind::kContact;
  spec.contact_pairs = std::move(pairs);
  spec.contact_range = range;
  return spec;
}

// a measured pair with every field set to something recognizable
PairState MeasuredPair(double distance, bool near) {
  PairState s;
  s.distance = distance;
  s.near = near;
  s.normal[0] = 0.6, s.normal[1] = 0, s.normal[2] = -0.8;
  s.point[0] = 1, s.point[1] = 2, s.point[2] = 3;
  for (int i = 0; i < 6; ++i) s.velocity[i] = 0.1 * (i + 1) * (i % 2 ? -1 : 1);
  return s;
}

std::vector<double> Features(const PairState& s, double range) {
  std::vector<double> out(kPairFeatureCount, std::nan(""));
  PairFeatures(s, range, out.data());
  return out;
}

// ---------------------------------------------------------------- PairFeatures

TEST(PairFeaturesTest, NearPairPassesDistanceNormalAndVelocities) {
  const PairState s = MeasuredPair(0.013, true);
  const std::vector<double> f = Features(s, 0.05);
  EXPECT_EQ(f[0], 0.013);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(f[1 + i], s.normal[i]) << i;
  for (int i = 0; i < 6; ++i) EXPECT_EQ(f[4 + i], s.velocity[i]) << i;
}

TEST(PairFeaturesTest, DistanceIsClampedToTheRange) {
  // penetrating deeper than the range: the distance reads -range, the rest passes
  std::vector<double> f = Features(MeasuredPair(-0.2, true), 0.05);
  EXPECT_EQ(f[0], -0.05);
  EXPECT_EQ(f[1], 0.6);
  EXPECT_EQ(f[4], 0.1);
  // far apart: +range
  f = Features(MeasuredPair(3.5, false), 0.05);
  EXPECT_EQ(f[0], 0.05);
  // another range
  f = Features(MeasuredPair(0.3, false), 0.2);
  EXPECT_EQ(f[0], 0.2);
  f = Features(MeasuredPair(-0.3, true), 0.2);
  EXPECT_EQ(f[0], -0.2);
  // exactly at the edges
  EXPECT_EQ(Features(MeasuredPair(0.05, false), 0.05)[0], 0.05);
  EXPECT_EQ(Features(MeasuredPair(-0.05, true), 0.05)[0], -0.05);
}

TEST(PairFeaturesTest, NotNearZeroesNormalAndVelocities) {
  // whatever a measurement left in the other fields, a pair that is not near reads as nothing
  const std::vector<double> f = Features(MeasuredPair(0.04, false), 0.05);
  EXPECT_EQ(f[0], 0.04);
  for (int i = 1; i < kPairFeatureCount; ++i) EXPECT_EQ(f[i], 0.0) << i;
}

TEST(PairFeaturesTest, NamesTagEveryFeatureWithThePair) {
  const std::vector<std::string> names = PairFeatureNames(TwoPairs()[0]);
  ASSERT_EQ(names.size(), static_cast<size_t>(kPairFeatureCount));
  EXPECT_EQ(names[0], "distance(pusher|object)");
  EXPECT_EQ(names[1], "normal_x(pusher|object)");
  EXPECT_EQ(names[3], "normal_z(pusher|object)");
  EXPECT_EQ(names[4], "vel_x(pusher|object)");
  EXPECT_EQ(names[7], "angvel_x(pusher|object)");
  EXPECT_EQ(names[9], "angvel_z(pusher|object)");
}

// ---------------------------------------------------------------- counts and names

TEST(ContactFeatureCountTest, WholeStateAppendsTenFeaturesPerPair) {
  const StateLayout layout = Arm2Layout();
  // arm2: 2 hinges (sin, cos) + 2 qvel + 2 ctrl * (1 + 1 history) = 10
  const int base = FeatureCount(WholeStateSpec(1, {}), layout);
  ASSERT_EQ(base, 10);
  const FeatureSpec spec = WholeStateSpec(1, TwoPairs());
  EXPECT_EQ(FeatureCount(spec, layout), base + 20);
  EXPECT_EQ(FeatureCount(WholeStateSpec(1, {TwoPairs()[1]}), layout), base + 10);
  EXPECT_EQ(OutputCount(spec, layout), layout.nv);

  const std::vector<std::string> names = FeatureNames(spec, layout);
  ASSERT_EQ(names.size(), static_cast<size_t>(base + 20));
  // the state features keep their names and places; the pairs follow in order
  EXPECT_EQ(names[0], "sin(shoulder)");
  EXPECT_EQ(names[base - 1], "ctrl[elbow](t-1)");
  EXPECT_EQ(names[base], "distance(pusher|object)");
  EXPECT_EQ(names[base + 9], "angvel_z(pusher|object)");
  EXPECT_EQ(names[base + 10], "distance(floor|object)");
  EXPECT_EQ(names[base + 19], "angvel_z(floor|object)");
}

TEST(ContactFeatureCountTest, ContactModelSeesOnePairAndWhichPairItIs) {
  const StateLayout layout = Arm2Layout();
  const FeatureSpec two = ContactSpec(TwoPairs());
  EXPECT_EQ(FeatureCount(two, layout), kPairFeatureCount + 2);
  EXPECT_EQ(OutputCount(two, layout), kWrenchSize);
  EXPECT_EQ(OutputCount(two, layout), 6);
  // the control history and the joints do not matter to a contact model
  FeatureSpec with_history = two;
  with_history.ctrl_history = 3;
  EXPECT_EQ(FeatureCount(with_history, layout), kPairFeatureCount + 2);

  std::vector<std::string> names = FeatureNames(two, layout);
  ASSERT_EQ(names.size(), static_cast<size_t>(kPairFeatureCount + 2));
  EXPECT_THAT(names[0], HasSubstr("distance"));
  EXPECT_THAT(names[9], HasSubstr("angvel_z"));
  EXPECT_EQ(names[10], "is(pusher|object)");
  EXPECT_EQ(names[11], "is(floor|object)");

  // one pair: no one-hot code
  const FeatureSpec one = ContactSpec({TwoPairs()[0]});
  EXPECT_EQ(FeatureCount(one, layout), kPairFeatureCount);
  EXPECT_EQ(OutputCount(one, layout), kWrenchSize);
  names = FeatureNames(one, layout);
  ASSERT_EQ(names.size(), static_cast<size_t>(kPairFeatureCount));
  for (const std::string& n : names) EXPECT_THAT(n, Not(HasSubstr("is(")));
}

TEST(ContactFeatureCountTest, ComputeFeaturesAppendsThePairs) {
  const StateLayout layout = Arm2Layout();
  const FeatureSpec spec = WholeStateSpec(0, TwoPairs());
  const int base = FeatureCount(WholeStateSpec(0, {}), layout);
  const double qpos[2] = {0.1, 0.2}, qvel[2] = {0.3, 0.4}, ctrl[2] = {0.5, 0.6};
  const PairState pairs[2] = {MeasuredPair(0.02, true), MeasuredPair(0.3, false)};
  std::vector<double> out(FeatureCount(spec, layout), std::nan(""));
  ComputeFeatures(spec, layout, qpos, qvel, ctrl, nullptr, pairs, out.data());
  const std::vector<double> first = Features(pairs[0], spec.contact_range);
  const std::vector<double> second = Features(pairs[1], spec.contact_range);
  for (int i = 0; i < kPairFeatureCount; ++i) {
    EXPECT_EQ(out[base + i], first[i]) << i;
    EXPECT_EQ(out[base + kPairFeatureCount + i], second[i]) << i;
  }
  EXPECT_EQ(out[base], 0.02);
  EXPECT_EQ(out[base + kPairFeatureCount], 0.05);  // clamped to the range
  EXPECT_EQ(out[base - 1], 0.6);                   // the last control, unchanged
}

TEST(ContactFeatureCountTest, ComputePairInputSetsTheOneHotCode) {
  const FeatureSpec spec = ContactSpec(TwoPairs(), 0.1);
  const PairState s = MeasuredPair(-0.01, true);
  const std::vector<double> f = Features(s, 0.1);
  for (int index = 0; index < 2; ++index) {
    SCOPED_TRACE("pair " + std::to_string(index));
    std::vector<double> out(kPairFeatureCount + 2, std::nan(""));
    ComputePairInput(spec, index, s, out.data());
    for (int i = 0; i < kPairFeatureCount; ++i) EXPECT_EQ(out[i], f[i]) << i;
    EXPECT_EQ(out[kPairFeatureCount + 0], index == 0 ? 1.0 : 0.0);
    EXPECT_EQ(out[kPairFeatureCount + 1], index == 1 ? 1.0 : 0.0);
  }
  // three pairs, the last one
  FeatureSpec three = spec;
  three.contact_pairs.push_back(TwoPairs()[0]);
  std::vector<double> out(kPairFeatureCount + 3, std::nan(""));
  ComputePairInput(three, 2, s, out.data());
  EXPECT_EQ(std::vector<double>(out.begin() + kPairFeatureCount, out.end()),
            (std::vector<double>{0, 0, 1}));

  // one pair: exactly the pair's features, nothing written past them
  const FeatureSpec one = ContactSpec({TwoPairs()[0]}, 0.1);
  std::vector<double> single(kPairFeatureCount + 1, -7.0);
  ComputePairInput(one, 0, s, single.data());
  for (int i = 0; i < kPairFeatureCount; ++i) EXPECT_EQ(single[i], f[i]) << i;
  EXPECT_EQ(single[kPairFeatureCount], -7.0);
}

// ---------------------------------------------------------------- CompareShapes

TEST(CompareShapesTest, SameShapeGivesEmptyString) {
  const GeomShape box = Shape("object", "box", 0.04, 0.03, 0.025);
  EXPECT_EQ(CompareShapes(box, box), "");
  // rounding noise is not a change (MuJoCo stores sizes as double, files as JSON)
  EXPECT_EQ(CompareShapes(box, Shape("object", "box", 0.04 * (1 + 1e-9), 0.03, 0.025)), "");
}

TEST(CompareShapesTest, OtherTypeNamesTheGeomAndBothShapes) {
  const std::string message = CompareShapes(Shape("object", "box", 0.04, 0.03, 0.025),
                                            Shape("object", "ellipsoid", 0.04, 0.03, 0.025));
  EXPECT_THAT(message, AllOf(HasSubstr("'object'"), HasSubstr("ellipsoid"), HasSubstr("box")));
  EXPECT_THAT(message, Not(HasSubstr("\n")));
}

TEST(CompareShapesTest, OtherSizeNamesTheGeomAndBothSizes) {
  const GeomShape model = Shape("object", "box", 0.04, 0.03, 0.025);
  for (int axis = 0; axis < 3; ++axis) {
    SCOPED_TRACE(axis);
    GeomShape scene = model;
    scene.size[axis] *= 1.25;
    const std::string message = CompareShapes(model, scene);
    EXPECT_THAT(message, AllOf(HasSubstr("'object'"), HasSubstr("box of size 0.04 0.03 0.025")));
    EXPECT_THAT(message, HasSubstr(axis == 0   ? "0.05 0.03 0.025"
                                   : axis == 1 ? "0.04 0.0375 0.025"
                                               : "0.04 0.03 0.03125"));
  }
  // a change well above the tolerance of 1e-6 relative
  EXPECT_NE(CompareShapes(model, Shape("object", "box", 0.04 + 1e-5, 0.03, 0.025)), "");
}

TEST(CompareShapesTest, PlaneSizesAreIgnored) {
  // a plane's size only sets how it is drawn
  const GeomShape floor = Shape("floor", "plane", 0.5, 0.5, 0.05);
  EXPECT_EQ(CompareShapes(floor, Shape("floor", "plane", 3, 2, 0.1)), "");
  EXPECT_EQ(CompareShapes(floor, Shape("floor", "plane", 0, 0, 0)), "");
  // but a plane that became a box is a change
  EXPECT_THAT(CompareShapes(floor, Shape("floor", "box", 0.5, 0.5, 0.05)),
              AllOf(HasSubstr("'floor'"), HasSubstr("plane"), HasSubstr("box")));
}

// ---------------------------------------------------------------- contact model file

// a contact model for `pairs` with a random normalizer and a random MLP ensemble
ResidualModel RandomContactModel(std::vector<ContactPair> pairs, double range, int members,
                                 unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.1f, 2.0f);
  ResidualModel model = testutil::ContactModel(Arm2Layout(), std::move(pairs), range, 1, 1, 1);
  for (size_t i = 0; i < model.input_mean.size(); ++i) {
    model.input_mean[i] = 0.01f * (u(rng) - 1);
    model.input_std[i] = 0.1f * u(rng);
    model.input_min[i] = -5 * u(rng);
    model.input_max[i] = 5 * u(rng);
  }
  for (size_t i = 0; i < model.output_mean.size(); ++i) {
    model.output_mean[i] = u(rng) - 1;
    model.output_std[i] = u(rng);
    model.output_bound[i] = 10 * u(rng);
  }
  const int nin = static_cast<int>(model.input_mean.size());
  model.network = testutil::RandomEnsemble({nin, 16, 16, kWrenchSize}, members, &rng);
  model.provenance = {{"seed", seed}, {"data", "contact unit test"}};
  return model;
}

PairState RandomPair(std::mt19937* rng, double range) {
  std::uniform_real_distribution<double> u(-1, 1);
  PairState s;
  s.distance = 1.5 * range * u(*rng);
  s.near = s.distance < range;
  double n = 0;
  for (int i = 0; i < 3; ++i) {
    s.normal[i] = u(*rng);
    n += s.normal[i] * s.normal[i];
  }
  for (int i = 0; i < 3; ++i) s.normal[i] /= std::sqrt(n);
  for (int i = 0; i < 3; ++i) s.point[i] = u(*rng);
  for (int i = 0; i < 6; ++i) s.velocity[i] = 0.5 * u(*rng);
  return s;
}

class ContactModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "mjhybrid_contact_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Save(const std::string& name, const ResidualModel& model) const {
    std::string error;
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(SaveResidualModel(path, model, &error)) << error;
    return path;
  }

  std::string dir_;
};

TEST_F(ContactModelFileTest, MetadataDescribesTheContactModel) {
  const ResidualModel model = RandomContactModel(TwoPairs(), 0.03, 1, 1);
  const json meta = model.Metadata();
  EXPECT_EQ(meta["output"]["kind"], "pair_wrench");
  EXPECT_EQ(meta["features"]["contact_range"], 0.03);
  ASSERT_EQ(meta["features"]["contact_pairs"].size(), 2u);
  EXPECT_EQ(meta["features"]["contact_pairs"][0][0]["name"], "pusher");
  EXPECT_EQ(meta["features"]["contact_pairs"][0][0]["type"], "capsule");
  EXPECT_EQ(meta["features"]["contact_pairs"][1][0]["name"], "floor");
  EXPECT_EQ(meta["features"]["contact_pairs"][1][1]["size"], (json{0.04, 0.03, 0.025}));
  EXPECT_EQ(meta["features"]["names"].size(), static_cast<size_t>(kPairFeatureCount + 2));
  EXPECT_EQ(meta["input"]["mean"].size(), static_cast<size_t>(kPairFeatureCount + 2));
  EXPECT_EQ(meta["output"]["bound"].size(), static_cast<size_t>(kWrenchSize));
}

TEST_F(ContactModelFileTest, SaveLoadRoundTripKeepsKindPairsAndRange) {
  const ResidualModel model = RandomContactModel(TwoPairs(), 0.03, 2, 2);
  std::string error;
  auto loaded = LoadResidualModel(Save("contact.safetensors", model), &error);
  ASSERT_NE(loaded, nullptr) << error;
  EXPECT_EQ(loaded->features.kind, ResidualKind::kContact);
  EXPECT_EQ(loaded->features.contact_range, 0.03);
  const std::vector<ContactPair> expected = TwoPairs();
  ASSERT_EQ(loaded->features.contact_pairs.size(), expected.size());
  for (size_t p = 0; p < expected.size(); ++p) {
    SCOPED_TRACE("pair " + std::to_string(p));
    const ContactPair &a = loaded->features.contact_pairs[p], &b = expected[p];
    for (auto [got, want] : {std::pair{&a.geom1, &b.geom1}, std::pair{&a.geom2, &b.geom2}}) {
      EXPECT_EQ(got->name, want->name);
      EXPECT_EQ(got->type, want->type);
      EXPECT_EQ(got->size, want->size);  // exact: double -> JSON -> double
    }
  }
  EXPECT_EQ(loaded->input_mean, model.input_mean);
  EXPECT_EQ(loaded->input_std, model.input_std);
  EXPECT_EQ(loaded->input_min, model.input_min);
  EXPECT_EQ(loaded->input_max, model.input_max);
  EXPECT_EQ(loaded->output_mean, model.output_mean);
  EXPECT_EQ(loaded->output_std, model.output_std);
  EXPECT_EQ(loaded->output_bound, model.output_bound);
  EXPECT_EQ(loaded->network->input_size(), kPairFeatureCount + 2);
  EXPECT_EQ(loaded->network->output_size(), kWrenchSize);
  EXPECT_EQ(loaded->Metadata(), model.Metadata());
}

TEST_F(ContactModelFileTest, LoadedContactModelGivesIdenticalWrenches) {
  const ResidualModel model = RandomContactModel(TwoPairs(), 0.05, 3, 3);
  std::string error;
  auto loaded = LoadResidualModel(Save("wrench.safetensors", model), &error);
  ASSERT_NE(loaded, nullptr) << error;
  ResidualEvaluator original(std::make_shared<const ResidualModel>(model));
  ResidualEvaluator reloaded(loaded);
  std::mt19937 rng(4);
  int differ_by_pair = 0;
  for (int trial = 0; trial < 50; ++trial) {
    const PairState s = RandomPair(&rng, 0.05);
    double by_pair[2][kWrenchSize];
    for (int index = 0; index < 2; ++index) {
      double a[kWrenchSize], b[kWrenchSize];
      ResidualDiagnostics da, db;
      ASSERT_TRUE(original.ComputePairWrench(index, s, 1.5, a, &da));
      ASSERT_TRUE(reloaded.ComputePairWrench(index, s, 1.5, b, &db));
      for (int i = 0; i < kWrenchSize; ++i) {
        EXPECT_EQ(a[i], b[i]) << "trial " << trial << " pair " << index << " output " << i;
        EXPECT_LE(std::abs(a[i]), 1.5 * model.output_bound[i]);
        by_pair[index][i] = a[i];
      }
      EXPECT_EQ(da.saturated, db.saturated);
      EXPECT_EQ(da.spread, db.spread);
      EXPECT_GT(da.spread, 0);  // three different members
    }
    // the one-hot code reaches the network: the same pair state, another pair, another wrench
    differ_by_pair += !std::equal(by_pair[0], by_pair[0] + kWrenchSize, by_pair[1]);
  }
  EXPECT_EQ(differ_by_pair, 50);
}

TEST_F(ContactModelFileTest, ContactModelOfOnePairRoundTrips) {
  const ResidualModel model = RandomContactModel({TwoPairs()[0]}, 0.02, 1, 5);
  ASSERT_EQ(model.input_mean.size(), static_cast<size_t>(kPairFeatureCount));
  std::string error;
  auto loaded = LoadResidualModel(Save("one.safetensors", model), &error);
  ASSERT_NE(loaded, nullptr) << error;
  EXPECT_EQ(loaded->features.kind, ResidualKind::kContact);
  ASSERT_EQ(loaded->features.contact_pairs.size(), 1u);
  EXPECT_EQ(loaded->features.contact_pairs[0].geom2.name, "object");
  EXPECT_EQ(loaded->network->input_size(), kPairFeatureCount);
}

TEST_F(ContactModelFileTest, WholeStateModelWithPairsRoundTrips) {
  std::mt19937 rng(6);
  FeatureSpec spec = WholeStateSpec(1, TwoPairs());
  spec.contact_range = 0.08;
  ResidualModel model = testutil::ConstantNormalizerModel(Arm2Layout(), spec, 5, 0.5f, 2);
  const int nin = static_cast<int>(model.input_mean.size());
  ASSERT_EQ(nin, 10 + 20);
  model.network = testutil::RandomEnsemble({nin, 8, 2}, 1, &rng);
  std::string error;
  auto loaded = LoadResidualModel(Save("whole.safetensors", model), &error);
  ASSERT_NE(loaded, nullptr) << error;
  EXPECT_EQ(loaded->features.kind, ResidualKind::kWholeState);
  EXPECT_EQ(loaded->features.contact_pairs.size(), 2u);
  EXPECT_EQ(loaded->features.contact_range, 0.08);
  EXPECT_EQ(loaded->Metadata()["output"]["kind"], "qfrc");
  EXPECT_EQ(loaded->Metadata(), model.Metadata());
}

// ParseModelMetadata on a mutated copy of a contact model's metadata
class ContactMetadataTest : public ::testing::Test {
 protected:
  ContactMetadataTest()
      : model_(RandomContactModel(TwoPairs(), 0.05, 1, 7)), meta_(model_.Metadata()) {}

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

TEST_F(ContactMetadataTest, AcceptsValidMetadata) {
  ResidualModel parsed;
  std::string error;
  ASSERT_TRUE(ParseModelMetadata(meta_, &parsed, &error)) << error;
  EXPECT_EQ(parsed.features.kind, ResidualKind::kContact);
  EXPECT_EQ(parsed.features.contact_pairs.size(), 2u);
  EXPECT_EQ(parsed.input_mean.size(), static_cast<size_t>(kPairFeatureCount + 2));
  EXPECT_EQ(parsed.output_bound.size(), static_cast<size_t>(kWrenchSize));
}

TEST_F(ContactMetadataTest, RejectsPairWrenchWithoutPairs) {
  meta_["features"]["contact_pairs"] = json::array();
  EXPECT_THAT(ExpectRejected(), AllOf(HasSubstr("pair_wrench"), HasSubstr("contact_pairs")));
  meta_ = model_.Metadata();
  meta_["features"].erase("contact_pairs");
  EXPECT_THAT(ExpectRejected(), AllOf(HasSubstr("pair_wrench"), HasSubstr("contact_pairs")));
}

TEST_F(ContactMetadataTest, RejectsUnknownOutputKind) {
  for (const char* kind : {"wrench", "qfrc_contact", ""}) {
    SCOPED_TRACE(kind);
    meta_ = model_.Metadata();
    meta_["output"]["kind"] = kind;
    EXPECT_THAT(ExpectRejected(),
                AllOf(HasSubstr("output.kind"), HasSubstr("qfrc"), HasSubstr("pair_wrench")));
  }
  meta_ = model_.Metadata();
  meta_["output"].erase("kind");
  EXPECT_THAT(ExpectRejected(), HasSubstr("output.kind"));
}

TEST_F(ContactMetadataTest, RejectsContactRangeOutOfBounds) {
  for (double range : {0.0, -0.05, 10.0, 1e9}) {
    SCOPED_TRACE(range);
    meta_ = model_.Metadata();
    meta_["features"]["contact_range"] = range;
    EXPECT_THAT(ExpectRejected(), HasSubstr("contact_range"));
  }
  meta_ = model_.Metadata();
  meta_["features"]["contact_range"] = "5 cm";
  EXPECT_THAT(ExpectRejected(), HasSubstr("malformed metadata"));
}

TEST_F(ContactMetadataTest, RejectsMalformedPairs) {
  // a pair of three geoms
  meta_["features"]["contact_pairs"][0].push_back(meta_["features"]["contact_pairs"][0][0]);
  EXPECT_THAT(ExpectRejected(), HasSubstr("contact_pairs"));
  // a geom without a name
  meta_ = model_.Metadata();
  meta_["features"]["contact_pairs"][1][0].erase("name");
  EXPECT_THAT(ExpectRejected(), HasSubstr("malformed metadata"));
  // a size of two values
  meta_ = model_.Metadata();
  meta_["features"]["contact_pairs"][0][1]["size"] = json{0.04, 0.03};
  ExpectRejected();
}

TEST_F(ContactMetadataTest, RejectsNormalizerSizedForAnotherPairCount) {
  // one pair fewer: the one-hot code is gone, so 12 inputs are 2 too many
  meta_["features"]["contact_pairs"].erase(1);
  EXPECT_THAT(ExpectRejected(), AllOf(HasSubstr("input.mean"), HasSubstr("expected 10")));
}

TEST_F(ContactMetadataTest, ModelsFromBeforeContactPairsHaveNone) {
  // a whole-state model written before contact pairs existed: neither key
  ResidualModel whole = testutil::ConstantNormalizerModel(Arm2Layout(), 0, 5, 1, 1);
  json meta = whole.Metadata();
  meta["features"].erase("contact_pairs");
  meta["features"].erase("contact_range");
  ResidualModel parsed;
  parsed.features.contact_pairs = TwoPairs();  // stale content must be cleared
  parsed.features.contact_range = 3;
  std::string error;
  ASSERT_TRUE(ParseModelMetadata(meta, &parsed, &error)) << error;
  EXPECT_EQ(parsed.features.kind, ResidualKind::kWholeState);
  EXPECT_TRUE(parsed.features.contact_pairs.empty());
  EXPECT_EQ(parsed.features.contact_range, 0.05);
}

TEST_F(ContactModelFileTest, LoadingMalformedContactMetadataNamesTheFile) {
  // the same checks when loading a file: the message names the file and the problem
  const ResidualModel model = RandomContactModel(TwoPairs(), 0.05, 1, 8);
  json meta = model.Metadata();
  auto mlp = std::static_pointer_cast<const MlpEnsemble>(model.network);
  meta["network"] = {{"backend", "mlp"}, {"members", mlp->members()},
                     {"layers", mlp->layers()}, {"activation", "tanh"}};
  meta["features"]["contact_range"] = 0;
  SafetensorsFile file;
  mlp->ToTensors(&file);
  file.metadata["mjhybrid"] = meta.dump();
  const std::string path = dir_ + "/range0.safetensors";
  std::string error;
  ASSERT_TRUE(WriteSafetensors(path, file, &error)) << error;
  EXPECT_EQ(LoadResidualModel(path, &error), nullptr);
  EXPECT_THAT(error, AllOf(HasSubstr(path), HasSubstr("contact_range")));
}

}  // namespace
}  // namespace mjhybrid
