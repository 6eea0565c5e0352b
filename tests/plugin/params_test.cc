// Mode params inside real MuJoCo, on the push scene: a contact-parameter model sets the
// friction, solref and solimp of its pairs' contacts. The reference is MuJoCo itself: the same
// values given to explicit <contact><pair> elements (the scene's own way to set one pair's
// parameters) must give the same trajectory, under every cone, solver and integrator.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "plugin/core/contact_params.h"
#include "plugin/mujoco/residual_instance.h"
#include "tests/plugin/push_fixture.h"

namespace mjhybrid {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

using P = ContactParameter;

GeomShape FloorShape() { return testutil::Shape("floor", "plane", 0.5, 0.5, 0.05); }

// the parameters the push reality stand-in (scenes/push/real.xml) gives its two box contacts
struct PairValues {
  double friction, timeconst, dampratio, dmin, dmax, width;
};
constexpr PairValues kFloorObject = {0.25, 0.03, 1.0, 0.8, 0.95, 0.003};
constexpr PairValues kPusherObject = {0.8, 0.025, 0.8, 0.9, 0.95, 0.002};

ContactParamsModel FullModel(const mjModel* m) {
  ContactParamsModel model;
  model.signature = StateLayoutFromModel(m);
  model.pairs = {{FloorShape(), ObjectShape()}, PusherObject()};
  model.parameters = {P::kFriction, P::kSolrefTime, P::kSolrefDamping, P::kSolimpMin, P::kSolimpMax, P::kSolimpWidth};
  for (const PairValues& v : {kFloorObject, kPusherObject}) {
    model.values.insert(model.values.end(), {v.friction, v.timeconst, v.dampratio, v.dmin, v.dmax, v.width});
  }
  model.provenance = {{"data", "the push reality stand-in's values, for a test"}};
  return model;
}

// <pair> for geoms a, b with friction mu and the given softness; without torsional friction
// condim 3 and the scene's own torsional and rolling friction (0.005, 0.0001), with it condim 4;
// the scene's solimp midpoint and power (0.5, 2)
std::string PairElement(const char* a, const char* b, const PairValues& v, double torsion = 0) {
  char buf[400];
  std::snprintf(buf, sizeof(buf),
                "    <pair geom1=\"%s\" geom2=\"%s\" condim=\"%d\" friction=\"%g %g %g 0.0001 0.0001\" "
                "solref=\"%g %g\" solimp=\"%g %g %g 0.5 2\"/>\n",
                a, b, torsion > 0 ? 4 : 3, v.friction, v.friction, torsion > 0 ? torsion : 0.005, v.timeconst,
                v.dampratio, v.dmin, v.dmax, v.width);
  return buf;
}

// the push scene where explicit pairs give the box's floor and rod contacts kFloorObject and
// kPusherObject (the floor's with torsional friction `floor_torsion` when positive) and its
// wall contacts the scene's defaults; the dynamic contacts are excluded
std::string ExplicitPairsXml(const std::string& xml, double floor_torsion = 0) {
  const PairValues nominal = {0.5, 0.02, 1, 0.9, 0.95, 0.001};
  std::string elements = "    <exclude body1=\"world\" body2=\"object\"/>\n"
                         "    <exclude body1=\"pusher\" body2=\"object\"/>\n";
  elements += PairElement("floor", "object", kFloorObject, floor_torsion);
  elements += PairElement("pusher", "object", kPusherObject);
  for (const char* wall : {"wall_px", "wall_nx", "wall_py", "wall_ny"}) elements += PairElement(wall, "object", nominal);
  return WithContactSection(xml, elements);
}

class ParamsTest : public PushTest {
 protected:
  std::string SaveParams(const ContactParamsModel& model, const std::string& name) {
    const std::string path = TempPath(name);
    std::string error;
    EXPECT_TRUE(SaveContactParams(path, model, &error)) << error;
    return path;
  }

  // the scene (with `options` edits applied) and its params-mode hybrid
  ModelPtr Hybrid(const std::string& xml, const ContactParamsModel& model, std::string* error = nullptr) {
    return LoadXml(HybridXml(xml, SaveParams(model, "params" + std::to_string(saved_++) + ".safetensors"), "params"),
                   error);
  }

  int saved_ = 0;
};

struct Variant {
  const char* name;
  const char* integrator;
  const char* cone;
  const char* solver;
};

class ParamsVariantTest : public ParamsTest, public ::testing::WithParamInterface<Variant> {
 protected:
  // the push scene under this variant's integrator, cone and solver
  std::string VariantXml() const {
    const Variant& v = GetParam();
    return WithOption(WithOption(WithOption(xml_, "integrator", v.integrator), "cone", v.cone), "solver", v.solver);
  }

  // the hybrid follows `reference` over 1500 steps to 1e-8, while `other` (the reference
  // without what the model adds) goes elsewhere by more than min_gap: the model matters here
  // and reproduces MuJoCo's own way of saying it
  void ExpectFollows(const mjModel* reference, const mjModel* other, const mjModel* hybrid, double min_gap) {
    const int steps = 1500;
    auto [ref, hyb] = RolloutTwins(reference, hybrid, steps, 7);
    auto [oth, unused] = RolloutTwins(other, hybrid, steps, 7);
    const double differs = MaxAbsDifference(ref.qpos, hyb.qpos);
    const double gap = MaxAbsDifference(ref.qpos, oth.qpos);
    EXPECT_GT(gap, min_gap) << GetParam().name;
    EXPECT_LT(differs, 1e-8) << GetParam().name << " (without the model it differs by " << gap << ")";
  }
};

TEST_P(ParamsVariantTest, ConstantModelMovesTheBoxAsExplicitPairsDo) {
  const std::string xml = VariantXml();
  ModelPtr reference = LoadXml(ExplicitPairsXml(xml));
  ModelPtr nominal = LoadXml(xml);
  ASSERT_NE(reference, nullptr);
  ModelPtr hybrid = Hybrid(xml, FullModel(nominal.get()));
  ASSERT_NE(hybrid, nullptr);
  ExpectFollows(reference.get(), nominal.get(), hybrid.get(), 1e-3);
}

// friction_torsional: 1 cm on the floor-box pair makes its contacts condim 4 (as the reality
// stand-in's box has), 0 on the rod-box pair leaves them condim 3; the rebuilt constraint has
// more rows than MuJoCo's first pass made
TEST_P(ParamsVariantTest, TorsionalFrictionMovesTheBoxAsCondim4PairsDo) {
  const std::string xml = VariantXml();
  const double torsion = 0.01;
  ModelPtr reference = LoadXml(ExplicitPairsXml(xml, torsion));
  ModelPtr without = LoadXml(ExplicitPairsXml(xml));
  ASSERT_NE(reference, nullptr);
  ContactParamsModel model = FullModel(reference.get());
  model.parameters.push_back(P::kTorsion);
  model.values = {kFloorObject.friction, kFloorObject.timeconst, kFloorObject.dampratio, kFloorObject.dmin,
                  kFloorObject.dmax, kFloorObject.width, torsion,
                  kPusherObject.friction, kPusherObject.timeconst, kPusherObject.dampratio, kPusherObject.dmin,
                  kPusherObject.dmax, kPusherObject.width, 0};
  ModelPtr hybrid = Hybrid(xml, model);
  ASSERT_NE(hybrid, nullptr);
  ExpectFollows(reference.get(), without.get(), hybrid.get(), 1e-4);
}

TEST_F(ParamsTest, TorsionalFrictionAddsRowsOnlyWherePositive) {
  ContactParamsModel model = FullModel(sim_.get());
  model.parameters.push_back(P::kTorsion);
  model.values.insert(model.values.begin() + 6, 0.01);  // floor-box: 1 cm
  model.values.push_back(0);                            // rod-box: none
  ModelPtr hybrid = Hybrid(xml_, model);
  ASSERT_NE(hybrid, nullptr);
  DataPtr d = MakeData(hybrid.get()), n = MakeData(sim_.get());
  const double box[3] = {0, 0, kBoxHalfZ - 0.0005};
  Place(hybrid.get(), d.get(), 0.0, -kBoxHalfY - kRodRadius + 0.001, box, 0);
  Place(sim_.get(), n.get(), 0.0, -kBoxHalfY - kRodRadius + 0.001, box, 0);
  mj_forward(hybrid.get(), d.get());
  mj_forward(sim_.get(), n.get());
  ASSERT_EQ(d->ncon, n->ncon);
  const int floor = mj_name2id(hybrid.get(), mjOBJ_GEOM, "floor");
  int on_floor = 0;
  for (int i = 0; i < d->ncon; ++i) {
    const mjContact& c = d->contact[i];
    const bool floor_contact = c.geom[0] == floor || c.geom[1] == floor;
    on_floor += floor_contact;
    EXPECT_EQ(c.dim, floor_contact ? 4 : 3);
    if (floor_contact) {
      EXPECT_EQ(c.friction[2], 0.01);
    }
    EXPECT_EQ(ContactValue(c, P::kTorsion), floor_contact ? 0.01 : 0);
  }
  ASSERT_GT(on_floor, 0);
  // pyramidal cones: 2 (dim - 1) rows per contact, so two more per floor contact
  EXPECT_EQ(d->nefc, n->nefc + 2 * on_floor);
  EXPECT_TRUE(AllFinite(std::vector<double>(d->qacc, d->qacc + hybrid->nv)));
}

INSTANTIATE_TEST_SUITE_P(
    IntegratorsConesSolvers, ParamsVariantTest,
    ::testing::Values(Variant{"EulerPyramidalNewton", "Euler", "pyramidal", "Newton"},
                      Variant{"EulerEllipticNewton", "Euler", "elliptic", "Newton"},
                      Variant{"Rk4PyramidalNewton", "RK4", "pyramidal", "Newton"},
                      Variant{"ImplicitfastEllipticCG", "implicitfast", "elliptic", "CG"},
                      Variant{"EulerPyramidalPGS", "Euler", "pyramidal", "PGS"}),
    [](const ::testing::TestParamInfo<Variant>& info) { return info.param.name; });

TEST_F(ParamsTest, ContactsAndConstraintRowsHoldTheModelsValues) {
  ModelPtr hybrid = Hybrid(xml_, FullModel(sim_.get()));
  ASSERT_NE(hybrid, nullptr);
  DataPtr d = MakeData(hybrid.get());
  const double box[3] = {0, 0, kBoxHalfZ - 0.0005};
  // the rod pressed 1 mm into the box's -y face, the box 0.5 mm into the floor
  Place(hybrid.get(), d.get(), 0.0, -kBoxHalfY - kRodRadius + 0.001, box, 0);
  mj_forward(hybrid.get(), d.get());
  const int floor = mj_name2id(hybrid.get(), mjOBJ_GEOM, "floor"), rod = mj_name2id(hybrid.get(), mjOBJ_GEOM, "pusher");
  int seen_floor = 0, seen_rod = 0;
  for (int i = 0; i < d->ncon; ++i) {
    const mjContact& c = d->contact[i];
    const bool on_floor = c.geom[0] == floor || c.geom[1] == floor;
    const bool on_rod = c.geom[0] == rod || c.geom[1] == rod;
    if (!on_floor && !on_rod) continue;
    const PairValues& v = on_floor ? kFloorObject : kPusherObject;
    (on_floor ? seen_floor : seen_rod)++;
    EXPECT_EQ(c.friction[0], v.friction);
    EXPECT_EQ(c.friction[1], v.friction);
    EXPECT_EQ(c.solref[0], v.timeconst);
    EXPECT_EQ(c.solimp[2], v.width);
    ASSERT_GE(c.efc_address, 0);
    // the normal row's stiffness as MuJoCo derives it from these values (mj_makeImpedance)
    const double k = 1 / (v.dmax * v.dmax * v.timeconst * v.timeconst * v.dampratio * v.dampratio);
    EXPECT_NEAR(d->efc_KBIP[4 * c.efc_address], k, 1e-9 * k);
    EXPECT_NEAR(d->efc_KBIP[4 * c.efc_address + 1], 2 / (v.dmax * v.timeconst), 1e-9);
  }
  EXPECT_GT(seen_floor, 0);
  EXPECT_GT(seen_rod, 0);
}

TEST_F(ParamsTest, StepsWithoutTheModelsContactsAreTheAnalyticOnes) {
  // a model of the rod-box pair only; the rod parked away from the box touches nothing, while
  // the box rests on the floor (a contact of another pair)
  ContactParamsModel model = FullModel(sim_.get());
  model.pairs = {PusherObject()};
  model.values.erase(model.values.begin(), model.values.begin() + model.columns());
  ModelPtr hybrid = Hybrid(xml_, model);
  ASSERT_NE(hybrid, nullptr);
  DataPtr a = MakeData(sim_.get()), b = MakeData(hybrid.get());
  // the servos hold the rod where it is parked, at (0, -0.07)
  std::vector<double> hold;
  for (int t = 0; t < 300; ++t) hold.insert(hold.end(), {0.0, -0.07});
  Trajectory ta = Rollout(sim_.get(), a.get(), hold, 0, 300), tb = Rollout(hybrid.get(), b.get(), hold, 0, 300);
  EXPECT_TRUE(BitIdentical(ta.qpos, tb.qpos));
  EXPECT_TRUE(BitIdentical(ta.qvel, tb.qvel));
}

TEST_F(ParamsTest, ValuesOutsideTheStableRangeAreClampedWithOneWarning) {
  AllowWarnings();
  ContactParamsModel model = FullModel(sim_.get());
  model.values[1] = 1e-4;  // floor-object time constant below 2 timesteps (2 ms)
  model.values[3] = 1.5;   // impedance above 1
  ModelPtr hybrid = Hybrid(xml_, model);
  ASSERT_NE(hybrid, nullptr);
  DataPtr d = MakeData(hybrid.get());
  const std::vector<std::string> warnings = TakeWarnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], AllOf(HasSubstr("2 contact parameter value(s)"), HasSubstr("clamped")));
  // the clamped model is the model at the limits
  ContactParamsModel limits = FullModel(sim_.get());
  limits.values[1] = 2 * sim_->opt.timestep;
  limits.values[3] = 0.9999;
  ModelPtr at_limits = Hybrid(xml_, limits);
  auto [x, y] = RolloutTwins(hybrid.get(), at_limits.get(), 800, 3);
  EXPECT_TRUE(BitIdentical(x.qpos, y.qpos));
  EXPECT_TRUE(AllFinite(x.qpos));
}

TEST_F(ParamsTest, BadModelsAreRefusedWithOneLine) {
  std::string error;
  ContactParamsModel lacks = FullModel(sim_.get());
  lacks.pairs[0].geom1 = testutil::Shape("table", "plane", 0.5, 0.5, 0.05);
  EXPECT_EQ(Hybrid(xml_, lacks, &error), nullptr);
  EXPECT_THAT(error, AllOf(HasSubstr("contact pair (table, object)"), HasSubstr("no geom named 'table'")));

  ContactParamsModel never = FullModel(sim_.get());
  never.pairs[0] = {testutil::Shape("pusher", "capsule", 0.012, 0.0265, 0), testutil::Shape("floor", "plane", 0.5, 0.5, 0.05)};
  EXPECT_EQ(Hybrid(xml_, never, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("(pusher, floor) never collides in this scene"));

  ContactParamsModel other_step = FullModel(sim_.get());
  other_step.signature.timestep = 0.005;
  EXPECT_EQ(Hybrid(xml_, other_step, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("timestep 0.005 s but the scene uses 0.001 s"));

  // a residual model's file in mode params, and a params file in mode augment
  const std::string residual = SaveResidual(RandomContactResidual(sim_.get(), {PusherObject()}, 1, 1), "contact.safetensors");
  EXPECT_EQ(LoadXml(HybridXml(xml_, residual, "params"), &error), nullptr);
  EXPECT_THAT(error, HasSubstr("not an mjhybrid contact-parameter model"));
  const std::string params = SaveParams(FullModel(sim_.get()), "p.safetensors");
  EXPECT_EQ(LoadXml(HybridXml(xml_, params, "augment"), &error), nullptr);
  EXPECT_THAT(error, HasSubstr("this is a contact-parameter model; use mode 'params'"));
}

TEST_F(ParamsTest, TorsionalFrictionIsRefusedInASceneWithFlexes) {
  // a small cloth away from everything: flex's effective metric is laid out after the
  // constraint rows, which friction_torsional may make more of (contact_rewrite.h)
  std::string xml = xml_;
  const size_t end = xml.find("  </worldbody>");
  ASSERT_NE(end, std::string::npos);
  xml.insert(end, "    <flexcomp name=\"cloth\" type=\"grid\" count=\"3 3 1\" spacing=\"0.02 0.02 0.02\" "
                  "pos=\"0.3 0.3 0.2\" dim=\"2\" mass=\"0.01\">\n      <contact contype=\"0\" conaffinity=\"0\"/>\n"
                  "    </flexcomp>\n");
  AllowWarnings();  // MuJoCo warns that the cloth has no passive forces
  ModelPtr flexed = LoadXml(xml);
  ASSERT_NE(flexed, nullptr);
  ASSERT_EQ(flexed->nflex, 1);
  ContactParamsModel model = FullModel(flexed.get());
  std::string error;
  EXPECT_NE(Hybrid(xml, model, &error), nullptr) << error;  // without it the scene takes the model
  model.parameters.push_back(P::kTorsion);
  model.values = {0.25, 0.03, 1, 0.8, 0.95, 0.003, 0.01, 0.8, 0.025, 0.8, 0.9, 0.95, 0.002, 0};
  EXPECT_EQ(Hybrid(xml, model, &error), nullptr);
  EXPECT_THAT(error, AllOf(HasSubstr("friction_torsional"), HasSubstr("flexes")));
}

TEST_F(ParamsTest, NonFiniteOrMisshapenFilesAreRefused) {
  ContactParamsModel model = FullModel(sim_.get());
  nlohmann::json meta = model.Metadata();
  std::string error;
  ContactParamsModel parsed;
  EXPECT_TRUE(ParseContactParamsMetadata(meta, &parsed, &error)) << error;
  EXPECT_EQ(parsed.values, model.values);

  nlohmann::json nan = meta;
  nan["values"][0][2] = "nan";
  EXPECT_FALSE(ParseContactParamsMetadata(nan, &parsed, &error));
  EXPECT_THAT(error, HasSubstr("values holds a non-finite or non-numeric value"));

  nlohmann::json short_row = meta;
  short_row["values"][1].erase(0);
  EXPECT_FALSE(ParseContactParamsMetadata(short_row, &parsed, &error));
  EXPECT_THAT(error, HasSubstr("one value per parameter (6)"));

  nlohmann::json negative_torsion = meta;
  negative_torsion["parameters"].push_back("friction_torsional");
  for (auto& row : negative_torsion["values"]) row.push_back(-0.01);
  EXPECT_TRUE(ParseContactParamsMetadata(negative_torsion, &parsed, &error)) << error;
  EXPECT_EQ(ClampToStableRange(parsed.parameters, 0.001, &parsed.values), 2);  // clamped to 0: none
  EXPECT_EQ(parsed.values[6], 0);

  nlohmann::json unknown = meta;
  unknown["parameters"][0] = "stiffness";
  EXPECT_FALSE(ParseContactParamsMetadata(unknown, &parsed, &error));
  EXPECT_THAT(error, AllOf(HasSubstr("unknown contact parameter 'stiffness'"), HasSubstr("valid: friction,")));
}

TEST_F(ParamsTest, AFitCanSetTheValuesOfThePluginItself) {
  ModelPtr hybrid = Hybrid(xml_, FullModel(sim_.get()));
  ASSERT_NE(hybrid, nullptr);
  const int instance = ContactParamsInstance(hybrid.get());
  ASSERT_EQ(instance, 0);
  EXPECT_EQ(ResidualInstance(hybrid.get()), -1);  // no residual instance: nothing reads a history
  DataPtr d = MakeData(hybrid.get());
  ContactRewrite* rewrite = ContactRewriteOf(hybrid.get(), d.get(), instance);
  ASSERT_NE(rewrite, nullptr);
  ASSERT_EQ(rewrite->values().size(), 12u);
  // friction 0.5 on both pairs is the nominal scene's friction: only the softness still differs
  std::vector<double> values = rewrite->values();
  values[0] = values[6] = 0.5;
  rewrite->set_values(values);
  const double box[3] = {0, 0, kBoxHalfZ - 0.0005};
  Place(hybrid.get(), d.get(), 0.0, -kBoxHalfY - kRodRadius + 0.001, box, 0);
  mj_forward(hybrid.get(), d.get());
  for (int i = 0; i < d->ncon; ++i) EXPECT_EQ(d->contact[i].friction[0], 0.5);
}

}  // namespace
}  // namespace mjhybrid
