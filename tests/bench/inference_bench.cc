// Cost of one residual network evaluation outside MuJoCo, on the same random arm2 networks as
// the step benchmarks: the Eigen MLP against the same weights exported to TorchScript (single
// calls as the plugin makes them, and LibTorch batches for tools that evaluate many states),
// plus the pieces around the network in ResidualEvaluator (features, normalizer, output).
// LibTorch runs on one thread (main() sets it), as the plugin's Eigen path does.

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "plugin/core/features.h"
#include "plugin/core/residual_evaluator.h"
#include "tests/bench/bench_models.h"
#ifdef MJHYBRID_HAVE_TORCH
#include "plugin/torch/torchscript_network.h"
#endif

namespace mjhybrid::bench {

namespace {

constexpr int kInputPool = 1024;  // inputs cycled through, so no call sees a constant

std::vector<float> RandomInputs(int size) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> x(static_cast<size_t>(kInputPool) * size);
  for (float& v : x) v = normal(rng);
  return x;
}

void NetworkLoop(benchmark::State& state, const ResidualNetwork& net) {
  const int nin = net.input_size();
  std::vector<float> x = RandomInputs(nin);
  std::vector<float> y(net.output_size());
  float spread = 0;
  auto ws = net.MakeWorkspace();
  int i = 0;
  for (auto _ : state) {
    net.Evaluate(x.data() + i * nin, y.data(), &spread, ws.get());
    benchmark::DoNotOptimize(y.data());
    benchmark::DoNotOptimize(spread);
    i = (i + 1) % kInputPool;
  }
}

void BM_InferenceEigen(benchmark::State& state) {
  std::string error, path = MlpModelPath(static_cast<int>(state.range(0)), &error);
  auto model = path.empty() ? nullptr : Residual(path, &error);
  if (!model) return state.SkipWithError(error.c_str());
  NetworkLoop(state, *model->network);
}

// features + normalizer + network + de-normalize + bound: what the plugin's compute runs
void BM_ResidualCompute(benchmark::State& state) {
  std::string error, path = MlpModelPath(static_cast<int>(state.range(0)), &error);
  auto model = path.empty() ? nullptr : Residual(path, &error);
  if (!model) return state.SkipWithError(error.c_str());
  ResidualEvaluator evaluator(model);
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> uniform(-2, 2);
  std::vector<double> states(kInputPool * 16);
  for (double& v : states) v = uniform(rng);
  double qfrc[2];
  ResidualDiagnostics diagnostics;
  int i = 0;
  for (auto _ : state) {
    // qpos 2, qvel 2, ctrl 2, history 8
    const double* s = states.data() + i * 16;
    evaluator.Compute(s, s + 2, s + 4, s + 6, nullptr, 1.0, qfrc, &diagnostics);
    benchmark::DoNotOptimize(qfrc);
    i = (i + 1) % kInputPool;
  }
}

void BM_Features(benchmark::State& state) {
  std::string error, path = MlpModelPath(32, &error);
  auto model = path.empty() ? nullptr : Residual(path, &error);
  if (!model) return state.SkipWithError(error.c_str());
  std::vector<double> s(16, 0.3), out(model->input_mean.size());
  for (auto _ : state) {
    ComputeFeatures(model->features, model->signature, s.data(), s.data() + 2, s.data() + 4,
                    s.data() + 6, nullptr, out.data());
    benchmark::DoNotOptimize(out.data());
    s[0] += 1e-3;
  }
}

#ifdef MJHYBRID_HAVE_TORCH
void BM_InferenceTorch(benchmark::State& state) {
  std::string error, path = TorchModelPath(static_cast<int>(state.range(0)), &error);
  auto model = path.empty() ? nullptr : Residual(path, &error);
  if (!model) return state.SkipWithError(error.c_str());
  NetworkLoop(state, *model->network);
}

// EvaluateBatch on [B, in]; per_sample is the time per state
void BM_InferenceTorchBatch(benchmark::State& state) {
  std::string error, path = TorchModelPath(static_cast<int>(state.range(0)), &error);
  auto model = path.empty() ? nullptr : Residual(path, &error);
  if (!model) return state.SkipWithError(error.c_str());
  auto* net = dynamic_cast<const TorchScriptNetwork*>(model->network.get());
  if (!net) return state.SkipWithError("not a TorchScript network");
  const int batch = static_cast<int>(state.range(1));
  torch::Tensor x = torch::randn({batch, net->input_size()});
  for (auto _ : state) {
    torch::Tensor y = net->EvaluateBatch(x);
    benchmark::DoNotOptimize(y.data_ptr<float>());
  }
  state.counters["per_sample"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * batch,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
#endif

}  // namespace

BENCHMARK(BM_Features);
BENCHMARK(BM_ResidualCompute)->ArgName("hidden")->Arg(32)->Arg(64)->Arg(128);
BENCHMARK(BM_InferenceEigen)->ArgName("hidden")->Arg(32)->Arg(64)->Arg(128);
#ifdef MJHYBRID_HAVE_TORCH
BENCHMARK(BM_InferenceTorch)->ArgName("hidden")->Arg(32)->Arg(64)->Arg(128);
BENCHMARK(BM_InferenceTorchBatch)
    ->ArgNames({"hidden", "batch"})
    ->ArgsProduct({{32, 64, 128}, {1, 64, 1024}});
#endif

}  // namespace mjhybrid::bench
