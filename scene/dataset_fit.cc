#include "scene/dataset_fit.h"

#include <cmath>
#include <stdexcept>

#include "plugin/mujoco/state_layout_from_model.h"

namespace mjhybrid::scene {

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
  if (std::abs(data.timestep - layout.timestep) > 1e-9 * layout.timestep) {
    throw fail("data recorded every " + std::to_string(data.timestep) + " s but the model steps " +
               std::to_string(layout.timestep) + " s (collect with --dt " + std::to_string(layout.timestep) + ")");
  }
}

}  // namespace mjhybrid::scene
