// Parallel equals serial for the vectorized environment: VecEnv on every shipped scene with a
// task (arm2, push, hopper), in its nominal world (sim.xml) and its hybrid one (hybrid.xml, the
// residual plugin inside mj_step), stepped on 1, 2 and 4 threads from the same seed under the
// same pseudo-random actions. Observations, final observations, rewards, terminations,
// truncations and the residual's disagreement must be bit for bit the same: each environment
// has its own random stream and its own mjData, so the thread count must not show.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "rl/task.h"
#include "rl/vec_env.h"

namespace mjhybrid::rl {
namespace {

const std::string kRoot = MJHYBRID_SOURCE_DIR;
constexpr int kEnvs = 7;  // not a multiple of 2 or 4: the threads' blocks differ in size
constexpr int kSteps = 300;
constexpr uint64_t kSeed = 17;

// everything Step() reports, after every step
struct Record {
  std::vector<double> obs, final_obs, reward, disagreement;
  std::vector<uint8_t> terminated, truncated;
  long diverged = 0, dones = 0;
};

Record RunEnv(const std::string& scene, const std::string& world, int threads) {
  const std::string folder = kRoot + "/scenes/" + scene;
  std::unique_ptr<VecEnv> env =
      MakeSceneEnv(folder + "/" + world, TaskPathOfScene(folder), kEnvs, threads, kSeed);
  const int nu = env->action_size();
  // the same actions for every thread count: a fixed stream, drawn in step order
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> uniform(-1, 1);
  std::vector<double> actions(static_cast<size_t>(kEnvs) * nu);
  Record r;
  const std::vector<double>& first = env->Reset();
  r.obs = first;
  for (int t = 0; t < kSteps; ++t) {
    for (double& a : actions) a = uniform(rng);
    env->Step(actions.data());
    auto append = [](auto* to, const auto& from) { to->insert(to->end(), from.begin(), from.end()); };
    append(&r.obs, env->observation());
    append(&r.final_obs, env->final_observation());
    append(&r.reward, env->reward());
    append(&r.disagreement, env->disagreement());
    append(&r.terminated, env->terminated());
    append(&r.truncated, env->truncated());
    for (int i = 0; i < kEnvs; ++i) r.dones += env->terminated()[i] || env->truncated()[i];
  }
  r.diverged = env->diverged();
  return r;
}

// "" when a and b hold the same bits; else where they first differ: the step (record k is
// after step k + first_step), the environment and the element within its row
template <typename T>
std::string FirstDifference(const std::vector<T>& a, const std::vector<T>& b, size_t per_step,
                            int first_step = 1) {
  if (a.size() != b.size()) return "sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size());
  const size_t per_env = per_step / kEnvs;
  for (size_t k = 0; k < a.size(); ++k) {
    if (std::memcmp(&a[k], &b[k], sizeof(T)) != 0) {
      std::ostringstream out;
      out.precision(17);
      out << "step " << k / per_step + first_step << " (0 is the reset), env " << k % per_step / per_env
          << ", element " << k % per_env << ": " << +a[k] << " vs " << +b[k];
      return out.str();
    }
  }
  return "";
}

class VecEnvParallelTest : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(VecEnvParallelTest, OneTwoAndFourThreadsGiveTheSameBits) {
  const auto [scene, world] = GetParam();
  const Record serial = RunEnv(scene, world, 1);
  // the run covers episode ends and resets, and the copies differ from each other
  EXPECT_GT(serial.dones, 0) << "no episode ended in " << kSteps << " steps";
  const size_t no = serial.obs.size() / (kSteps + 1);
  EXPECT_NE(std::memcmp(serial.obs.data(), serial.obs.data() + no / kEnvs, no / kEnvs * sizeof(double)), 0)
      << "environments 0 and 1 start alike";
  for (int threads : {2, 4}) {
    SCOPED_TRACE(std::to_string(threads) + " threads against 1");
    const Record parallel = RunEnv(scene, world, threads);
    EXPECT_EQ(FirstDifference(parallel.obs, serial.obs, no, 0), "") << "observation";
    EXPECT_EQ(FirstDifference(parallel.final_obs, serial.final_obs, no), "") << "final observation";
    EXPECT_EQ(FirstDifference(parallel.reward, serial.reward, kEnvs), "") << "reward";
    EXPECT_EQ(FirstDifference(parallel.disagreement, serial.disagreement, kEnvs), "") << "disagreement";
    EXPECT_EQ(FirstDifference(parallel.terminated, serial.terminated, kEnvs), "") << "terminated";
    EXPECT_EQ(FirstDifference(parallel.truncated, serial.truncated, kEnvs), "") << "truncated";
    EXPECT_EQ(parallel.diverged, serial.diverged);
    // and, plainly, as doubles (EXPECT_EQ: bit for bit up to the sign of zero)
    EXPECT_EQ(parallel.obs, serial.obs);
    EXPECT_EQ(parallel.reward, serial.reward);
  }
}

INSTANTIATE_TEST_SUITE_P(
    ShippedTasks, VecEnvParallelTest,
    ::testing::Values(std::pair{"arm2", "sim.xml"}, std::pair{"arm2", "hybrid.xml"}, std::pair{"push", "sim.xml"},
                      std::pair{"push", "hybrid.xml"}, std::pair{"hopper", "sim.xml"},
                      std::pair{"hopper", "hybrid.xml"}),
    [](const auto& info) {
      std::string name = std::string(info.param.first) + "_" + info.param.second;
      return name.substr(0, name.size() - 4);  // arm2_sim, arm2_hybrid, ...
    });

// every scene with a task is covered above
TEST(VecEnvParallelScenes, EveryShippedTaskIsCovered) {
  for (const char* scene : {"arm2", "push", "hopper"}) {
    EXPECT_NE(TaskPathOfScene(kRoot + "/scenes/" + scene), "") << scene;
  }
  EXPECT_EQ(TaskPathOfScene(kRoot + "/scenes/toss"), "") << "toss has a task now: add it to ShippedTasks";
}

}  // namespace
}  // namespace mjhybrid::rl
