// Many contacts (resource limits): a generated pile of 300 free spheres dropped into a walled
// tray, hundreds of native contacts at once (500 to 800 here), with the residual attached. An augment model
// whose features include 400 contact pairs, and a contact model (mode replace) for 400 pairs
// whose native contact the scene excludes, both step 500 times: the state stays finite, the
// residual acts, and stepping leaves the heap as it found it (the plugin sizes everything when
// mjData is made; nothing grows with time or with the contacts).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <mujoco/mujoco.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "plugin/mujoco/contact_pairs.h"
#include "tests/plugin/fixture.h"

namespace mjhybrid {
namespace {

using ::testing::HasSubstr;

constexpr int kSide = 10;                         // bodies per row and rows per layer
constexpr int kBodies = 3 * kSide * kSide;        // three layers
constexpr int kPairs = 400;
constexpr int kSteps = 500;

std::string Name(const char* prefix, int i) { return prefix + std::to_string(i); }

// The tray and the bodies, spheres of 2 cm radius 1 cm apart in a 10 x 10 x 3 grid, each nudged
// off the grid so the pile tumbles instead of stacking. `contact` is the body of a <contact>
// section ("" for none). Spheres and the CG solver keep 500 steps near a second: boxes make a
// few contacts each, and Newton factorizes the 1800-dof Hessian every step (each about 8 times
// slower), with nothing more for the plugin to do.
std::string PileXml(const std::string& contact) {
  std::string xml = R"(<mujoco model="pile">
  <compiler angle="radian"/>
  <option timestep="0.002" solver="CG"/>
  <size memory="64M"/>
  <worldbody>
    <geom name="floor" type="plane" size="1 1 0.1"/>
    <geom name="wall_px" type="box" pos="0.3 0 0.1" size="0.01 0.3 0.1"/>
    <geom name="wall_nx" type="box" pos="-0.3 0 0.1" size="0.01 0.3 0.1"/>
    <geom name="wall_py" type="box" pos="0 0.3 0.1" size="0.3 0.01 0.1"/>
    <geom name="wall_ny" type="box" pos="0 -0.3 0.1" size="0.3 0.01 0.1"/>
)";
  for (int i = 0; i < kBodies; ++i) {
    const int layer = i / (kSide * kSide), row = (i / kSide) % kSide, col = i % kSide;
    const double nudge = 0.002 * ((i * 37) % 7 - 3);
    char body[400];
    std::snprintf(body, sizeof(body),
                  "    <body name=\"b%d\" pos=\"%g %g %g\">\n"
                  "      <freejoint name=\"j%d\"/>\n"
                  "      <geom name=\"g%d\" type=\"sphere\" size=\"0.02\"/>\n"
                  "    </body>\n",
                  i, -0.225 + 0.05 * col + nudge, -0.225 + 0.05 * row - nudge,
                  0.03 + 0.05 * layer + std::abs(nudge), i, i);
    xml += body;
  }
  xml += "  </worldbody>\n";
  if (!contact.empty()) xml += "  <contact>\n" + contact + "  </contact>\n";
  return xml + "</mujoco>\n";
}

// 400 pairs of neighbours in the grid: (i, i + 1) along a row, (i, i + 10) across rows
std::vector<std::pair<int, int>> NeighbourPairs() {
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < kBodies && static_cast<int>(pairs.size()) < kPairs; ++i) {
    if (i % kSide < kSide - 1) pairs.push_back({i, i + 1});
    if ((i / kSide) % kSide < kSide - 1) pairs.push_back({i, i + kSide});
  }
  pairs.resize(kPairs);
  return pairs;
}

// <exclude> lines for `pairs`, skipping the one at index `skip` (-1: none)
std::string Excludes(const std::vector<std::pair<int, int>>& pairs, int skip = -1) {
  std::string out;
  for (size_t k = 0; k < pairs.size(); ++k) {
    if (static_cast<int>(k) == skip) continue;
    out += "    <exclude body1=\"" + Name("b", pairs[k].first) + "\" body2=\"" +
           Name("b", pairs[k].second) + "\"/>\n";
  }
  return out;
}

// the pairs as a model file records them, with the shapes of the compiled scene
std::vector<ContactPair> ModelPairs(const mjModel* m, const std::vector<std::pair<int, int>>& pairs) {
  std::vector<ContactPair> out;
  for (const auto& [a, b] : pairs) {
    out.push_back({GeomShapeOf(m, mj_name2id(m, mjOBJ_GEOM, Name("g", a).c_str())),
                   GeomShapeOf(m, mj_name2id(m, mjOBJ_GEOM, Name("g", b).c_str()))});
  }
  return out;
}

// heap bytes in use (glibc's count; 0 under a sanitizer, which makes the check vacuous there)
size_t HeapInUse() { return mallinfo2().uordblks; }

struct PileRun {
  bool finite = true;
  int min_contacts = 1 << 30, max_contacts = 0;  // over the last half of the run
  size_t heap_changes = 0;                       // steps after the first 100 that changed it
  std::vector<double> qpos;                      // after the last step
  double seconds = 0;
  double solver_iterations = 0;  // per step, averaged
};

// steps `d` kSteps times from rest; from step 100 on, checks after every step that the heap in
// use is what it was at step 100
PileRun StepPile(const mjModel* m, mjData* d) {
  PileRun run;
  size_t heap = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int k = 0; k < kSteps; ++k) {
    mj_step(m, d);
    run.solver_iterations += d->solver_niter[0] / static_cast<double>(kSteps);
    if (k == 100) heap = HeapInUse();
    if (k > 100 && HeapInUse() != heap) ++run.heap_changes;
    if (k >= kSteps / 2) {
      run.min_contacts = std::min(run.min_contacts, d->ncon);
      run.max_contacts = std::max(run.max_contacts, d->ncon);
    }
    for (int i = 0; i < m->nq; ++i) run.finite = run.finite && std::isfinite(d->qpos[i]);
    for (int i = 0; i < m->nv; ++i) run.finite = run.finite && std::isfinite(d->qvel[i]);
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.qpos.assign(d->qpos, d->qpos + m->nq);
  return run;
}

double MaxDifference(const std::vector<double>& a, const std::vector<double>& b) {
  double out = 0;
  for (size_t i = 0; i < a.size(); ++i) out = std::max(out, std::abs(a[i] - b[i]));
  return out;
}

class PileTest : public MujocoTest {
 protected:
  // the plain scene and the same with the residual (model saved under `name`) in `mode`
  void Compile(const std::string& contact, const ResidualModel& model, const std::string& name,
               const std::string& mode) {
    plain_ = LoadXml(PileXml(contact));
    ASSERT_NE(plain_, nullptr);
    const std::string path = SaveResidual(model, name);
    const auto start = std::chrono::steady_clock::now();
    hybrid_ = LoadXml(HybridXml(PileXml(contact), path, mode));
    ASSERT_NE(hybrid_, nullptr);
    d_hybrid_ = MakeData(hybrid_.get());
    ASSERT_NE(d_hybrid_, nullptr);
    setup_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    d_plain_ = MakeData(plain_.get());
  }

  // both scenes from rest; checks what every pile run must show
  void RunBoth() {
    plain_run_ = StepPile(plain_.get(), d_plain_.get());
    hybrid_run_ = StepPile(hybrid_.get(), d_hybrid_.get());
    std::printf("[ pile     ] setup %.2f s; %d steps: %.2f s plain, %.2f s hybrid; contacts %d..%d "
                "plain, %d..%d hybrid; solver iterations %.1f plain, %.1f hybrid; "
                "arena peak %.1f MB plain, %.1f MB hybrid\n",
                setup_seconds_, kSteps, plain_run_.seconds, hybrid_run_.seconds,
                plain_run_.min_contacts, plain_run_.max_contacts, hybrid_run_.min_contacts,
                hybrid_run_.max_contacts, plain_run_.solver_iterations, hybrid_run_.solver_iterations, d_plain_->maxuse_arena / 1e6,
                d_hybrid_->maxuse_arena / 1e6);
    EXPECT_TRUE(plain_run_.finite);
    EXPECT_TRUE(hybrid_run_.finite);
    // hundreds of contacts at once: the pile has formed and stays formed
    EXPECT_GE(hybrid_run_.min_contacts, 200);
    // the residual acted
    EXPECT_GT(MaxDifference(plain_run_.qpos, hybrid_run_.qpos), 1e-6);
    // stepping allocates nothing that stays, with the plugin as without
    EXPECT_EQ(plain_run_.heap_changes, 0u);
    EXPECT_EQ(hybrid_run_.heap_changes, 0u);
    // the plugin takes no arena memory of its own; what differs is the contacts of another
    // trajectory
    EXPECT_LT(d_hybrid_->maxuse_arena, 1.5 * d_plain_->maxuse_arena);
    // compiling and checking 400 pairs is not the bottleneck (it once could have been
    // quadratic in pairs times excludes)
    EXPECT_LT(setup_seconds_, 10.0);
  }

  ModelPtr plain_, hybrid_;
  DataPtr d_plain_, d_hybrid_;
  PileRun plain_run_, hybrid_run_;
  double setup_seconds_ = 0;
};

// augment: a whole-state model (a generalized force on all 1800 dofs) whose features include
// the 10 features of each of 400 pairs: 6700 inputs, evaluated inside every step of the pile
TEST_F(PileTest, AugmentWithFourHundredPairFeaturesStaysFiniteAndAllocatesNothingPerStep) {
  ModelPtr scene = LoadXml(PileXml(""));
  ASSERT_NE(scene, nullptr);
  ASSERT_EQ(scene->nv, 6 * kBodies);
  FeatureSpec spec;
  spec.contact_pairs = ModelPairs(scene.get(), NeighbourPairs());
  spec.contact_range = 0.05;
  // forces of a few mN and torques of a few uN m: they move the pile without throwing its 30 g
  // spheres about (a free joint's dofs: 3 translations, then 3 rotations)
  ResidualModel model =
      testutil::ConstantNormalizerModel(StateLayoutFromModel(scene.get()), spec, 20, 0.002f, 0.004f);
  for (int i = 0; i < 6 * kBodies; ++i) {
    if (i % 6 >= 3) model.output_std[i] = 2e-6f, model.output_bound[i] = 4e-6f;
  }
  std::mt19937 rng(61);
  const int nin = static_cast<int>(model.input_mean.size());
  ASSERT_EQ(nin, 3 * kBodies + 6 * kBodies + kPairFeatureCount * kPairs);
  model.network = testutil::RandomEnsemble({nin, 16, 16, 6 * kBodies}, 2, &rng);
  Compile("", model, "augment.safetensors", "augment");
  RunBoth();
}

// replace: a contact model for 400 pairs (410 inputs: a pair's features and its one-hot code),
// the scene excluding each pair's native contact; the network runs for each pair in range
TEST_F(PileTest, ReplaceWithFourHundredPairsStaysFiniteAndAllocatesNothingPerStep) {
  const std::vector<std::pair<int, int>> pairs = NeighbourPairs();
  ModelPtr scene = LoadXml(PileXml(Excludes(pairs)));
  ASSERT_NE(scene, nullptr);
  // forces of tens of mN, torques of a few uN m
  ResidualModel model = testutil::ContactModel(StateLayoutFromModel(scene.get()),
                                               ModelPairs(scene.get(), pairs), 0.05, 20, 0.02f, 0.05f);
  for (int i = 3; i < kWrenchSize; ++i) model.output_std[i] = 2e-6f, model.output_bound[i] = 4e-6f;
  std::mt19937 rng(62);
  const int nin = static_cast<int>(model.input_mean.size());
  ASSERT_EQ(nin, kPairFeatureCount + kPairs);
  model.network = testutil::RandomEnsemble({nin, 16, 16, kWrenchSize}, 1, &rng);
  Compile(Excludes(pairs), model, "replace.safetensors", "replace");
  RunBoth();
}

// among 400 replaced pairs, the one whose native contact the scene still makes is named when
// mjData is made, with the <exclude> to add
TEST_F(PileTest, ReplaceNamesTheOnePairOfFourHundredThatStillCollides) {
  const std::vector<std::pair<int, int>> pairs = NeighbourPairs();
  ModelPtr scene = LoadXml(PileXml(Excludes(pairs)));
  ASSERT_NE(scene, nullptr);
  ResidualModel model = testutil::ContactModel(StateLayoutFromModel(scene.get()),
                                               ModelPairs(scene.get(), pairs), 0.05, 20, 0.05f, 0.1f);
  std::mt19937 rng(63);
  model.network = testutil::RandomEnsemble(
      {static_cast<int>(model.input_mean.size()), 8, kWrenchSize}, 1, &rng);
  const int missing = kPairs - 1;
  ModelPtr hybrid = LoadXml(HybridXml(PileXml(Excludes(pairs, missing)),
                                      SaveResidual(model, "replace.safetensors"), "replace"));
  ASSERT_NE(hybrid, nullptr);
  try {
    mjData* d = mj_makeData(hybrid.get());
    mj_deleteData(d);
    FAIL() << "a replaced pair that still collides natively was accepted";
  } catch (const MujocoError& e) {
    const auto& [a, b] = pairs[missing];
    EXPECT_THAT(e.what(), HasSubstr("geoms '" + Name("g", a) + "' and '" + Name("g", b) +
                                    "' still collide natively"));
    EXPECT_THAT(e.what(), HasSubstr("<contact><exclude body1=\"" + Name("b", a) + "\" body2=\"" +
                                    Name("b", b) + "\"/>"));
  }
}

}  // namespace
}  // namespace mjhybrid
