// Tasks, the vectorized environment, policies, PPO and MPC on the shipped scenes: real MuJoCo,
// the real plugin and the shipped residual models, real task.json files and broken copies.

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "scene/mujoco_util.h"
#include "rl/mpc.h"
#include "rl/policy.h"
#include "rl/ppo.h"
#include "rl/randomize.h"
#include "rl/task.h"
#include "rl/thread_pool.h"
#include "rl/vec_env.h"

namespace mjhybrid::rl {

using scene::LoadModel;
using scene::MakeData;
namespace {

namespace fs = std::filesystem;

const std::string kRoot = MJHYBRID_SOURCE_DIR;
const std::string kArm2 = kRoot + "/scenes/arm2";

class RlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() /
           ("mjhybrid-rl-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }

  std::string Write(const std::string& name, const std::string& text) {
    const fs::path p = tmp_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

  // the error line a bad task file gets, "" when it loads and binds to arm2's sim.xml
  std::string TaskError(const std::string& json) {
    try {
      TaskSpec spec = LoadTaskSpec(Write("task.json", json));
      ModelPtr m = LoadModel(kArm2 + "/sim.xml");
      Task task(spec, m.get());
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }

  fs::path tmp_;
};

std::unique_ptr<VecEnv> Arm2Env(const std::string& world, int n, int threads, uint64_t seed) {
  return MakeSceneEnv(kArm2 + "/" + world, kArm2 + "/task.json", n, threads, seed);
}

// a fixed sequence of pseudo-random actions in [-1, 1]
std::vector<double> Actions(int steps, int n, int nu, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> a(static_cast<size_t>(steps) * n * nu);
  for (double& x : a) x = u(rng);
  return a;
}

TEST_F(RlTest, TheShippedTasksLoadAndBindToEveryWorld) {
  for (const char* scene : {"arm2", "push", "hopper"}) {
    const std::string folder = kRoot + "/scenes/" + scene;
    const TaskSpec spec = LoadTaskSpec(TaskPathOfScene(folder));
    for (const char* world : {"sim.xml", "hybrid.xml", "real.xml"}) {
      SCOPED_TRACE(std::string(scene) + "/" + world);
      ModelPtr m = LoadModel(folder + "/" + world);
      Task task(spec, m.get());
      EXPECT_EQ(task.action_size(), m->nu);
      EXPECT_NEAR(task.substeps() * m->opt.timestep, spec.control_dt, 1e-12);
    }
  }
  EXPECT_EQ(TaskPathOfScene(kRoot + "/scenes/toss"), "");
}

// the reset grammar is scene.json's (scene/episode_start.h): one placement for every free
// joint may set it down higher and throw it, which a task's reset then does
TEST_F(RlTest, AResetPlacesAndThrowsEveryFreeJointAsTheSharedGrammarSays) {
  const TaskSpec spec = LoadTaskSpec(Write("task.json", R"({"task": "t", "control_dt": 0.04, "horizon": 5,
      "reset": {"free": {"xy": [0.01, 0.02], "z": [0.003, 0.004], "vel": 0.5}},
      "reward": [{"term": "alive", "weight": 1}]})"));
  ModelPtr m = LoadModel(kRoot + "/scenes/push/sim.xml");
  DataPtr d = MakeData(m.get());
  Task task(spec, m.get());
  const int object = mj_name2id(m.get(), mjOBJ_JOINT, "object");
  const int q = m->jnt_qposadr[object], v = m->jnt_dofadr[object];
  EnvRng rng(4);
  for (int e = 0; e < 10; ++e) {
    task.Reset(m.get(), d.get(), &rng);
    EXPECT_GE(d->qpos[q] - m->qpos0[q], 0.01 - 1e-12);
    EXPECT_LE(d->qpos[q] - m->qpos0[q], 0.02 + 1e-12);
    EXPECT_GE(d->qpos[q + 2] - m->qpos0[q + 2], 0.003 - 1e-12);
    EXPECT_LE(d->qpos[q + 2] - m->qpos0[q + 2], 0.004 + 1e-12);
    EXPECT_NE(d->qvel[v], 0) << "thrown with vel 0.5";
    EXPECT_EQ(d->qvel[v + 3], 0) << "no angvel given";
  }
}

TEST_F(RlTest, BadTaskFilesGetOneLineNamingTheKey) {
  const std::string ok = R"({"task": "t", "control_dt": 0.02, "horizon": 10,
                             "reward": [{"term": "distance", "site": "tip", "goal": [0, 0, 0], "weight": -1}]})";
  EXPECT_EQ(TaskError(ok), "");
  const std::pair<std::string, std::string> cases[] = {
      {R"({"task": "t", "control_dt": 0.02, "horizon": 10, "rewards": []})", "unknown key 'rewards'"},
      {R"({"task": "t", "control_dt": 0.02, "reward": [{"term": "alive", "weight": 1}]})", "horizon"},
      {R"({"task": "t", "control_dt": 0.021, "horizon": 5, "reward": [{"term": "alive", "weight": 1}]})",
       "whole number"},
      {R"({"task": "t", "control_dt": 0.02, "horizon": 5, "reward": [{"term": "speed", "weight": 1}]})",
       "valid terms"},
      {R"({"task": "t", "control_dt": 0.02, "horizon": 5,
           "reward": [{"term": "distance", "site": "nose", "goal": [0, 0, 0], "weight": 1}]})", "site 'nose'"},
      {R"({"task": "t", "control_dt": 0.02, "horizon": 5, "reset": {"joints": {"shoulder": [1, 0]}},
           "reward": [{"term": "alive", "weight": 1}]})", "empty range"},
      {R"({"task": "t", "control_dt": 0.02, "horizon": 5, "reward": [{"term": "ctrl", "weight": 1, "axes": "x"}]})",
       "unknown key 'axes'"},
      {R"({"task": "t", "control_dt": 0.02, "horizon": 5, "terminate": {"wrist": [0, 1]},
           "reward": [{"term": "alive", "weight": 1}]})", "joint 'wrist'"},
      {"{not json", "not valid JSON"},
  };
  for (const auto& [json, expected] : cases) {
    const std::string error = TaskError(json);
    EXPECT_NE(error.find(expected), std::string::npos) << json << "\n -> " << error;
    EXPECT_NE(error.find("task.json"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST_F(RlTest, ObservationAndRewardFollowTheTaskFile) {
  std::unique_ptr<VecEnv> env = Arm2Env("sim.xml", 1, 1, 3);
  const mjModel* m = env->model();
  env->Reset();
  const double action[2] = {0.4, -2.0};  // the second is clipped to -1
  env->Step(action);
  const mjData* d = env->data(0);
  const std::vector<double>& obs = env->observation();
  ASSERT_EQ(env->observation_size(), 2 + 2 + 2);
  EXPECT_EQ(obs[0], d->qpos[0]);
  EXPECT_EQ(obs[3], d->qvel[1]);
  const int tip = mj_name2id(m, mjOBJ_SITE, "tip");
  const double dx = 0.3 - d->site_xpos[3 * tip], dz = 0.3 - d->site_xpos[3 * tip + 2];
  EXPECT_DOUBLE_EQ(obs[4], dx);
  EXPECT_DOUBLE_EQ(obs[5], dz);
  EXPECT_NEAR(env->reward()[0], -std::hypot(dx, dz) - 0.01 * (0.4 * 0.4 + 1.0), 1e-12);
  // the action maps onto ctrlrange: 0.4 of [-3, 3] is 1.2, the clipped -1 is the low end
  EXPECT_NEAR(d->ctrl[0], 1.2, 1e-12);
  EXPECT_EQ(d->ctrl[1], m->actuator_ctrlrange[2]);
}

TEST_F(RlTest, EpisodesTruncateAtTheHorizonAndHopperTerminatesWhenItFalls) {
  std::unique_ptr<VecEnv> arm = Arm2Env("sim.xml", 2, 1, 0);
  arm->Reset();
  const std::vector<double> zero(4, 0.0);
  for (int t = 1; t <= 100; ++t) {
    arm->Step(zero.data());
    EXPECT_EQ(arm->truncated()[0], t == 100) << t;
    EXPECT_FALSE(arm->terminated()[0]);
  }
  std::unique_ptr<VecEnv> hopper =
      MakeSceneEnv(kRoot + "/scenes/hopper/sim.xml", kRoot + "/scenes/hopper/task.json", 1, 1, 0);
  hopper->Reset();
  const std::vector<double> push(3, 1.0);
  int t = 0;
  while (!hopper->terminated()[0] && t < 1000) {
    hopper->Step(push.data());
    ++t;
  }
  EXPECT_TRUE(hopper->terminated()[0]) << "full torque on every joint topples the hopper";
  EXPECT_LT(t, 300);
}

TEST_F(RlTest, ResultsDoNotDependOnTheThreadCount) {
  const std::vector<double> actions = Actions(60, 6, 2, 5);
  std::vector<std::vector<double>> observations;
  for (int threads : {1, 2, 3}) {
    std::unique_ptr<VecEnv> env = Arm2Env("hybrid.xml", 6, threads, 11);
    env->Reset();
    for (int t = 0; t < 60; ++t) env->Step(actions.data() + t * 12);
    observations.push_back(env->observation());
  }
  EXPECT_EQ(observations[0], observations[1]);
  EXPECT_EQ(observations[0], observations[2]);
  // and the copies start from their own random states
  EXPECT_NE(observations[0][0], observations[0][6]);
}

TEST_F(RlTest, TheHybridWorldRunsTheResidualInsideTheEnvironment) {
  const std::vector<double> actions = Actions(50, 1, 2, 2);
  std::vector<double> final_state[2];
  int k = 0;
  for (const char* world : {"sim.xml", "hybrid.xml"}) {
    std::unique_ptr<VecEnv> env = Arm2Env(world, 1, 1, 4);
    env->Reset();
    for (int t = 0; t < 50; ++t) env->Step(actions.data() + 2 * t);
    final_state[k++] = env->observation();
    EXPECT_EQ(env->diverged(), 0);
  }
  EXPECT_GT(std::abs(final_state[0][0] - final_state[1][0]), 1e-3) << "the residual changed nothing";
}

int warnings_seen = 0;
void CountWarning(const char*) { ++warnings_seen; }

TEST_F(RlTest, ADivergingSimulationEndsItsEpisodeAndIsCounted) {
  // MuJoCo's instability warning is expected here: counted, not printed or logged to a file
  warnings_seen = 0;
  mju_user_warning = CountWarning;
  // an explicit spring far too stiff for the timestep: the state blows up within a few steps
  const std::string xml = Write("stiff.xml", R"(<mujoco>
    <option timestep="0.01" integrator="Euler"/>
    <worldbody><body><joint name="j" type="slide" stiffness="1e9" damping="0"/>
      <geom type="sphere" size="0.1" mass="0.001"/></body></worldbody>
    <actuator><motor joint="j" ctrlrange="-1 1"/></actuator></mujoco>)");
  const std::string task = Write("task.json", R"({"task": "hold", "control_dt": 0.01, "horizon": 50,
      "reset": {"joints": {"j": [0.5, 0.5]}}, "reward": [{"term": "alive", "weight": 1}]})");
  std::unique_ptr<VecEnv> env = MakeSceneEnv(xml, task, 1, 1, 0);
  env->Reset();
  const double a = 0;
  bool ended = false;
  for (int t = 0; t < 50 && !ended; ++t) {
    env->Step(&a);
    ended = env->terminated()[0];
  }
  EXPECT_TRUE(ended);
  EXPECT_EQ(env->diverged(), 1);
  EXPECT_GE(warnings_seen, 1);
  mju_user_warning = nullptr;
  for (double x : env->observation()) EXPECT_TRUE(std::isfinite(x)) << "the copy was reset";
}

TEST_F(RlTest, ThePoolRunsEveryIndexOnce) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    for (int n : {0, 1, 3, 17, 64}) {
      std::vector<std::atomic<int>> hits(n);
      for (int repeat = 0; repeat < 20; ++repeat) pool.ParallelFor(n, [&](int i) { ++hits[i]; });
      for (int i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 20) << threads << " threads, n " << n;
    }
  }
}

TEST_F(RlTest, RandomizedModelsDifferAndKeepTheLayout) {
  ModelPtr sim = LoadModel(kArm2 + "/sim.xml");
  std::vector<ModelPtr> models = RandomizedModels(sim.get(), 3, 2.0, 7);
  ASSERT_EQ(models.size(), 3u);
  for (const ModelPtr& m : models) {
    EXPECT_EQ(m->nq, sim->nq);
    const double ratio = m->dof_damping[0] / sim->dof_damping[0];
    EXPECT_GE(ratio, 0.5 - 1e-12);
    EXPECT_LE(ratio, 2.0 + 1e-12);
  }
  EXPECT_NE(models[0]->dof_damping[0], models[1]->dof_damping[0]);
  EXPECT_NE(models[0]->body_mass[1], sim->body_mass[1]);
}

TEST_F(RlTest, PoliciesRoundTripAndRefuseAnotherSceneOrABadObservation) {
  const PolicySignature arm2{"arm2", "reach", 6, 2};
  Policy p = MakePolicy(arm2, {16, 16}, 3);
  const std::string path = (tmp_ / "p.pt").string();
  SavePolicy(p, path);
  Policy q = LoadPolicy(path, arm2);
  const double obs[6] = {0.1, -0.2, 0.3, 0.0, 0.5, -0.5};
  double a[2], b[2];
  p.Act(obs, a);
  q.Act(obs, b);
  EXPECT_EQ(a[0], b[0]);
  EXPECT_EQ(a[1], b[1]);

  const auto error = [&](const PolicySignature& expected, const std::string& file) -> std::string {
    try {
      LoadPolicy(file, expected);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error({"push", "push-to-goal", 0, 0}, path).find("trained for scene 'arm2', not 'push'"), std::string::npos);
  EXPECT_NE(error({"arm2", "swing", 0, 0}, path).find("task 'reach'"), std::string::npos);
  EXPECT_NE(error({"arm2", "reach", 7, 2}, path).find("sizes"), std::string::npos);
  EXPECT_NE(error(arm2, Write("junk.pt", "not a checkpoint")).find("not an mjhybrid policy"), std::string::npos);
  EXPECT_NE(error(arm2, (tmp_ / "none.pt").string()).find("not found"), std::string::npos);

  double bad[6] = {0.1, NAN, 0, 0, 0, 0};
  try {
    p.Act(bad, a);
    ADD_FAILURE() << "a NaN observation was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("observation 1 is not finite"), std::string::npos) << e.what();
  }
}

TEST_F(RlTest, AFewSecondsOfPpoImproveTheReturn) {
  std::unique_ptr<VecEnv> env = Arm2Env("sim.xml", 8, 1, 0);
  std::unique_ptr<VecEnv> scoring = Arm2Env("sim.xml", 8, 1, 100);
  const PolicySignature signature{"arm2", "reach", env->observation_size(), env->action_size()};
  const auto score = [&](Policy* p) { return Summarize(RunEpisodes(scoring.get(), PolicyController(p))); };
  PpoOptions o;
  o.total_steps = 24'000;
  o.rollout = 32;
  o.progress = false;
  Policy untrained = MakePolicy(signature, o.hidden, o.seed);
  const double before = score(&untrained).mean;
  PpoResult r = TrainPpo(env.get(), signature, o, score);
  ASSERT_FALSE(r.curve.empty());
  const double after = r.curve.back().score.mean;
  EXPECT_GT(after, before + 10) << "before " << before << ", after " << after;
  EXPECT_GE(r.curve.back().steps, 23'000);
}

TEST_F(RlTest, MpcPlansBetterThanDoingNothing) {
  ModelPtr planner_model = LoadModel(kArm2 + "/hybrid.xml");
  MpcOptions o;
  o.horizon = 15;
  o.samples = 16;
  PredictiveSampling planner(planner_model.get(), LoadTaskSpec(kArm2 + "/task.json"), o);
  std::unique_ptr<VecEnv> real = Arm2Env("real.xml", 1, 1, 9);
  const double mpc = RunEpisodes(real.get(), [&](const VecEnv& env, const double*, double* action) {
                       planner.Act(env.data(0)->qpos, env.data(0)->qvel, action);
                     }).front();
  const double idle = RunEpisodes(real.get(), [](const VecEnv&, const double*, double* action) {
                        action[0] = action[1] = 0;
                      }).front();
  EXPECT_GT(mpc, idle + 30) << "mpc " << mpc << ", idle " << idle;
}

}  // namespace
}  // namespace mjhybrid::rl
