// The study's results from its fits (pipeline/study_report.h): means and standard deviations
// over seeds, the gap closed against the nominal model, and the rows of each output, checked
// against values worked out by hand.

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "pipeline/study_report.h"

namespace mjhybrid::pipeline {
namespace {

using scene::HorizonError;

// errors at horizons 1 and 10 with the given qpos and qvel RMSE at h = 10
StudyFit MakeFit(const std::string& method, uint64_t seed, double data_s, double qpos10, double qvel10) {
  StudyFit f{method, seed, data_s, 3.0 + seed, {}};
  HorizonError h1, h10;
  h1.horizon = 1;
  h1.qpos_rmse = 0.1;
  h1.qvel_rmse = 1;
  h10.horizon = 10;
  h10.qpos_rmse = qpos10;
  h10.qvel_rmse = qvel10;
  f.errors = {h1, h10};
  return f;
}

std::vector<StudyFit> Fits() {
  return {MakeFit("nominal", 0, 60, 2.0, 4.0), MakeFit("hybrid", 0, 60, 0.5, 1.0), MakeFit("hybrid", 1, 60, 1.0, 2.0),
          MakeFit("hybrid", 0, 10, 1.5, 3.0)};
}

TEST(StudyReportTest, MeanAndSampleStandardDeviationOverSeeds) {
  const Stat s = MeanAndStd({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(5.0 / 3.0));  // n - 1 = 3
  EXPECT_EQ(s.n, 4);
  EXPECT_EQ(MeanAndStd({7}).std, 0);
  EXPECT_EQ(FormatStat(MeanAndStd({7}), "%.1f"), "7.0");
  EXPECT_EQ(FormatStat(MeanAndStd({1, 3}), "%.1f"), "2.0 ± 1.4");
}

// hybrid closes 1 - 0.5/2 = 75 % and 1 - 1/2 = 50 % of the qpos gap at h = 10 with its two
// seeds: 62.5 % on average, sample std 17.7 %
TEST(StudyReportTest, GapClosedIsAgainstTheNominalModelAveragedOverSeeds) {
  const StudySummary s = SummarizeStudy(Fits(), 60);
  const nlohmann::json& hybrid = s.json["methods"]["hybrid"];
  EXPECT_EQ(hybrid["seeds"], 2);
  EXPECT_DOUBLE_EQ(hybrid["gap_closed_qpos"][1].get<double>(), 0.625);
  EXPECT_DOUBLE_EQ(hybrid["gap_closed_qvel"][1].get<double>(), 0.625);
  EXPECT_DOUBLE_EQ(hybrid["qpos_rmse"][1].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(hybrid["fit_seconds"].get<double>(), 3.5);
  EXPECT_DOUBLE_EQ(s.json["methods"]["nominal"]["gap_closed_qpos"][1].get<double>(), 0);
  EXPECT_EQ(s.json["horizons"], nlohmann::json({1, 10}));
  EXPECT_NE(s.table.find("| hybrid | 4 ± 1 | 1.00e-01 ± 0.00e+00 | 7.50e-01 ± 3.54e-01 | 62 ± 18 % | 62 ± 18 % |"),
            std::string::npos) << s.table;
  EXPECT_NE(s.table.find("| nominal | 3 | 1.00e-01 | 2.00e+00 | — % | — % |"), std::string::npos) << s.table;
  // nominal comes first, whatever order the fits were made in
  EXPECT_LT(s.table.find("| nominal"), s.table.find("| hybrid"));
}

TEST(StudyReportTest, FitsOnLessDataAreTheDataEfficiencyEntries) {
  const StudySummary s = SummarizeStudy(Fits(), 60);
  const nlohmann::json& entries = s.json["data_efficiency"];
  ASSERT_EQ(entries.size(), 2u);  // the 10 s hybrid fit, at each horizon
  EXPECT_EQ(entries[1]["data_s"], 10);
  EXPECT_EQ(entries[1]["horizon"], 10);
  EXPECT_DOUBLE_EQ(entries[1]["gap_closed_qpos"].get<double>(), 1 - 1.5 / 2.0);
}

// the sweep's fits skip the long held-out set: a fit scored at h = 10 alone is compared with
// the nominal error at h = 10, not with the first horizon the nominal model has
TEST(StudyReportTest, ASweepFitWithoutTheShortHorizonsIsComparedAtItsOwn) {
  std::vector<StudyFit> fits = Fits();
  StudyFit sweep = MakeFit("sysid", 0, 10, 1.0, 1.0);
  sweep.errors.erase(sweep.errors.begin());  // h = 10 only
  fits.push_back(sweep);
  const StudySummary s = SummarizeStudy(fits, 60);
  const nlohmann::json& last = s.json["data_efficiency"].back();
  EXPECT_EQ(last["method"], "sysid");
  EXPECT_EQ(last["horizon"], 10);
  EXPECT_DOUBLE_EQ(last["gap_closed_qpos"].get<double>(), 1 - 1.0 / 2.0);
  EXPECT_DOUBLE_EQ(last["gap_closed_qvel"].get<double>(), 1 - 1.0 / 4.0);
  EXPECT_NE(StudyResultsCsv(fits).find("sysid,0,10,10,gap_closed_qpos,0.5\n"), std::string::npos);
}

TEST(StudyReportTest, TheTidyCsvHasEightMetricsPerFitAndHorizon) {
  const std::string csv = StudyResultsCsv(Fits());
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "method,seed,data_s,horizon,metric,value");
  int rows = 0;
  bool found = false;
  while (std::getline(lines, line)) {
    ++rows;
    found |= line == "hybrid,1,60,10,gap_closed_qvel,0.5";
  }
  EXPECT_EQ(rows, 4 * 2 * 8);
  EXPECT_TRUE(found) << csv;
}

}  // namespace
}  // namespace mjhybrid::pipeline
