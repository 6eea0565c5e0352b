// The study's results from its fits, as plain functions of plain data (pipeline/study.h runs
// the fits; this turns them into what is written and printed):
//
//   results.csv   tidy: method, seed, data_s, horizon, metric, value (RMSE, normalized RMSE,
//                 gap closed against the nominal model, diverged rollouts, fit seconds)
//   study.json    per method over the seeds fitted on all the data: mean (and std) of each
//                 error and gap per horizon; every fit on less data under data_efficiency
//   table.md      one row per method: fit time, qpos RMSE per horizon, gap closed at h >= 10
//
// Means and standard deviations are over seeds (sample std, n - 1); a single seed has std 0
// and is printed without "±".

#ifndef MJHYBRID_PIPELINE_STUDY_REPORT_H_
#define MJHYBRID_PIPELINE_STUDY_REPORT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scene/kstep_error.h"

namespace mjhybrid::pipeline {

// one fitted method scored on the held-out data; the study always has a "nominal" fit, the
// reference of every gap closed
struct StudyFit {
  std::string method;
  uint64_t seed = 0;
  double data_s = 0;  // seconds of training data
  double fit_seconds = 0;
  std::vector<scene::HorizonError> errors;  // one per horizon, the same horizons for every fit
};

// mean and standard deviation over seeds
struct Stat {
  double mean = 0, std = 0;
  int n = 0;
};
Stat MeanAndStd(const std::vector<double>& values);
// "MEAN ± STD" with printf format `fmt` for each, "MEAN" alone for one value
std::string FormatStat(const Stat& s, const char* fmt);

std::string StudyResultsCsv(const std::vector<StudyFit>& fits);

// a fit as JSON and back, exactly (doubles round-trip, non-finite ones as null): how the
// study's journal keeps the fits it has finished
nlohmann::json StudyFitJson(const StudyFit& fit);
StudyFit StudyFitFromJson(const nlohmann::json& j);  // throws one line on a malformed record

struct StudySummary {
  nlohmann::json json;  // horizons, methods, data_efficiency
  std::string table;    // the Markdown table
};
// the fits on `full_data_s` seconds of data make the methods' rows; the others (less data)
// the data-efficiency entries
StudySummary SummarizeStudy(const std::vector<StudyFit>& fits, double full_data_s);

}  // namespace mjhybrid::pipeline

#endif  // MJHYBRID_PIPELINE_STUDY_REPORT_H_
