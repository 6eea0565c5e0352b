// Do-no-harm calibration of a trained residual. One-step targets under contact are noisy and
// only locally linear, so a network that fits them well can still make multi-step rollouts
// worse than the analytic model. Before a model is written, its output scale is chosen among
// a few candidates by k-step error on the validation episodes (the ones held out from the
// fit), through MuJoCo and the plugin, with 0 (the analytic model) among the candidates. The
// chosen scale is baked into the model's output normalizer; the held-out test data is never
// used. A contact model (mode replace) is only scored: at scale 0 its pairs would have no
// contact at all, which is not the analytic model.

#ifndef MJHYBRID_PIPELINE_CALIBRATE_H_
#define MJHYBRID_PIPELINE_CALIBRATE_H_

#include <nlohmann/json.hpp>
#include <string>

#include "scene/dataset.h"
#include "plugin/core/residual_model.h"

namespace mjhybrid::pipeline {

// Scores each candidate scale on `validation` (horizons 10 and 100, std-normalized errors
// relative to the analytic model's), scales *model by the best, and returns a report.
// `scratch` is a file path the model may be written to while it is scored.
nlohmann::json CalibrateScale(const std::string& sim_path, const scene::TrajectoryDataset& validation,
                              const std::string& scratch, ResidualModel* model);

}  // namespace mjhybrid::pipeline

#endif  // MJHYBRID_PIPELINE_CALIBRATE_H_
