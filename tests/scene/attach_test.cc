// Attaching a contact-parameter model as MuJoCo's own explicit pairs (plugin/mujoco/native_pairs.h,
// scene/attach.h): the pairs carry what MuJoCo's collision would give the dynamic pair plus the
// model's values, the plugin then rewrites nothing, and the step is the rewrite's step. The
// reference throughout is MuJoCo itself: its contacts, and the plugin's rewrite path
// (attach --no-native-pairs), which tests/plugin/params_test.cc checks against explicit pairs.

#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "plugin/core/contact_params.h"
#include "plugin/mujoco/contact_pairs.h"
#include "plugin/mujoco/native_pairs.h"
#include "plugin/mujoco/residual_instance.h"
#include "scene/attach.h"
#include "scene/mujoco_util.h"

namespace mjhybrid::scene {
namespace {

namespace fs = std::filesystem;

const std::string kPush = std::string(MJHYBRID_SOURCE_DIR) + "/scenes/push";
const std::string kParams = std::string(MJHYBRID_SOURCE_DIR) + "/models/push/params.safetensors";

// the push scene's box pressed 0.5 mm into the floor and against the +y wall, the rod 1 mm into
// its -y face: contacts of the floor, wall and rod pairs at once
void PressBox(const mjModel* m, mjData* d) {
  mj_resetData(m, d);
  const int box = m->jnt_qposadr[mj_name2id(m, mjOBJ_JOINT, "object")];
  d->qpos[box + 0] = 0.02;
  d->qpos[box + 1] = 0.145 - 0.03 + 0.0005;
  d->qpos[box + 2] = 0.025 - 0.0005;
  d->qpos[0] = 0.02;                          // pusher_x
  d->qpos[1] = 0.115 - 0.03 - 0.012 + 0.001;  // pusher_y: its world y (ref)
  mj_forward(m, d);
}

// every contact of a has one at the same place between the same geoms in b, with the same
// parameters; MuJoCo collides explicit pairs after the dynamic ones, so the order may differ.
// Returns how many of a's contacts belong to `rewrite`'s pairs (when given)
int ExpectSameContacts(const mjData* a, const mjData* b, const std::string& what,
                       const ContactRewrite* rewrite = nullptr) {
  EXPECT_EQ(a->ncon, b->ncon) << what;
  EXPECT_EQ(a->nefc, b->nefc) << what;
  int in_pairs = 0;
  for (int i = 0; i < a->ncon; ++i) {
    const mjContact& c = a->contact[i];
    const mjContact* match = nullptr;
    for (int j = 0; j < b->ncon && !match; ++j) {
      const mjContact& o = b->contact[j];
      if (o.geom[0] == c.geom[0] && o.geom[1] == c.geom[1] && std::abs(o.pos[0] - c.pos[0]) < 1e-12 &&
          std::abs(o.pos[1] - c.pos[1]) < 1e-12 && std::abs(o.pos[2] - c.pos[2]) < 1e-12) {
        match = &o;
      }
    }
    if (!match) {
      ADD_FAILURE() << what << ": contact " << i << " has no twin";
      continue;
    }
    if (rewrite) in_pairs += rewrite->PairOf(c.geom[0], c.geom[1]) >= 0;
    EXPECT_EQ(c.dim, match->dim) << what;
    EXPECT_EQ(c.includemargin, match->includemargin) << what;
    EXPECT_EQ(c.exclude, match->exclude) << what;
    for (int k = 0; k < 5; ++k) EXPECT_EQ(c.friction[k], match->friction[k]) << what << " friction " << k;
    for (int k = 0; k < mjNREF; ++k) EXPECT_EQ(c.solref[k], match->solref[k]) << what << " solref " << k;
    for (int k = 0; k < mjNIMP; ++k) EXPECT_EQ(c.solimp[k], match->solimp[k]) << what << " solimp " << k;
    for (int k = 0; k < mjNREF; ++k) EXPECT_EQ(c.solreffriction[k], match->solreffriction[k]) << what;
  }
  return in_pairs;
}

std::string SimText() {
  std::ifstream in(kPush + "/sim.xml");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// a model of no parameters for every geom pair of the box: its native pairs are the dynamic
// pairs as they are
ContactParamsModel NoValues(const mjModel* m) {
  ContactParamsModel model;
  const int box = mj_name2id(m, mjOBJ_GEOM, "object");
  for (const char* other : {"floor", "wall_px", "wall_nx", "wall_py", "wall_ny", "pusher"}) {
    model.pairs.push_back({GeomShapeOf(m, mj_name2id(m, mjOBJ_GEOM, other)), GeomShapeOf(m, box)});
  }
  return model;
}

// every contact's parameters as MixedContact predicts them, in a variant of sim.xml; and the
// same contacts, margins included, when explicit pairs declare what MixedContact says
void ExpectMixedContactIsMujocos(const std::string& edit_from, const std::string& edit_to) {
  std::string xml = SimText();
  // the variant: sim.xml with one attribute string replaced, compiled beside it
  const size_t at = xml.find(edit_from);
  ASSERT_NE(at, std::string::npos) << edit_from;
  xml.replace(at, edit_from.size(), edit_to);
  ModelPtr m = CompileMjcfIn(kPush, xml, "variant");
  DataPtr d = MakeData(m.get());
  PressBox(m.get(), d.get());
  ASSERT_GE(d->ncon, 3) << edit_to;
  for (int i = 0; i < d->ncon; ++i) {
    const mjContact& c = d->contact[i];
    const PairParameters p = MixedContact(m.get(), c.geom[0], c.geom[1]);
    EXPECT_EQ(c.dim, p.condim) << edit_to;
    for (int k = 0; k < 5; ++k) EXPECT_EQ(c.friction[k], p.friction[k]) << edit_to << " friction " << k;
    for (int k = 0; k < mjNREF; ++k) EXPECT_EQ(c.solref[k], p.solref[k]) << edit_to << " solref " << k;
    for (int k = 0; k < mjNIMP; ++k) EXPECT_EQ(c.solimp[k], p.solimp[k]) << edit_to << " solimp " << k;
  }
  const std::string pairs = NativePairsMjcf(m.get(), NoValues(m.get()));
  ASSERT_NE(pairs.find("<pair"), std::string::npos);
  const size_t end = xml.rfind("</mujoco>");
  ModelPtr explicit_pairs = CompileMjcfIn(kPush, xml.substr(0, end) + pairs + "</mujoco>\n", "explicit");
  ASSERT_EQ(explicit_pairs->npair, 6);
  DataPtr e = MakeData(explicit_pairs.get());
  PressBox(explicit_pairs.get(), e.get());
  ExpectSameContacts(e.get(), d.get(), edit_to);
}

TEST(NativePairs, MixedContactIsWhatMujocosCollisionGives) {
  const std::string box = "contype=\"1\" conaffinity=\"3\"";
  ExpectMixedContactIsMujocos(box, box);  // the scene as it is
  // solmix weights, margin and gap (largest), condim and friction (largest)
  ExpectMixedContactIsMujocos(box, box + " solmix=\"3\" margin=\"0.002\" gap=\"0.001\" condim=\"4\" "
                                         "friction=\"0.3 0.02 0.001\" solref=\"0.03 0.7\" solimp=\"0.8 0.9 0.004 0.4 3\"");
  // a geom of higher priority gives everything but margin and gap
  ExpectMixedContactIsMujocos(box, box + " priority=\"1\" condim=\"1\" friction=\"0.2 0.001 0.0001\" solref=\"0.04 2\"");
  // solmix 0 on one side: the other side's values
  ExpectMixedContactIsMujocos(box, box + " solmix=\"0\" solref=\"0.05 1.5\"");
  // the direct (negative) solref form on one side: the smaller of each
  ExpectMixedContactIsMujocos(box, box + " solref=\"-2000 -50\"");
}

class AttachNativePairsTest : public ::testing::Test {
 protected:
  AttachOptions Options(bool native) const {
    AttachOptions options;
    options.sim_path = kPush + "/sim.xml";
    options.params_model = kParams;
    options.native_pairs = native;
    return options;
  }
};

TEST_F(AttachNativePairsTest, TheHybridDeclaresThePairsAndThePluginRewritesNothing) {
  ModelPtr native = CompileHybrid(Options(true));
  ModelPtr rewrite = CompileHybrid(Options(false));
  std::string error;
  auto model = LoadContactParams(kParams, &error);
  ASSERT_TRUE(model) << error;
  EXPECT_EQ(native->npair, static_cast<int>(model->pairs.size()));
  EXPECT_EQ(rewrite->npair, 0);

  DataPtr a = MakeData(native.get()), b = MakeData(rewrite.get());
  ContactRewrite* fast = ContactRewriteOf(native.get(), a.get(), ContactParamsInstance(native.get()));
  ContactRewrite* slow = ContactRewriteOf(rewrite.get(), b.get(), ContactParamsInstance(rewrite.get()));
  ASSERT_NE(fast, nullptr);
  ASSERT_NE(slow, nullptr);
  for (int i = 0; i < fast->pairs(); ++i) {
    EXPECT_TRUE(fast->native(i)) << "pair " << i;
    EXPECT_FALSE(slow->native(i)) << "pair " << i;
  }

  // the same contacts with the same parameters, whichever way they got them
  PressBox(native.get(), a.get());
  PressBox(rewrite.get(), b.get());
  EXPECT_EQ(fast->Apply(native.get(), a.get()), 0);
  const int pairs_seen = ExpectSameContacts(a.get(), b.get(), "push", fast);
  EXPECT_GE(pairs_seen, 3);  // floor, wall and rod
}

TEST_F(AttachNativePairsTest, TheBoxMovesAsUnderTheRewrite) {
  ModelPtr native = CompileHybrid(Options(true));
  ModelPtr rewrite = CompileHybrid(Options(false));
  DataPtr a = MakeData(native.get()), b = MakeData(rewrite.get());
  PressBox(native.get(), a.get());
  PressBox(rewrite.get(), b.get());
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> target(-0.1, 0.1);
  double largest = 0;
  for (int t = 0; t < 2000; ++t) {
    if (t % 50 == 0) {
      a->ctrl[0] = b->ctrl[0] = target(rng);
      a->ctrl[1] = b->ctrl[1] = target(rng);
    }
    mj_step(native.get(), a.get());
    mj_step(rewrite.get(), b.get());
    for (int i = 0; i < native->nq; ++i) largest = std::max(largest, std::abs(a->qpos[i] - b->qpos[i]));
  }
  // the rows come in another order (explicit pairs collide last), so the solver's sums round
  // differently; nothing more
  EXPECT_LT(largest, 1e-6);
}

TEST_F(AttachNativePairsTest, AModelRetrainedAfterAttachIsStillObeyed) {
  // the scene declares the pairs at the shipped values; the plugin's file now says otherwise
  const fs::path dir = fs::temp_directory_path() / ("mjhybrid_attach_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string error;
  auto shipped = LoadContactParams(kParams, &error);
  ASSERT_TRUE(shipped) << error;
  const std::string path = (dir / "params.safetensors").string();
  ASSERT_TRUE(SaveContactParams(path, *shipped, &error)) << error;
  AttachOptions options = Options(true);
  options.params_model = path;
  const std::string text = HybridMjcf(options, kPush);

  ContactParamsModel retrained = *shipped;
  const int friction = 0;  // column of friction in the shipped model
  ASSERT_EQ(retrained.parameters[friction], ContactParameter::kFriction);
  for (size_t i = 0; i < retrained.pairs.size(); ++i) retrained.values[i * retrained.columns() + friction] = 0.77;
  ASSERT_TRUE(SaveContactParams(path, retrained, &error)) << error;

  ModelPtr m = CompileMjcfIn(kPush, text, "retrained");
  DataPtr d = MakeData(m.get());
  ContactRewrite* rewrite = ContactRewriteOf(m.get(), d.get(), ContactParamsInstance(m.get()));
  ASSERT_NE(rewrite, nullptr);
  for (int i = 0; i < rewrite->pairs(); ++i) EXPECT_FALSE(rewrite->native(i));
  PressBox(m.get(), d.get());
  int written = 0;
  for (int i = 0; i < d->ncon; ++i) {
    const mjContact& c = d->contact[i];
    if (rewrite->PairOf(c.geom[0], c.geom[1]) < 0) continue;
    EXPECT_EQ(c.friction[0], 0.77);
    ++written;
  }
  EXPECT_GE(written, 3);
  fs::remove_all(dir);
}

TEST_F(AttachNativePairsTest, AnOverrideSceneGetsNoPairs) {
  // <flag override> gives explicit pairs the option's values too: the rewrite must do it
  std::string xml = SimText();
  const std::string option = "<option timestep=\"0.001\" integrator=\"Euler\"/>";
  const size_t at = xml.find(option);
  ASSERT_NE(at, std::string::npos);
  xml.replace(at, option.size(), "<option timestep=\"0.001\" integrator=\"Euler\"><flag override=\"enable\"/></option>");
  ModelPtr m = CompileMjcfIn(kPush, xml, "override");
  std::string error;
  auto model = LoadContactParams(kParams, &error);
  ASSERT_TRUE(model) << error;
  EXPECT_TRUE(OverrideReplacesPairs(m.get()));
  EXPECT_TRUE(NativePairsFor(m.get(), *model).empty());
  EXPECT_EQ(NativePairsMjcf(m.get(), *model), "");
}

}  // namespace
}  // namespace mjhybrid::scene
