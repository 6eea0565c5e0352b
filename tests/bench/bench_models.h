// The models the benchmarks run, made on first use and kept for the whole run: arm2's sim.xml,
// random MLP residuals of its shape (16 features -> hidden -> hidden -> 2, tanh) for each
// hidden size, the trained models/arm2/residual.safetensors when it exists, the same networks
// exported to TorchScript (scripts/export_torchscript.py, run once per hidden size), and the
// hybrid scenes that load them through the plugin. Everything lives in one scratch folder,
// removed by CleanUp().

#ifndef MJHYBRID_TESTS_BENCH_BENCH_MODELS_H_
#define MJHYBRID_TESTS_BENCH_BENCH_MODELS_H_

#include <mujoco/mujoco.h>

#include <memory>
#include <string>
#include <vector>

#include "plugin/core/residual_model.h"

namespace mjhybrid::bench {

// hidden = 0 names the trained model instead of a random one
inline constexpr int kTrained = 0;

// steps between resets, and how long a random control is held
inline constexpr int kEpisodeSteps = 1000;
inline constexpr int kControlHold = 20;

// <repository>/models/arm2/residual.safetensors, or "" when it is not there
std::string TrainedModelPath();

// the residual file for a hidden size; "" and *error when it cannot be made
std::string MlpModelPath(int hidden, std::string* error);
std::string TorchModelPath(int hidden, std::string* error);

// a loaded residual (shared, loaded once per file)
std::shared_ptr<const ResidualModel> Residual(const std::string& path, std::string* error);

// compiled scenes: arm2 sim.xml, and sim.xml + the plugin with the MLP of a hidden size
const mjModel* SimModel(std::string* error);
const mjModel* HybridModel(int hidden, std::string* error);

// a scene file compiled once for the whole run; null and *error when it does not load
const mjModel* SceneModel(const std::string& path, std::string* error);
// the same with its explicit <contact><pair> elements removed: a contact-parameter hybrid whose
// plugin then rewrites every contact (attach --no-native-pairs), the path the pairs replace
const mjModel* SceneModelWithoutPairs(const std::string& path, std::string* error);

// kEpisodeSteps x nu random controls within ctrlrange, held kControlHold steps each, the same
// sequence for every model with the same actuators
std::vector<double> ControlSequence(const mjModel* m);

void CleanUp();

}  // namespace mjhybrid::bench

#endif  // MJHYBRID_TESTS_BENCH_BENCH_MODELS_H_
