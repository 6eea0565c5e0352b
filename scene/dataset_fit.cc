#include "scene/dataset_fit.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "plugin/core/residual_model.h"
#include "plugin/mujoco/state_layout_from_model.h"

namespace mjhybrid::scene {

namespace {

// a period in seconds as a person wrote it: 0.005, not 0.005000
std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", s);
  return buf;
}

}  // namespace

void CheckDatasetFits(const mjModel* sim, const std::string& sim_path, const TrajectoryDataset& data,
                      const std::string& data_path) {
  StateLayout layout = StateLayoutFromModel(sim);
  auto fail = [&](const std::string& why) {
    return std::runtime_error("dataset '" + data_path + "' does not fit '" + sim_path + "': " + why);
  };
  if (data.nq != layout.nq || data.nv != layout.nv || data.nu != layout.nu) {
    throw fail("sizes nq/nv/nu " + std::to_string(data.nq) + "/" + std::to_string(data.nv) + "/" +
               std::to_string(data.nu) + " vs " + std::to_string(layout.nq) + "/" +
               std::to_string(layout.nv) + "/" + std::to_string(layout.nu));
  }
  for (size_t j = 0; j < layout.joints.size() && j < data.joints.size(); ++j) {
    if (data.joints[j] != layout.joints[j].name) throw fail("joint " + std::to_string(j) + " is '" + data.joints[j] + "' in the data, '" + layout.joints[j].name + "' in the model");
  }
  if (data.joints.size() != layout.joints.size()) throw fail("different number of joints");
  for (int a = 0; a < layout.nu; ++a) {
    if (data.actuators[a] != layout.actuators[a]) throw fail("actuator " + std::to_string(a) + " is '" + data.actuators[a] + "' in the data, '" + layout.actuators[a] + "' in the model");
  }
  if (WholeSteps(data.timestep, layout.timestep) == 0) {
    throw fail("data recorded every " + Seconds(data.timestep) + " s, which is not a whole number of "
               "the model's timestep " + Seconds(layout.timestep) + " s (collect with --dt a multiple of it)");
  }
}

int ControlSubsteps(const mjModel* m, const TrajectoryDataset& data) {
  const int k = WholeSteps(data.timestep, m->opt.timestep);
  if (k == 0) {
    throw std::runtime_error("data recorded every " + Seconds(data.timestep) + " s is not a whole number of "
                             "the model's timestep " + Seconds(m->opt.timestep) + " s");
  }
  return k;
}

void CheckResidualFitsData(const std::string& residual_path, const TrajectoryDataset& data,
                           const std::string& data_path) {
  std::string error;
  std::shared_ptr<const ResidualModel> model = LoadResidualModel(residual_path, &error);
  if (!model) throw std::runtime_error(error);
  const double period = model->signature.ControlPeriod();
  if (std::abs(period - data.timestep) > 1e-9 * period) {
    throw std::runtime_error("residual '" + residual_path + "' was trained on data recorded every " +
                             Seconds(period) + " s, but '" + data_path + "' was recorded every " +
                             Seconds(data.timestep) + " s (retrain on data at " + Seconds(data.timestep) +
                             " s, or collect at " + Seconds(period) + " s)");
  }
}

}  // namespace mjhybrid::scene
