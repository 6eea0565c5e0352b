#include "pipeline/study_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "scene/report.h"
#include "scene/run_journal.h"

namespace mjhybrid::pipeline {

using nlohmann::json;
using scene::GapClosed;
using scene::HorizonError;
using scene::RecordedNumber;
using scene::RecordedNumberFrom;

Stat MeanAndStd(const std::vector<double>& values) {
  Stat s;
  s.n = static_cast<int>(values.size());
  if (s.n == 0) return s;
  for (double v : values) s.mean += v;
  s.mean /= s.n;
  for (double v : values) s.std += (v - s.mean) * (v - s.mean);
  s.std = s.n > 1 ? std::sqrt(s.std / (s.n - 1)) : 0;
  return s;
}

std::string FormatStat(const Stat& s, const char* fmt) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, s.mean);
  std::string out = buf;
  if (s.n > 1) {
    std::snprintf(buf, sizeof(buf), fmt, s.std);
    out += " ± " + std::string(buf);
  }
  return out;
}

namespace {

// the nominal method's error per horizon, the reference of every gap closed
std::vector<HorizonError> NominalErrors(const std::vector<StudyFit>& fits) {
  std::vector<HorizonError> nominal;
  for (const StudyFit& f : fits) {
    if (f.method == "nominal") nominal = f.errors;
  }
  return nominal;
}

// the gap `e` closes against the nominal error at its horizon (the sweep's fits skip the long
// horizons, so positions in the two lists need not match)
double GapAtHorizon(const std::vector<HorizonError>& nominal, const HorizonError& e, bool pos) {
  const auto same = std::find_if(nominal.begin(), nominal.end(), [&](const HorizonError& n) { return n.horizon == e.horizon; });
  if (same == nominal.end()) throw std::runtime_error("no nominal error at horizon " + std::to_string(e.horizon));
  return pos ? GapClosed(same->qpos_rmse, e.qpos_rmse) : GapClosed(same->qvel_rmse, e.qvel_rmse);
}

}  // namespace

json StudyFitJson(const StudyFit& fit) {
  json errors = json::array();
  for (const HorizonError& e : fit.errors) {
    errors.push_back({{"horizon", e.horizon}, {"rollouts", e.rollouts}, {"diverged", e.diverged},
                      {"qpos_rmse", RecordedNumber(e.qpos_rmse)}, {"qvel_rmse", RecordedNumber(e.qvel_rmse)},
                      {"qpos_nrmse", RecordedNumber(e.qpos_nrmse)}, {"qvel_nrmse", RecordedNumber(e.qvel_nrmse)},
                      {"saturated_per_step", RecordedNumber(e.saturated_per_step)},
                      {"spread_per_step", RecordedNumber(e.spread_per_step)}});
  }
  return {{"method", fit.method}, {"seed", fit.seed}, {"data_s", fit.data_s}, {"fit_seconds", fit.fit_seconds},
          {"errors", errors}};
}

StudyFit StudyFitFromJson(const json& j) {
  try {
    StudyFit fit;
    fit.method = j.at("method").get<std::string>();
    fit.seed = j.at("seed").get<uint64_t>();
    fit.data_s = j.at("data_s").get<double>();
    fit.fit_seconds = j.at("fit_seconds").get<double>();
    for (const json& e : j.at("errors")) {
      HorizonError h;
      h.horizon = e.at("horizon").get<int>();
      h.rollouts = e.at("rollouts").get<long long>();
      h.diverged = e.at("diverged").get<long long>();
      h.qpos_rmse = RecordedNumberFrom(e.at("qpos_rmse"));
      h.qvel_rmse = RecordedNumberFrom(e.at("qvel_rmse"));
      h.qpos_nrmse = RecordedNumberFrom(e.at("qpos_nrmse"));
      h.qvel_nrmse = RecordedNumberFrom(e.at("qvel_nrmse"));
      h.saturated_per_step = RecordedNumberFrom(e.at("saturated_per_step"));
      h.spread_per_step = RecordedNumberFrom(e.at("spread_per_step"));
      fit.errors.push_back(h);
    }
    if (fit.errors.empty()) throw std::runtime_error("no errors");
    return fit;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("a recorded fit is malformed: ") + e.what());
  }
}

std::string StudyResultsCsv(const std::vector<StudyFit>& fits) {
  const std::vector<HorizonError> nominal = NominalErrors(fits);
  auto gap = [&](const HorizonError& e, bool pos) { return GapAtHorizon(nominal, e, pos); };

  std::ostringstream csv;
  csv << "method,seed,data_s,horizon,metric,value\n";
  for (const StudyFit& f : fits) {
    for (size_t i = 0; i < f.errors.size(); ++i) {
      const HorizonError& e = f.errors[i];
      const std::pair<const char*, double> metrics[] = {
          {"qpos_rmse", e.qpos_rmse}, {"qvel_rmse", e.qvel_rmse}, {"qpos_nrmse", e.qpos_nrmse},
          {"qvel_nrmse", e.qvel_nrmse}, {"gap_closed_qpos", gap(e, true)}, {"gap_closed_qvel", gap(e, false)},
          {"diverged", static_cast<double>(e.diverged)}, {"fit_seconds", f.fit_seconds}};
      for (const auto& [metric, value] : metrics) {
        csv << f.method << ',' << f.seed << ',' << f.data_s << ',' << e.horizon << ',' << metric << ',' << value << '\n';
      }
    }
  }
  return csv.str();
}

StudySummary SummarizeStudy(const std::vector<StudyFit>& fits, double full_data_s) {
  const double full = full_data_s;
  const std::vector<std::string> order = {"nominal",        "true-params",          "sysid",
                                          "sysid+residual", "sysid+params",         "sysid+params+residual",
                                          "params",         "params+residual",      "learned",
                                          "hybrid",         "hybrid-replace"};
  const std::vector<HorizonError> nominal = NominalErrors(fits);
  auto gap = [&](const HorizonError& e, bool pos) { return GapAtHorizon(nominal, e, pos); };

  json out;
  for (const HorizonError& e : nominal) out["horizons"].push_back(e.horizon);
  std::ostringstream table;
  table << "| method | fit (s) |";
  for (const HorizonError& e : nominal) table << " qpos RMSE h=" << e.horizon << " |";
  table << " gap closed qpos h=10 / 100 / 1000 | gap closed qvel h=10 / 100 / 1000 |\n|---|---|";
  for (size_t i = 0; i < nominal.size(); ++i) table << "---|";
  table << "---|---|\n";
  for (const std::string& method : order) {
    std::vector<const StudyFit*> runs;
    for (const StudyFit& f : fits) {
      if (f.method == method && f.data_s == full) runs.push_back(&f);
    }
    if (runs.empty()) continue;
    json m;
    std::vector<double> fit_s;
    for (const StudyFit* f : runs) fit_s.push_back(f->fit_seconds);
    // the true parameters are read from real.xml: a bound for parameter fitting, not a method
    const bool bound = method == "true-params";
    table << "| " << (bound ? "*true-params (bound: reads real.xml)*" : method) << " | "
          << (bound ? "—" : FormatStat(MeanAndStd(fit_s), "%.0f")) << " |";
    std::vector<std::string> closed_pos, closed_vel;
    for (size_t i = 0; i < nominal.size(); ++i) {
      std::vector<double> qpos, qvel, gpos, gvel, qpos_n, qvel_n;
      for (const StudyFit* f : runs) {
        qpos.push_back(f->errors[i].qpos_rmse);
        qvel.push_back(f->errors[i].qvel_rmse);
        qpos_n.push_back(f->errors[i].qpos_nrmse);
        qvel_n.push_back(f->errors[i].qvel_nrmse);
        gpos.push_back(gap(f->errors[i], true));
        gvel.push_back(gap(f->errors[i], false));
      }
      const Stat p = MeanAndStd(qpos), v = MeanAndStd(qvel), gp = MeanAndStd(gpos), gv = MeanAndStd(gvel);
      m["qpos_rmse"].push_back(p.mean);
      m["qvel_rmse"].push_back(v.mean);
      m["qpos_rmse_std"].push_back(p.std);
      m["qvel_rmse_std"].push_back(v.std);
      m["qpos_nrmse"].push_back(MeanAndStd(qpos_n).mean);
      m["qvel_nrmse"].push_back(MeanAndStd(qvel_n).mean);
      m["gap_closed_qpos"].push_back(gp.mean);
      m["gap_closed_qvel"].push_back(gv.mean);
      table << ' ' << FormatStat(p, "%.2e") << " |";
      if (nominal[i].horizon >= 10) {
        closed_pos.push_back(method == "nominal" ? "—" : FormatStat({100 * gp.mean, 100 * gp.std, gp.n}, "%.0f"));
        closed_vel.push_back(method == "nominal" ? "—" : FormatStat({100 * gv.mean, 100 * gv.std, gv.n}, "%.0f"));
      }
    }
    auto join = [](const std::vector<std::string>& parts) {
      std::string s;
      for (size_t i = 0; i < parts.size(); ++i) s += (i ? " / " : "") + parts[i];
      return s;
    };
    table << ' ' << join(closed_pos) << " % | " << join(closed_vel) << " % |\n";
    m["seeds"] = runs.size();
    m["fit_seconds"] = MeanAndStd(fit_s).mean;
    if (bound) {
      m["bound"] = "sim.xml's timestep and integrator with real.xml's parameters: what perfect system "
                   "identification would reach; reads real.xml, so it is not a method";
    }
    out["methods"][method] = m;
  }
  for (const StudyFit& f : fits) {
    if (f.data_s == full && f.method != "nominal") continue;
    for (size_t i = 0; i < f.errors.size(); ++i) {
      if (f.method == "nominal") break;
      out["data_efficiency"].push_back({{"method", f.method}, {"seed", f.seed}, {"data_s", f.data_s},
                                        {"horizon", f.errors[i].horizon}, {"gap_closed_qpos", gap(f.errors[i], true)},
                                        {"gap_closed_qvel", gap(f.errors[i], false)}});
    }
  }
  return {out, table.str()};
}

}  // namespace mjhybrid::pipeline
