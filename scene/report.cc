#include "scene/report.h"

#include <utility>

namespace mjhybrid::scene {

double GapClosed(double reference_error, double method_error) { return 1 - method_error / reference_error; }

nlohmann::json ErrorsJson(const std::vector<HorizonError>& rows, bool diagnostics) {
  nlohmann::json m;
  for (const HorizonError& r : rows) {
    m["qpos_rmse"].push_back(r.qpos_rmse);
    m["qvel_rmse"].push_back(r.qvel_rmse);
    m["qpos_nrmse"].push_back(r.qpos_nrmse);
    m["qvel_nrmse"].push_back(r.qvel_nrmse);
    m["rollouts"].push_back(r.rollouts);
    m["diverged"].push_back(r.diverged);
  }
  if (diagnostics) {
    for (const HorizonError& r : rows) {
      m["saturated_per_step"].push_back(r.saturated_per_step);
      m["disagreement_per_step"].push_back(r.spread_per_step);
    }
  }
  return m;
}

void PrintGapTable(std::FILE* out, const std::string& reference, const std::string& method,
                   const std::vector<HorizonError>& a_rows, const std::vector<HorizonError>& b_rows,
                   bool diverged) {
  std::fprintf(out, "\n%-8s %14s %14s %8s   %14s %14s %8s\n", "horizon", (reference + " qpos").c_str(),
               (method + " qpos").c_str(), "closed", (reference + " qvel").c_str(), (method + " qvel").c_str(),
               "closed");
  for (size_t i = 0; i < a_rows.size() && i < b_rows.size(); ++i) {
    const HorizonError &a = a_rows[i], &b = b_rows[i];
    std::fprintf(out, "%-8d %14.3e %14.3e %7.1f%%   %14.3e %14.3e %7.1f%%\n", a.horizon, a.qpos_rmse, b.qpos_rmse,
                 100 * GapClosed(a.qpos_rmse, b.qpos_rmse), a.qvel_rmse, b.qvel_rmse,
                 100 * GapClosed(a.qvel_rmse, b.qvel_rmse));
    if (diverged && (a.diverged || b.diverged)) {
      std::fprintf(out, "         diverged rollouts: %s %lld/%lld, %s %lld/%lld (excluded)\n", reference.c_str(),
                   a.diverged, a.rollouts, method.c_str(), b.diverged, b.rollouts);
    }
  }
}

std::string TidyErrorRows(const std::string& method, const HorizonError& r) {
  std::string csv;
  const std::pair<const char*, double> metrics[] = {
      {"qpos_rmse", r.qpos_rmse}, {"qvel_rmse", r.qvel_rmse}, {"qpos_nrmse", r.qpos_nrmse},
      {"qvel_nrmse", r.qvel_nrmse}, {"diverged", static_cast<double>(r.diverged)}};
  for (const auto& [metric, v] : metrics) {
    csv += method + "," + std::to_string(r.horizon) + "," + metric + "," + std::to_string(v) + "\n";
  }
  return csv;
}

}  // namespace mjhybrid::scene
