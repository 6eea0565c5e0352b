// Cost of the residual inside mj_step on arm2, the smallest bundled scene: one iteration is one
// mj_step, with the same random controls (held 0.1 s) on the analytic and the hybrid model so
// that both do the same work, and a reset every kEpisodeSteps. docs/ARCHITECTURE.md's overhead is
// hybrid / analytic wall time per step; main() prints it for every hybrid benchmark, and
// BM_StepOverhead measures it interleaved (both models in alternating blocks, so that a
// change in machine load hits both alike).

#include <benchmark/benchmark.h>
#include <mujoco/mujoco.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "tests/bench/bench_models.h"

namespace mjhybrid::bench {

namespace {

void StepLoop(benchmark::State& state, const mjModel* m) {
  mjData* d = mj_makeData(m);
  const std::vector<double> ctrl = ControlSequence(m);
  int t = 0;
  for (auto _ : state) {
    mju_copy(d->ctrl, ctrl.data() + t * m->nu, m->nu);
    mj_step(m, d);
    if (++t == kEpisodeSteps) {
      mj_resetData(m, d);
      t = 0;
    }
  }
  benchmark::DoNotOptimize(d->qpos[0]);
  mj_deleteData(d);
}

void BM_StepAnalytic(benchmark::State& state) {
  std::string error;
  const mjModel* m = SimModel(&error);
  if (!m) return state.SkipWithError(error.c_str());
  StepLoop(state, m);
}

void BM_StepHybrid(benchmark::State& state) {
  std::string error;
  const mjModel* m = HybridModel(static_cast<int>(state.range(0)), &error);
  if (!m) return state.SkipWithError(error.c_str());
  StepLoop(state, m);
}

void BM_StepHybridTrained(benchmark::State& state) {
  std::string error;
  const mjModel* m = HybridModel(kTrained, &error);
  if (!m) return state.SkipWithError(error.c_str());
  StepLoop(state, m);
}

// one iteration = kBlock analytic steps then kBlock hybrid steps, each block timed. Besides
// the means, the counters give the ratio of the block medians and of the block minima: on a
// shared machine other processes stretch some blocks, and the fastest block of each kind is
// the best estimate of the undisturbed cost.
//
// The two blocks follow their own trajectories, which part as soon as the residual acts: under
// contact (push, hopper) the worlds then differ in how many contacts and solver iterations a
// step takes, and the block ratio mixes that with the residual's own cost. So each iteration
// also times kBlock "paired" steps: before each hybrid step, a third mjData of the analytic
// model is set to the hybrid's state (time, qpos, qvel, act, warm start, controls) and steps
// once, timed alone, so that both models are timed on the very same states; the paired ratio
// is the cost of the hybrid step against the analytic step from where the hybrid is.
void Interleaved(benchmark::State& state, const mjModel* sim, const mjModel* hybrid) {
  constexpr int kBlock = 100;
  const mjModel* models[2] = {sim, hybrid};
  mjData* data[2] = {mj_makeData(sim), mj_makeData(hybrid)};
  mjData* shadow = mj_makeData(sim);
  const std::vector<double> ctrl = ControlSequence(sim);
  std::vector<double> blocks[2];
  double paired_ns[2] = {0, 0};
  long paired_steps = 0;
  using Clock = std::chrono::steady_clock;
  const auto ns = [](Clock::time_point a, Clock::time_point b) {
    return 1e9 * std::chrono::duration<double>(b - a).count();
  };
  int t = 0;
  for (auto _ : state) {
    for (int k = 0; k < 2; ++k) {
      const mjModel* m = models[k];
      mjData* d = data[k];
      auto start = Clock::now();
      for (int s = 0; s < kBlock; ++s) {
        mju_copy(d->ctrl, ctrl.data() + (t + s) * m->nu, m->nu);
        mj_step(m, d);
      }
      blocks[k].push_back(ns(start, Clock::now()) / kBlock);
    }
    // the paired steps continue the hybrid's own trajectory, from where its block ended
    mjData* h = data[1];
    for (int s = 0; s < kBlock; ++s) {
      mju_copy(h->ctrl, ctrl.data() + (t + s) * hybrid->nu, hybrid->nu);
      shadow->time = h->time;
      mju_copy(shadow->qpos, h->qpos, sim->nq);
      mju_copy(shadow->qvel, h->qvel, sim->nv);
      mju_copy(shadow->act, h->act, sim->na);
      mju_copy(shadow->qacc_warmstart, h->qacc_warmstart, sim->nv);
      mju_copy(shadow->ctrl, h->ctrl, sim->nu);
      const auto a = Clock::now();
      mj_step(sim, shadow);
      const auto b = Clock::now();
      mj_step(hybrid, h);
      const auto c = Clock::now();
      paired_ns[0] += ns(a, b);
      paired_ns[1] += ns(b, c);
    }
    paired_steps += kBlock;
    t += kBlock;
    if (t == kEpisodeSteps) {
      for (int k = 0; k < 2; ++k) mj_resetData(models[k], data[k]);
      t = 0;
    }
  }
  double mean[2], median[2], min[2];
  for (int k = 0; k < 2; ++k) {
    std::vector<double>& b = blocks[k];
    mean[k] = std::accumulate(b.begin(), b.end(), 0.0) / b.size();
    std::nth_element(b.begin(), b.begin() + b.size() / 2, b.end());
    median[k] = b[b.size() / 2];
    min[k] = *std::min_element(b.begin(), b.end());
  }
  state.counters["analytic_ns"] = mean[0];
  state.counters["hybrid_ns"] = mean[1];
  state.counters["ratio"] = mean[1] / mean[0];
  state.counters["ratio_median"] = median[1] / median[0];
  state.counters["analytic_min_ns"] = min[0];
  state.counters["hybrid_min_ns"] = min[1];
  state.counters["ratio_min"] = min[1] / min[0];
  state.counters["paired_analytic_ns"] = paired_ns[0] / paired_steps;
  state.counters["paired_hybrid_ns"] = paired_ns[1] / paired_steps;
  state.counters["ratio_paired"] = paired_ns[1] / paired_ns[0];
  for (mjData* d : data) mj_deleteData(d);
  mj_deleteData(shadow);
}

void BM_StepOverhead(benchmark::State& state) {
  std::string error;
  const mjModel* sim = SimModel(&error);
  const mjModel* hybrid = sim ? HybridModel(static_cast<int>(state.range(0)), &error) : nullptr;
  if (!hybrid) return state.SkipWithError(error.c_str());
  Interleaved(state, sim, hybrid);
}

// the shipped contact scenes: sim.xml against the shipped hybrid (hybrid.xml: contact parameters
// and the whole-state residual, mode augment; on hopper on its identified model), the per-contact model
// (hybrid-replace.xml, mode replace) and the contact parameters alone (hybrid-params.xml), from
// the scenes' reference state under the same random controls. Variant 3 is hybrid-params.xml
// without its explicit pairs: the plugin rewrites every contact and rebuilds the rows (what
// attach --no-native-pairs writes; docs/CONTACT.md). Variant 4 is hopper's identified model
// alone (the model its hybrid.xml builds on: sysid-contact.xml where the scene ran contact rounds,
// else sysid.xml): what the identified parameters cost (joint friction loss adds constraint rows)
// apart from what the plugin costs
const char* const kScenes[] = {"push", "toss", "hopper"};
const char* const kHybridFiles[] = {"hybrid.xml", "hybrid-replace.xml", "hybrid-params.xml", "hybrid-params.xml",
                                    "sysid.xml"};
const char* const kHybridLabels[] = {" shipped hybrid", " per-contact", " contact params", " params by rewrite",
                                     " identified model"};

void BM_SceneOverhead(benchmark::State& state) {
  const std::string dir = std::string(MJHYBRID_SOURCE_DIR) + "/scenes/" + kScenes[state.range(0)];
  std::string error;
  const mjModel* sim = SceneModel(dir + "/sim.xml", &error);
  std::string file = dir + "/" + kHybridFiles[state.range(1)];
  if (state.range(1) == 4 && std::filesystem::exists(dir + "/sysid-contact.xml")) file = dir + "/sysid-contact.xml";
  const mjModel* hybrid = !sim                ? nullptr
                          : state.range(1) == 3 ? SceneModelWithoutPairs(file, &error)
                                                : SceneModel(file, &error);
  if (!hybrid) return state.SkipWithError(error.c_str());
  state.SetLabel(std::string(kScenes[state.range(0)]) + kHybridLabels[state.range(1)]);
  Interleaved(state, sim, hybrid);
}

static_assert(kEpisodeSteps % 100 == 0, "BM_StepOverhead's blocks must tile an episode");

}  // namespace

BENCHMARK(BM_StepAnalytic);
BENCHMARK(BM_StepHybrid)->ArgName("hidden")->Arg(32)->Arg(64)->Arg(128);
BENCHMARK(BM_StepHybridTrained);
// hidden 0 = the shipped models/arm2/residual.safetensors
BENCHMARK(BM_StepOverhead)->ArgName("hidden")->Arg(kTrained)->Arg(32)->Arg(64)->Arg(128);
BENCHMARK(BM_SceneOverhead)->ArgNames({"scene", "hybrid"})
    ->Args({0, 0})->Args({0, 1})->Args({0, 2})->Args({0, 3})
    ->Args({1, 0})->Args({1, 2})->Args({1, 3})
    ->Args({2, 0})->Args({2, 2})->Args({2, 4});

}  // namespace mjhybrid::bench
