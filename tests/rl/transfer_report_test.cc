// The transfer study's scoring and files (rl/transfer_report.h) from hand-made method results:
// the normalized score and return ratio, the CSV rows, the table and transfer.json.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "rl/transfer_report.h"

namespace mjhybrid::rl {
namespace {

MethodResult Result(const std::string& method, const std::string& trained_on, std::vector<double> returns,
                    std::vector<uint64_t> seeds, std::vector<double> seed_means, double seconds, long diverged) {
  MethodResult r;
  r.method = method;
  r.trained_on = trained_on;
  r.returns = std::move(returns);
  r.seeds = std::move(seeds);
  r.seed_means = std::move(seed_means);
  r.seconds = seconds;
  r.diverged = diverged;
  return r;
}

TEST(TransferReport, TheScoreIsZeroForDoingNothingAndOneHundredForTheOracle) {
  EXPECT_EQ(NormalizedScore(-40, -90, -40), 100);
  EXPECT_EQ(NormalizedScore(-90, -90, -40), 0);
  EXPECT_EQ(NormalizedScore(-65, -90, -40), 50);
  EXPECT_EQ(NormalizedScore(-30, -90, -40), 120) << "better than the oracle";
  EXPECT_EQ(NormalizedScore(30, 10, 20), 200) << "rewards";
  EXPECT_TRUE(std::isnan(NormalizedScore(-65, -90, -90))) << "an oracle no better than doing nothing";
}

TEST(TransferReport, TheReturnRatioComparesWithTheOracleOnItsSideOfZero) {
  EXPECT_EQ(ReturnRatio(50, 100), 50) << "rewards: return / oracle";
  EXPECT_EQ(ReturnRatio(-80, -40), 50) << "costs: oracle / return";
  EXPECT_EQ(ReturnRatio(-40, -40), 100);
  EXPECT_TRUE(std::isnan(ReturnRatio(10, -40))) << "either side of zero";
  EXPECT_TRUE(std::isnan(ReturnRatio(-10, 40))) << "either side of zero";
  EXPECT_TRUE(std::isnan(ReturnRatio(0, -40))) << "a cost ratio over a zero return";
  EXPECT_TRUE(std::isnan(ReturnRatio(-10, 0))) << "an oracle returning 0";
}

TEST(TransferReport, ReturnRowsNumberEpisodesWithinEachSeed) {
  const MethodResult r = Result("hybrid", "hybrid.xml", {-1.5, -2, -3.25}, {0, 0, 5}, {-1.75, -3.25}, 1, 0);
  EXPECT_EQ(ReturnsCsvRows(r), "hybrid,0,0,-1.5\nhybrid,0,1,-2\nhybrid,5,0,-3.25\n");
  EXPECT_EQ(std::string(kReturnsCsvHeader), "method,seed,episode,real_return\n");
}

TEST(TransferReport, CurveRowsHoldOnePointEach) {
  const std::vector<CurvePoint> curve = {{100, {-5.5, 0.25, 2}}, {200, {-4, 0.5, 2}}};
  EXPECT_EQ(CurveCsvRows("nominal", 3, curve), "nominal,3,100,-5.5,0.25\nnominal,3,200,-4,0.5\n");
  EXPECT_EQ(std::string(kCurvesCsvHeader), "method,seed,steps,real_return,real_return_std\n");
}

TransferOptions TwoSeeds() {
  TransferOptions o;
  o.ppo.total_steps = 2048;
  o.seeds = {0, 5};
  o.eval_episodes = 2;
  o.mpc_episodes = 1;
  return o;
}

// idle -90, oracle -40. nominal: mean -65, population std sqrt(125) = 11.18, seed means -75
// and -55 (std 10), score 100 * 25 / 50 = 50 %, ratio -40 / -65 = 61.54 %. mpc-hybrid: -30,
// score 100 * 60 / 50 = 120 %, ratio -40 / -30 = 133.3 %.
TEST(TransferReport, TheSummaryHasOneRowPerMethodScoredAgainstTheOracle) {
  const std::vector<MethodResult> results = {
      Result("nominal", "sim.xml", {-80, -70, -60, -50}, {0, 0, 5, 5}, {-75, -55}, 3.4, 1),
      Result("oracle", "real.xml", {-40, -40}, {0, 5}, {-40, -40}, 2, 0),
      Result("mpc-hybrid", "hybrid.xml (planner)", {-30}, {0}, {-30}, 0.4, 0)};
  const TransferSummary s = SummarizeTransfer(TwoSeeds(), "arm2", "reach", -90, results, 12.7);
  EXPECT_EQ(s.table,
            "Transfer on `arm2` (task reach): PPO 2048 environment steps per seed, seeds 0 5; every score is the "
            "mean return of 2 real.xml episodes (MPC: 1); 12 s in all.\n\n"
            "| method | trained / planned on | real return | std | per-seed means | score | return ratio | time (s) |\n"
            "|---|---|---|---|---|---|---|---|\n"
            "| nominal | sim.xml | -65 | 11.18 | -75, -55 | 50 % | 61.54 % | 3 |\n"
            "| oracle | real.xml | -40 | 0 | -40, -40 | 100 % | 100 % | 2 |\n"
            "| mpc-hybrid | hybrid.xml (planner) | -30 | 0 | -30 | 120 % | 133.3 % | 0 |\n"
            "\nscore: 0 % is doing nothing (zero actions, return -90), 100 % the oracle. return ratio: return / "
            "oracle's return for rewards, oracle's / return for costs (negative returns).\n");

  const nlohmann::json& nominal = s.json["methods"]["nominal"];
  EXPECT_EQ(nominal["real_return"], -65.0);
  EXPECT_DOUBLE_EQ(nominal["real_return_std"].get<double>(), std::sqrt(125.0));
  EXPECT_EQ(nominal["score"], 50.0);
  EXPECT_EQ(nominal["seed_means"], nlohmann::json({-75.0, -55.0}));
  EXPECT_EQ(nominal["seed_std"], 10.0);
  EXPECT_EQ(nominal["episodes"], 4);
  EXPECT_EQ(nominal["trained_on"], "sim.xml");
  EXPECT_EQ(nominal["seconds"], 3.4);
  EXPECT_EQ(nominal["diverged_training_episodes"], 1);
  EXPECT_EQ(s.json["methods"]["oracle"]["score"], 100.0);
  EXPECT_EQ(s.json["methods"]["mpc-hybrid"]["score"], 120.0);
  EXPECT_EQ(s.json["idle_return"], -90.0);
  EXPECT_EQ(s.json["scene"], "arm2");
  EXPECT_EQ(s.json["task"], "reach");
  EXPECT_EQ(s.json["seconds"], 12.7);
  EXPECT_EQ(s.json["config"]["steps"], 2048);
  EXPECT_EQ(s.json["config"]["seeds"], nlohmann::json({0, 5}));
  EXPECT_FALSE(s.json.contains("versions")) << "the caller's";
  EXPECT_FALSE(s.json.contains("git")) << "the caller's";
}

TEST(TransferReport, WithoutAnOracleThereIsNoScoreNorRatio) {
  const std::vector<MethodResult> results = {
      Result("nominal", "sim.xml", {-80, -70, -60, -50}, {0, 0, 5, 5}, {-75, -55}, 3.4, 0)};
  const TransferSummary s = SummarizeTransfer(TwoSeeds(), "arm2", "reach", -90, results, 4);
  EXPECT_NE(s.table.find("| nominal | sim.xml | -65 | 11.18 | -75, -55 | — | — | 3 |\n"), std::string::npos)
      << s.table;
  EXPECT_TRUE(std::isnan(s.json["methods"]["nominal"]["score"].get<double>()));
  EXPECT_EQ(s.json["methods"]["nominal"]["score"].dump(), "null") << "NaN is written as null";
}

}  // namespace
}  // namespace mjhybrid::rl
