// The transfer study's results as plain data, and what is written and printed from them
// (rl/transfer.h runs the methods; these functions score them and build the files):
//
//   curves.csv, returns.csv   the header constants and each method's rows (CurveCsvRows,
//                             ReturnsCsvRows), appended as each method finishes
//   transfer.json, table.md   SummarizeTransfer, once every method has run
//
// Conventions: a return is the undiscounted sum of a task's rewards over one real.xml episode
// (negative when the task counts costs). Means and standard deviations are rl::Summarize's
// (population std, divided by n); a method's "per-seed means" are the means of each seed's
// final episodes and their spread is the std of those. The normalized score puts doing
// nothing (zero actions) at 0 % and the oracle (PPO trained on real.xml) at 100 %; the return
// ratio compares a return with the oracle's on the side of zero both lie on. Either is NaN
// where it is undefined or the run has no oracle: null in JSON, "—" in the table. Numbers in
// the table are printed with %.4g, CSV numbers as an ostream prints them (6 digits).

#ifndef MJHYBRID_RL_TRANSFER_REPORT_H_
#define MJHYBRID_RL_TRANSFER_REPORT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rl/ppo.h"
#include "rl/transfer.h"

namespace mjhybrid::rl {

// what one method gave: the final real returns of every seed's policy (or of MPC), pooled
struct MethodResult {
  std::string method;                // as named in TransferOptions::methods
  std::string trained_on;            // e.g. "hybrid.xml", "sim.xml (planner)"
  std::vector<double> returns;       // every scored episode, pooled over seeds
  std::vector<uint64_t> seeds;       // the seed of each of them (MPC: the seed of its start states)
  std::vector<double> seed_means;
  double seconds = 0;
  long diverged = 0;                 // training episodes ended by a diverged simulation
};

// 100 (value - idle) / (oracle - idle), in %: 0 is doing nothing, 100 the oracle; NaN when
// the oracle does no better than doing nothing (oracle == idle)
double NormalizedScore(double value, double idle, double oracle);

// In %: 100 value / oracle for rewards (oracle > 0), 100 oracle / value for costs, so that
// 100 is the oracle and less is worse either way; NaN when the oracle's return is 0, or the
// ratio is not finite or negative (the two lie on either side of zero).
double ReturnRatio(double value, double oracle);

inline constexpr char kCurvesCsvHeader[] = "method,seed,steps,real_return,real_return_std\n";
inline constexpr char kReturnsCsvHeader[] = "method,seed,episode,real_return\n";

// curves.csv rows of one training run: one per point of its curve
std::string CurveCsvRows(const std::string& method, uint64_t seed, const std::vector<CurvePoint>& curve);
// returns.csv rows of one method: episodes numbered from 0 within each run of equal seeds
std::string ReturnsCsvRows(const MethodResult& result);

struct TransferSummary {
  nlohmann::json json;  // transfer.json, but for "versions" and "git" (the caller's)
  std::string table;    // table.md, which is printed too
};
// `results` in the order of the table's rows; the oracle's is the one named "oracle", if any.
// `scene` and `task` are names, `idle_return` the mean return of zero actions on the scoring
// episodes, `seconds` the whole run's.
TransferSummary SummarizeTransfer(const TransferOptions& options, const std::string& scene, const std::string& task,
                                  double idle_return, const std::vector<MethodResult>& results, double seconds);

}  // namespace mjhybrid::rl

#endif  // MJHYBRID_RL_TRANSFER_REPORT_H_
