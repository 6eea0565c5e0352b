// Throughput of the vectorized environment (rl/vec_env.h): environment steps (actions) per
// second of 16 copies, on the nominal and the hybrid world of a scene, with 1 and 2 stepping
// threads. One iteration is one VecEnv::Step of all copies; items/s is environment steps/s.
// Counters: contacts and constraint rows per environment step (after it), actions per episode,
// from 250 untimed steps per copy after the timed ones.
//   build/bin/mjhybrid-bench --benchmark_filter=EnvSteps

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "rl/vec_env.h"

namespace mjhybrid::bench {

namespace {

constexpr int kCopies = 16;
constexpr int kWorkloadSteps = 250;  // per copy, for the workload counters

void BM_EnvSteps(benchmark::State& state, const std::string& scene, const std::string& world) {
  const std::string folder = std::string(MJHYBRID_SOURCE_DIR) + "/scenes/" + scene;
  const int threads = static_cast<int>(state.range(0));
  std::unique_ptr<rl::VecEnv> env = rl::MakeSceneEnv(folder + "/" + world, folder + "/task.json", kCopies, threads, 0);
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> actions(static_cast<size_t>(kCopies) * env->action_size());
  env->Reset();
  for (auto _ : state) {
    for (double& a : actions) a = u(rng);
    env->Step(actions.data());
  }
  state.SetItemsProcessed(state.iterations() * kCopies);
  state.counters["diverged"] = static_cast<double>(env->diverged());

  // the world's workload along its own episodes, in untimed steps after the timed ones: two
  // worlds of one scene differ there when their physics differ (hopper's hybrid stands longer
  // on slippery ground, with the identified friction loss's constraint rows), which steps/s
  // alone does not show
  double contacts = 0, rows = 0, ended = 0;
  for (int s = 0; s < kWorkloadSteps; ++s) {
    for (double& a : actions) a = u(rng);
    env->Step(actions.data());
    for (int i = 0; i < kCopies; ++i) {
      contacts += env->data(i)->ncon;
      rows += env->data(i)->nefc;
      ended += env->terminated()[i] || env->truncated()[i];
    }
  }
  const double steps = static_cast<double>(kWorkloadSteps) * kCopies;
  state.counters["contacts"] = contacts / steps;
  state.counters["rows"] = rows / steps;
  state.counters["episode"] = ended > 0 ? steps / ended : steps;
}

}  // namespace

BENCHMARK_CAPTURE(BM_EnvSteps, arm2/sim, "arm2", "sim.xml")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_EnvSteps, arm2/hybrid, "arm2", "hybrid.xml")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_EnvSteps, push/sim, "push", "sim.xml")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_EnvSteps, push/hybrid, "push", "hybrid.xml")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_EnvSteps, hopper/sim, "hopper", "sim.xml")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_EnvSteps, hopper/hybrid, "hopper", "hybrid.xml")->Arg(1)->Arg(2)->UseRealTime();

}  // namespace mjhybrid::bench
