#include "rl/transfer_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace mjhybrid::rl {

namespace {

std::string Format(double v) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.4g", v);
  return text;
}

}  // namespace

double NormalizedScore(double value, double idle, double oracle) {
  return oracle != idle ? 100 * (value - idle) / (oracle - idle) : NAN;
}

double ReturnRatio(double value, double oracle) {
  if (oracle == 0) return NAN;
  // returns are often negative (costs): compare on the side of zero both lie on
  const double ratio = oracle > 0 ? value / oracle : oracle / value;
  if (!std::isfinite(ratio) || ratio < 0) return NAN;
  return 100 * ratio;
}

std::string CurveCsvRows(const std::string& method, uint64_t seed, const std::vector<CurvePoint>& curve) {
  std::ostringstream rows;
  for (const CurvePoint& point : curve) {
    rows << method << ',' << seed << ',' << point.steps << ',' << point.score.mean << ',' << point.score.std << '\n';
  }
  return rows.str();
}

std::string ReturnsCsvRows(const MethodResult& r) {
  std::ostringstream rows;
  for (size_t i = 0, episode = 0; i < r.returns.size(); ++i) {
    episode = i > 0 && r.seeds[i] == r.seeds[i - 1] ? episode + 1 : 0;
    rows << r.method << ',' << r.seeds[i] << ',' << episode << ',' << r.returns[i] << '\n';
  }
  return rows.str();
}

TransferSummary SummarizeTransfer(const TransferOptions& o, const std::string& scene, const std::string& task,
                                  double idle, const std::vector<MethodResult>& results, double seconds) {
  // the oracle's mean return is the 100 % of every score and the reference of every ratio
  const auto oracle_result =
      std::find_if(results.begin(), results.end(), [](const MethodResult& r) { return r.method == "oracle"; });
  const bool has_oracle = oracle_result != results.end();
  const double oracle = has_oracle ? Summarize(oracle_result->returns).mean : 0;

  // what was run, above the table
  std::ostringstream md;
  md << "Transfer on `" << scene << "` (task " << task << "): PPO " << o.ppo.total_steps
     << " environment steps per seed, seeds";
  for (uint64_t s : o.seeds) md << ' ' << s;
  md << "; every score is the mean return of " << o.eval_episodes << " real.xml episodes (MPC: "
     << o.mpc_episodes << "); " << static_cast<long>(seconds) << " s in all.\n\n";
  md << "| method | trained / planned on | real return | std | per-seed means | score | return ratio | time (s) |\n";
  md << "|---|---|---|---|---|---|---|---|\n";

  // one JSON entry and one table row per method
  nlohmann::json methods = nlohmann::json::object();
  for (const MethodResult& r : results) {
    const ReturnStats s = Summarize(r.returns);
    const double spread = Summarize(r.seed_means).std;
    const double score = has_oracle ? NormalizedScore(s.mean, idle, oracle) : NAN;
    const double ratio = has_oracle ? ReturnRatio(s.mean, oracle) : NAN;
    methods[r.method] = {{"real_return", s.mean},
                         {"score", score},
                         {"real_return_std", s.std},
                         {"seed_means", r.seed_means},
                         {"seed_std", spread},
                         {"episodes", s.episodes},
                         {"trained_on", r.trained_on},
                         {"seconds", r.seconds},
                         {"diverged_training_episodes", r.diverged}};
    char row[512];
    std::string seeds;
    for (double m : r.seed_means) seeds += (seeds.empty() ? "" : ", ") + Format(m);
    const std::string normalized = std::isfinite(score) ? Format(score) + " %" : "—";
    const std::string of_oracle = std::isnan(ratio) ? "—" : Format(ratio) + " %";
    std::snprintf(row, sizeof(row), "| %s | %s | %s | %s | %s | %s | %s | %.0f |\n", r.method.c_str(),
                  r.trained_on.c_str(), Format(s.mean).c_str(), Format(s.std).c_str(), seeds.c_str(),
                  normalized.c_str(), of_oracle.c_str(), r.seconds);
    md << row;
  }
  md << "\nscore: 0 % is doing nothing (zero actions, return " << Format(idle) << "), 100 % the oracle. "
        "return ratio: return / oracle's return for rewards, oracle's / return for costs (negative returns).\n";

  TransferSummary summary;
  summary.table = md.str();
  summary.json = {{"scene", scene},
                  {"task", task},
                  {"idle_return", idle},
                  {"methods", methods},
                  {"config",
                   {{"steps", o.ppo.total_steps},
                    {"seeds", o.seeds},
                    {"num_envs", o.num_envs},
                    {"eval_episodes", o.eval_episodes},
                    {"mpc_episodes", o.mpc_episodes},
                    {"mpc", {{"horizon", o.mpc.horizon}, {"knots", o.mpc.knots}, {"samples", o.mpc.samples},
                             {"noise", o.mpc.noise}, {"uncertainty_weight", o.mpc.uncertainty_weight}}},
                    {"randomize_spread", o.randomize_spread},
                    {"randomized_models", o.randomized_models}}},
                  {"seconds", seconds}};
  return summary;
}

}  // namespace mjhybrid::rl
