// System identification (scene/sysid.h) on a system whose true parameters are known: a
// motor-driven pendulum recorded with one joint damping and identified from a model that
// starts at another; and one whose motor lags its command, which sysid gives a lag that its
// sim.xml lacks, while it gives none where the data do not ask for it.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "scene/collect.h"
#include "scene/least_squares.h"
#include "scene/mujoco_util.h"
#include "scene/sysid.h"
#include "tests/scene/pendulum.h"

namespace mjhybrid::scene {
namespace {

namespace fs = std::filesystem;

constexpr double kRealDamping = 0.3;      // N*m*s/rad, what the "real" pendulum has
constexpr double kNominalDamping = 0.08;  // what the datasheet (sim.xml) says

class SysidTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "mjhybrid_sysid_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = (fs::path(dir_) / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
};

// Trajectories of a pendulum with damping D, fitted with a model that says d = D / 3.75 (and
// leaves armature, friction loss, motor gain and mass free to move too), give back D: the
// recorded motion is explained by the true damping and by nothing else, and the multi-step
// error falls to a tiny fraction of the nominal model's. Both pendulums carry the same torsion
// spring, which is not identified: it fixes the scale. Without it, mass (with its inertia),
// motor gain and damping scaled by one common factor give exactly the same motion, and only
// their ratios could be identified.
TEST_F(SysidTest, IdentifiesTheRealJointDamping) {
  const std::string real = Write("real.xml", PendulumXml(kRealDamping));
  const std::string sim = Write("sim.xml", PendulumXml(kNominalDamping));

  CollectOptions collect;
  collect.model_path = real;
  collect.episodes = 4;
  collect.steps = 200;
  collect.seed = 3;
  const TrajectoryDataset data = Collect(collect, false);

  ModelPtr m = LoadModel(sim);
  SysidOptions options;
  options.threads = 2;
  const SysidResult result = Identify(m.get(), data, options);

  const SysidParameter* damping = nullptr;
  for (const SysidParameter& p : result.parameters) {
    if (p.name == "damping hinge") {
      damping = &p;
    } else if (p.nominal > 0) {
      // gain and mass were right in sim.xml already
      EXPECT_NEAR(p.value(), p.nominal, 0.01 * p.nominal) << p.name;
    } else {
      // armature and friction loss: the real pendulum has none
      EXPECT_LT(p.value(), 1e-3 * p.scale) << p.name;
    }
  }
  ASSERT_NE(damping, nullptr) << "no damping parameter for the driven hinge";
  EXPECT_DOUBLE_EQ(damping->nominal, kNominalDamping);
  EXPECT_NEAR(damping->value(), kRealDamping, 0.1 * kRealDamping);
  EXPECT_GT(result.iterations, 0);
  EXPECT_GT(result.initial_cost, 0);
  EXPECT_LT(result.final_cost, 1e-3 * result.initial_cost)
      << "initial " << result.initial_cost << ", final " << result.final_cost;
  // Identify leaves the model it was given alone
  EXPECT_DOUBLE_EQ(m->dof_damping[0], kNominalDamping);
}

// the pendulum, its motor lagging the command by a first-order filter with time constant tau
std::string LaggedPendulumXml(double damping, double tau) {
  std::string xml = PendulumXml(damping);
  const std::string motor = R"(<motor name="motor" joint="hinge" ctrlrange="-3 3"/>)";
  const size_t at = xml.find(motor);
  if (at == std::string::npos) throw std::runtime_error("PendulumXml has no motor");
  return xml.replace(at, motor.size(), R"(<general name="motor" joint="hinge" ctrlrange="-3 3" dyntype="filter" dynprm=")" +
                                           std::to_string(tau) + R"(" actearly="true"/>)");
}

TrajectoryDataset CollectFrom(const std::string& real) {
  CollectOptions collect;
  collect.model_path = real;
  collect.episodes = 4;
  collect.steps = 200;
  collect.seed = 3;
  return Collect(collect, false);
}

const SysidParameter* Find(const std::vector<SysidParameter>& parameters, const std::string& name) {
  for (const SysidParameter& p : parameters) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

TEST_F(SysidTest, GivesALaggingMotorTheLagSimXmlLacks) {
  constexpr double kTau = 0.05;  // five timesteps
  const TrajectoryDataset data = CollectFrom(Write("real.xml", LaggedPendulumXml(kRealDamping, kTau)));
  const std::string sim = Write("sim.xml", PendulumXml(kRealDamping));
  SysidOptions options;
  options.actuator_lag = true;
  const SysidResult result = IdentifyScene(sim, data, options);
  EXPECT_TRUE(result.lag_kept);
  ASSERT_TRUE(result.cost_without_lag.has_value());
  EXPECT_LT(result.final_cost, 0.01 * *result.cost_without_lag);
  const SysidParameter* lag = Find(result.parameters, "lag motor");
  ASSERT_NE(lag, nullptr);
  EXPECT_TRUE(lag->added);
  EXPECT_NEAR(lag->value(), kTau, 0.05 * kTau);
  // the identified MJCF carries the lag as structure: it compiles with an actuator state
  const std::string out = (fs::path(dir_) / "sysid.xml").string();
  Write("sysid.xml", SysidMjcf(sim, result.parameters, out));
  ModelPtr identified = LoadModel(out);
  ASSERT_EQ(identified->na, 1);
  EXPECT_EQ(identified->actuator_dyntype[0], mjDYN_FILTER);
  EXPECT_NEAR(identified->actuator_dynprm[0], lag->value(), 1e-9);
  // and without trying, there is no lag to give
  options.actuator_lag = false;
  const SysidResult plain = IdentifyScene(sim, data, options);
  EXPECT_EQ(Find(plain.parameters, "lag motor"), nullptr);
  EXPECT_GT(plain.final_cost, 10 * result.final_cost);
}

TEST_F(SysidTest, GivesNoLagWhereTheDataDoNotAskForOne) {
  const TrajectoryDataset data = CollectFrom(Write("real.xml", PendulumXml(kRealDamping)));
  const std::string sim = Write("sim.xml", PendulumXml(kNominalDamping));
  SysidOptions options;
  options.actuator_lag = true;
  const SysidResult result = IdentifyScene(sim, data, options);
  EXPECT_FALSE(result.lag_kept);
  ASSERT_TRUE(result.cost_without_lag.has_value());
  EXPECT_EQ(result.final_cost, *result.cost_without_lag);  // the cost of what it returns
  EXPECT_EQ(Find(result.parameters, "lag motor"), nullptr);
  const std::string out = (fs::path(dir_) / "sysid.xml").string();
  Write("sysid.xml", SysidMjcf(sim, result.parameters, out));
  EXPECT_EQ(LoadModel(out)->na, 0);
  const SysidParameter* damping = Find(result.parameters, "damping hinge");
  ASSERT_NE(damping, nullptr);
  EXPECT_NEAR(damping->value(), kRealDamping, 0.1 * kRealDamping);
}

// Masses the fit moved must reach the written MJCF. Where inertia comes from the geoms (and
// inertiafromgeom="true" overrides any <inertial>), a mass written back as a number alone is
// recomputed from the geoms when the file is loaded: the file must carry the identified masses,
// and the other identified values beside them.
TEST_F(SysidTest, WritesTheIdentifiedMassesIntoTheMjcf) {
  std::string xml = PendulumXml(kNominalDamping);
  xml.insert(xml.find("<option"), "<compiler inertiafromgeom=\"true\"/>\n  ");
  const std::string sim = Write("sim.xml", xml);
  ModelPtr m = LoadModel(sim);
  std::vector<SysidParameter> parameters = SysidParameters(m.get());
  SysidParameter *mass = nullptr, *damping = nullptr;
  for (SysidParameter& p : parameters) {
    if (p.name == "mass link") mass = &p;
    if (p.name == "damping hinge") damping = &p;
  }
  ASSERT_NE(mass, nullptr) << "the pendulum's spring fixes the scale: its mass is fitted";
  ASSERT_NE(damping, nullptr);
  mass->theta = std::log(1.5);
  damping->theta = std::log(2.0);
  const std::string out = (fs::path(dir_) / "sysid.xml").string();
  Write("sysid.xml", SysidMjcf(sim, parameters, out));
  ModelPtr identified = LoadModel(out);
  const int b = mj_name2id(m.get(), mjOBJ_BODY, "link");
  ASSERT_GT(b, 0);
  EXPECT_NEAR(identified->body_mass[b], 1.5 * m->body_mass[b], 1e-5 * m->body_mass[b]);
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(identified->body_inertia[3 * b + k], 1.5 * m->body_inertia[3 * b + k], 1e-5 * m->body_inertia[3 * b + k]);
    EXPECT_NEAR(identified->body_ipos[3 * b + k], m->body_ipos[3 * b + k], 1e-6);
  }
  // and the other identified values with them
  EXPECT_NEAR(identified->dof_damping[0], 2 * kNominalDamping, 1e-6);
}

// What sysid writes is what it fitted: the written model scores the fitted error on the
// training windows (to the precision of the MJCF's printed numbers). The real pendulum is 30 %
// heavier than sim.xml says, so the fitted mass must reach the file.
TEST_F(SysidTest, TheWrittenModelScoresWhatTheFitScored) {
  std::string heavy = PendulumXml(kRealDamping);
  heavy.replace(heavy.find("mass=\"1\""), 8, "mass=\"1.3\"");
  const TrajectoryDataset data = CollectFrom(Write("real.xml", heavy));
  const std::string sim = Write("sim.xml", PendulumXml(kNominalDamping));
  SysidOptions options;
  const SysidResult result = IdentifyScene(sim, data, options);
  const SysidParameter* mass = Find(result.parameters, "mass link");
  ASSERT_NE(mass, nullptr);
  EXPECT_NEAR(mass->value(), 1.3, 0.05);
  const std::string out = (fs::path(dir_) / "sysid.xml").string();
  Write("sysid.xml", SysidMjcf(sim, result.parameters, out));
  ModelPtr written = LoadModel(out);
  DataPtr d = MakeData(written.get());
  const WindowResiduals windows(written.get(), data, options.horizon, options.stride, "test");
  EXPECT_NEAR(windows.MeanSquare(written.get(), d.get()), result.final_cost, 1e-3 * result.final_cost + 1e-12);
  EXPECT_LT(result.final_cost, 1e-3 * result.initial_cost);
}

// the real pendulum of the tests below: the nominal one with dry friction at its hinge
constexpr double kRealFrictionLoss = 0.3;  // N*m
std::string StickyPendulumXml() {
  std::string xml = PendulumXml(kNominalDamping);
  const std::string joint = "stiffness=\"2\"";
  xml.replace(xml.find(joint), joint.size(), joint + " frictionloss=\"" + std::to_string(kRealFrictionLoss) + "\"");
  return xml;
}

// The compass polish (SysidOptions::polish_sweeps) goes on from where Levenberg-Marquardt
// stopped, here after one iteration, on one worker (both trials of a coordinate then share
// it): it lowers the fitted error further and moves the friction loss that the real pendulum
// has and sim.xml lacks towards its true value. On this smooth problem one iteration already
// gets close (0.287 N m for 0.3); where the polish matters is rough contact error (hopper,
// README), which no test-sized scene reproduces.
TEST_F(SysidTest, ThePolishGoesOnWhereLevenbergMarquardtStopped) {
  const TrajectoryDataset data = CollectFrom(Write("real.xml", StickyPendulumXml()));
  ModelPtr sim = LoadModel(Write("sim.xml", PendulumXml(kNominalDamping)));
  SysidOptions options;
  options.iterations = 1;
  options.threads = 1;
  const SysidResult plain = Identify(sim.get(), data, options);
  options.polish_sweeps = 6;
  const SysidResult polished = Identify(sim.get(), data, options);

  EXPECT_DOUBLE_EQ(polished.polished_from, plain.final_cost);  // the same Levenberg-Marquardt first
  EXPECT_LT(polished.final_cost, plain.final_cost);
  const double before = Find(plain.parameters, "frictionloss hinge")->value();
  const double after = Find(polished.parameters, "frictionloss hinge")->value();
  EXPECT_LT(std::abs(after - kRealFrictionLoss), std::abs(before - kRealFrictionLoss))
      << "friction loss " << before << " -> " << after;
}

// Rounds: the second identifies the model the first wrote, so its nominal values are the
// first's identified ones; it never ends above where the first stopped, the iterations add up,
// and the file on disk is the last round's model.
TEST_F(SysidTest, ASecondRoundStartsFromTheModelTheFirstWrote) {
  const TrajectoryDataset data = CollectFrom(Write("real.xml", StickyPendulumXml()));
  const std::string sim = Write("sim.xml", PendulumXml(kNominalDamping));
  SysidOptions options;
  options.iterations = 1;
  options.threads = 1;
  const std::string once_path = (fs::path(dir_) / "once.xml").string();
  const SysidResult once = IdentifyAndWrite(sim, data, options, once_path);
  options.rounds = 2;
  const std::string twice_path = (fs::path(dir_) / "twice.xml").string();
  const SysidResult twice = IdentifyAndWrite(sim, data, options, twice_path);

  EXPECT_DOUBLE_EQ(twice.initial_cost, once.initial_cost);  // both start from sim.xml
  EXPECT_LE(twice.final_cost, once.final_cost);
  EXPECT_EQ(twice.iterations, once.iterations + 1);
  EXPECT_DOUBLE_EQ(twice.first_round_cost, once.final_cost);
  const SysidParameter* first = Find(once.parameters, "frictionloss hinge");
  const SysidParameter* second = Find(twice.parameters, "frictionloss hinge");
  ASSERT_TRUE(first && second);
  EXPECT_NEAR(second->nominal, first->value(), 1e-5 * first->value());
  // what is on disk is the last round's model (MJCF keeps 6 significant digits): its friction
  // loss, and its fitted error
  ModelPtr written = LoadModel(twice_path);
  EXPECT_NEAR(written->dof_frictionloss[0], second->value(), 1e-5 * second->value());
  const WindowResiduals windows(written.get(), data, options.horizon, options.stride, "test");
  DataPtr d = MakeData(written.get());
  EXPECT_NEAR(windows.MeanSquare(written.get(), d.get()), twice.final_cost, 1e-3 * twice.final_cost);
}

}  // namespace
}  // namespace mjhybrid::scene
