// mjhybrid-bench: Google Benchmark programs for the residual's cost (step_bench.cc,
// inference_bench.cc). After the usual table it prints the docs/ARCHITECTURE.md ("Cost") figures,
// computed from this run: hybrid / analytic time per mj_step for every hybrid model, and
// Eigen against LibTorch per network call. With --benchmark_repetitions=N the summary uses the
// medians. Machine-readable output as usual:
//   mjhybrid-bench --benchmark_out=bench.json --benchmark_out_format=json

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/bench/bench_models.h"
#ifdef MJHYBRID_HAVE_TORCH
#include <ATen/Parallel.h>
#endif

namespace mjhybrid::bench {

namespace {

// the console table, plus the figures of every benchmark by (function, arguments)
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type != Run::RT_Iteration && !median) continue;
      const Key key{run.run_name.function_name, run.run_name.args};
      if (!figures_.count(key)) order_.push_back(key);
      labels_[key] = run.report_label;
      Figures& f = figures_[key];
      if (median && !f.median) f = Figures{};  // the median replaces the repetitions' mean
      f.median = median;
      f.count += 1;
      f.sum["ns"] +=
          1e9 * run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
      for (const auto& [name, counter] : run.counters) f.sum[name] += counter.value;
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    // interleaved blocks first: a change in machine load between two separate benchmarks
    // shifts their ratio, while it hits both halves of an interleaved run alike
    std::printf("\nstep overhead, hybrid / analytic wall time per mj_step (arm2, docs/ARCHITECTURE.md bar "
                "<= 1.25)\n  interleaved (BM_StepOverhead):\n");
    for (const auto& [function, args] : order_) {
      if (function != "BM_StepOverhead") continue;
      std::printf("    %-12s %8.1f ns / %8.1f ns = %.3f   (block medians %.3f, fastest blocks "
                  "%.1f / %.1f ns = %.3f; paired %.3f)\n",
                  args.c_str(), Get(function, args, "hybrid_ns"),
                  Get(function, args, "analytic_ns"), Get(function, args, "ratio"),
                  Get(function, args, "ratio_median"), Get(function, args, "hybrid_min_ns"),
                  Get(function, args, "analytic_min_ns"), Get(function, args, "ratio_min"),
                  Get(function, args, "ratio_paired"));
    }
    std::printf("  contact scenes, interleaved (BM_SceneOverhead; bars on push: per-contact <= 1.2, contact params <= 1.3;\n"
                "  paired: both models timed step by step on the hybrid's own states, step_bench.cc)\n");
    for (const auto& [function, args] : order_) {
      if (function != "BM_SceneOverhead") continue;
      std::printf("    %-22s %-24s %8.1f ns / %8.1f ns = %.3f   (fastest blocks %.3f; paired "
                  "%.1f / %.1f ns = %.3f)\n",
                  args.c_str(), labels_[{function, args}].c_str(), Get(function, args, "hybrid_ns"),
                  Get(function, args, "analytic_ns"), Get(function, args, "ratio"),
                  Get(function, args, "ratio_min"), Get(function, args, "paired_hybrid_ns"),
                  Get(function, args, "paired_analytic_ns"), Get(function, args, "ratio_paired"));
    }
    const double analytic = Get("BM_StepAnalytic", "", "ns");
    std::printf("  separate runs (BM_StepHybrid vs BM_StepAnalytic):\n");
    for (const auto& [function, args] : order_) {
      if (analytic <= 0) break;
      if (function != "BM_StepHybrid" && function != "BM_StepHybridTrained") continue;
      const double hybrid = Get(function, args, "ns");
      std::printf("    %-12s %8.1f ns / %8.1f ns = %.3f\n",
                  (args.empty() ? std::string("trained") : args).c_str(), hybrid, analytic,
                  hybrid / analytic);
    }
    std::printf("network call, Eigen vs LibTorch (one state, one thread)\n");
    for (const auto& [function, args] : order_) {
      if (function != "BM_InferenceEigen") continue;
      const double eigen = Get(function, args, "ns"), torch = Get("BM_InferenceTorch", args, "ns");
      if (torch > 0) {
        std::printf("    %-12s Eigen %8.1f ns   LibTorch %8.1f ns   (x%.1f)\n", args.c_str(),
                    eigen, torch, torch / eigen);
      } else {
        std::printf("    %-12s Eigen %8.1f ns\n", args.c_str(), eigen);
      }
    }
    std::fflush(stdout);
  }

 private:
  using Key = std::pair<std::string, std::string>;  // function, arguments
  struct Figures {
    std::map<std::string, double> sum;  // "ns" per iteration, and every counter
    int count = 0;
    bool median = false;
  };

  double Get(const std::string& function, const std::string& args, const char* name) const {
    auto it = figures_.find({function, args});
    if (it == figures_.end() || !it->second.sum.count(name)) return 0;
    return it->second.sum.at(name) / it->second.count;
  }

  std::map<Key, Figures> figures_;
  std::vector<Key> order_;  // as first reported
  std::map<Key, std::string> labels_;
};

}  // namespace

}  // namespace mjhybrid::bench

int main(int argc, char** argv) {
#ifdef MJHYBRID_HAVE_TORCH
  // per-core figures: the Eigen path is single-threaded, and so is one mjData in a rollout
  at::set_num_threads(1);
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  mjhybrid::bench::SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  mjhybrid::bench::CleanUp();
  return 0;
}
