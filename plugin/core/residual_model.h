// A residual model: the network plus everything needed to use it safely on a scene, read from
// one file. Two file kinds hold the same description (the "mjhybrid" metadata JSON):
//   *.safetensors  an MLP ensemble run by Eigen; metadata under __metadata__["mjhybrid"]
//   *.pt           a TorchScript module (any architecture) run by the LibTorch backend;
//                  metadata in the archive's extra file "mjhybrid.json"
//
// Metadata schema (format "mjhybrid.residual/1"):
//   signature  nq, nv, nu, timestep (s, the physics step), control_period (s, the recorded
//              step: a whole number of timesteps; absent in older files: one timestep),
//              joints [{name, type, qposadr, dofadr}], actuators [names]
//   features   ctrl_history, contact_pairs [[{name, type, size}, {...}]], contact_range (m),
//              constraint_response (bool, dqvel models only), names (see features.h and
//              contact.h)
//   input      mean, std, min, max per feature (the normalizer; min/max = training range)
//   output     kind "qfrc" (generalized force, N or N*m per dof, before the solver; mode
//              augment), "dqvel" (velocity change per dof, m/s or rad/s, after the step; mode
//              augment) or "pair_wrench" (force and torque per contact pair, world frame; mode
//              replace),
//              mean, std, bound per output
//   network    backend "mlp" (members, layers, activation "tanh") or "torchscript"
//   provenance free-form: data, seed, training time, metrics
//
// The network maps normalized features to normalized outputs: out = y * std + mean, then
// clamped to +-bound.

#ifndef MJHYBRID_PLUGIN_CORE_RESIDUAL_MODEL_H_
#define MJHYBRID_PLUGIN_CORE_RESIDUAL_MODEL_H_

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plugin/core/features.h"
#include "plugin/core/residual_network.h"
#include "plugin/core/state_layout.h"

namespace mjhybrid {

inline constexpr char kModelFormat[] = "mjhybrid.residual/1";

struct ResidualModel {
  StateLayout signature;
  FeatureSpec features;
  std::vector<float> input_mean, input_std, input_min, input_max;
  std::vector<float> output_mean, output_std, output_bound;
  std::shared_ptr<const ResidualNetwork> network;
  nlohmann::json provenance = nlohmann::json::object();

  // the metadata JSON of the file (everything but the network weights)
  nlohmann::json Metadata() const;
};

// Loads and validates a model file of either kind. Returns null and sets *error to a one-line
// reason naming the file on failure.
std::shared_ptr<const ResidualModel> LoadResidualModel(const std::string& path, std::string* error);

// Process-wide cache: every mjData of every model that names the same file shares one
// read-only copy. Reloads when the file changes on disk.
std::shared_ptr<const ResidualModel> SharedResidualModel(const std::string& path, std::string* error);

// what the process-wide model caches compare to see a file change on disk: its modification
// time (ns) and size, {0, -1} when it cannot be read
struct FileStamp {
  long long mtime_ns = 0, size = -1;
  bool operator==(const FileStamp& o) const { return mtime_ns == o.mtime_ns && size == o.size; }
};
FileStamp StampOf(const std::string& path);

// Writes an MLP-backed model as safetensors. Returns false and sets *error on failure.
bool SaveResidualModel(const std::string& path, const ResidualModel& model, std::string* error);

// Parses the metadata JSON into *model (all but the network). Checks sizes against each other.
bool ParseModelMetadata(const nlohmann::json& meta, ResidualModel* model, std::string* error);

// Empty when the model fits the scene; otherwise one line saying what differs and what the
// model expects (another nq/nv/nu, joint or actuator names, joint types, timestep).
std::string CheckSignature(const ResidualModel& model, const StateLayout& scene);

// Backends beyond the built-in MLP register a loader for their file kind. The loader fills
// model->network and returns the metadata JSON it found in the file.
using NetworkLoader = std::function<bool(const std::string& path, nlohmann::json* metadata,
                                         std::shared_ptr<const ResidualNetwork>* network,
                                         std::string* error)>;
void RegisterNetworkLoader(const std::string& backend, NetworkLoader loader);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_RESIDUAL_MODEL_H_
