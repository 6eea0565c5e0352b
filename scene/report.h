// How k-step errors are reported, in one place for eval, sysid and study: the gap closed, the
// printed comparison table, the JSON block per method and the tidy CSV rows.
//
//   gap closed = 1 - err(method) / err(reference)    per horizon; 1 = the gap is gone,
//                                                    0 = no better, < 0 = worse

#ifndef MJHYBRID_SCENE_REPORT_H_
#define MJHYBRID_SCENE_REPORT_H_

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scene/kstep_error.h"

namespace mjhybrid::scene {

double GapClosed(double reference_error, double method_error);

// per horizon: qpos_rmse, qvel_rmse, qpos_nrmse, qvel_nrmse, rollouts, diverged; with
// `diagnostics` also the residual's saturated_per_step and disagreement_per_step
nlohmann::json ErrorsJson(const std::vector<HorizonError>& rows, bool diagnostics);

// the table of a method against its reference (same horizons), one row per horizon: RMSE of
// qpos and qvel and the gap closed in each; with `diverged`, a line under each horizon where
// rollouts diverged
void PrintGapTable(std::FILE* out, const std::string& reference, const std::string& method,
                   const std::vector<HorizonError>& reference_rows,
                   const std::vector<HorizonError>& method_rows, bool diverged);

// tidy CSV rows "method,horizon,metric,value" for qpos/qvel RMSE, normalized RMSE and
// diverged rollouts (values as std::to_string writes them)
std::string TidyErrorRows(const std::string& method, const HorizonError& row);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_REPORT_H_
