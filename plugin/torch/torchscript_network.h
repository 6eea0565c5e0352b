// The LibTorch backend: runs any TorchScript module exported from PyTorch as a residual
// network, for models that are not plain MLPs (actuator nets, recurrent cells unrolled over the
// history, ...). Contract of the module: forward(x: float32 [B, in]) -> float32 [B, out], or
// [E, B, out] for an ensemble of E members; inputs and outputs normalized as in
// residual_model.h. The archive carries the model's metadata JSON as the extra file
// "mjhybrid.json" (scripts/export_torchscript.py writes such files).
//
// Built as libmjhybrid_torch.so; loading the library registers the "torchscript" loader with
// the core, which opens it on demand (plugin/core/backends.h).

#ifndef MJHYBRID_PLUGIN_TORCH_TORCHSCRIPT_NETWORK_H_
#define MJHYBRID_PLUGIN_TORCH_TORCHSCRIPT_NETWORK_H_

#include <torch/script.h>

#include <memory>
#include <string>

#include "plugin/core/residual_network.h"

namespace mjhybrid {

class TorchScriptNetwork : public ResidualNetwork {
 public:
  // loads the module (not its metadata); null and *error on failure
  static std::unique_ptr<TorchScriptNetwork> Load(const std::string& path, int input_size,
                                                  int output_size, std::string* error);

  // wraps a loaded module after one probe call that checks the contract above
  static std::unique_ptr<TorchScriptNetwork> FromModule(torch::jit::Module module, int input_size,
                                                        int output_size, std::string* error);

  int input_size() const override { return input_size_; }
  int output_size() const override { return output_size_; }
  int members() const override { return members_; }
  std::string description() const override { return "torchscript x" + std::to_string(members_); }

  std::unique_ptr<NetworkWorkspace> MakeWorkspace() const override;
  void Evaluate(const float* x, float* mean, float* spread,
                NetworkWorkspace* workspace) const override;

  // batched evaluation, [B, in] -> [B, out] ensemble mean (for benchmarks and tools)
  torch::Tensor EvaluateBatch(const torch::Tensor& x) const;

 private:
  mutable torch::jit::Module module_;  // forward() is not const in the API, but is read-only
  int input_size_ = 0;
  int output_size_ = 0;
  int members_ = 1;
};

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_TORCH_TORCHSCRIPT_NETWORK_H_
