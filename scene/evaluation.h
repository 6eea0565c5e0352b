// `mjhybrid eval`'s measurement as a library function: the k-step error of the analytic model
// and of the same model with a residual attached (compiled in memory, as `attach` would write
// it), on one held-out dataset, and the JSON document the command writes (the eval contract
// of docs/ARCHITECTURE.md: horizons, methods.analytic and methods.hybrid, gap_closed).

#ifndef MJHYBRID_SCENE_EVALUATION_H_
#define MJHYBRID_SCENE_EVALUATION_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scene/kstep_error.h"

namespace mjhybrid::scene {

struct ResidualEvaluation {
  std::vector<HorizonError> analytic, hybrid;  // one per horizon
  size_t episodes = 0;                         // held-out episodes scored
};

// throws one line when a file is missing, the data does not fit sim.xml or the residual does
// not load into it; prints progress to stderr
// residual_path or params_path (a contact-parameter model) may be empty. base_path, when not
// empty, is the model the hybrid is built on instead of sim.xml (the identified model of
// `mjhybrid sysid`), and with neither of the others it is scored alone; the analytic reference
// stays sim.xml, so the gap closed counts the identification and the residual together
ResidualEvaluation EvaluateResidual(const std::string& sim_path, const std::string& residual_path,
                                    const std::string& data_path, const KStepOptions& options,
                                    const std::string& params_path = "", const std::string& base_path = "");

// the eval JSON: errors per method and horizon, gap closed, the residual's calibrated scale,
// config, versions and git hash
nlohmann::json EvaluationJson(const ResidualEvaluation& e, const std::string& sim_path,
                              const std::string& residual_path, const std::string& data_path,
                              const KStepOptions& options,
                              const std::string& params_path = "", const std::string& base_path = "");

// the tidy CSV beside it: method,horizon,metric,value
std::string EvaluationCsv(const ResidualEvaluation& e);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_EVALUATION_H_
