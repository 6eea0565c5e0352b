// The network behind a residual model, whatever runs it (the Eigen MLP in plugin/core, or
// TorchScript in plugin/torch). A network is immutable once loaded and shared by every mjData
// of a model, possibly on several threads; everything a call writes lives in a Workspace that
// each caller owns. Inputs and outputs are normalized (zero mean, unit variance in training).

#ifndef MJHYBRID_PLUGIN_CORE_RESIDUAL_NETWORK_H_
#define MJHYBRID_PLUGIN_CORE_RESIDUAL_NETWORK_H_

#include <memory>
#include <string>

namespace mjhybrid {

class NetworkWorkspace {
 public:
  virtual ~NetworkWorkspace() = default;
};

class ResidualNetwork {
 public:
  virtual ~ResidualNetwork() = default;

  virtual int input_size() const = 0;
  virtual int output_size() const = 0;
  virtual int members() const = 0;          // ensemble size, 1 for a single network
  virtual std::string description() const = 0;

  // scratch for one caller; made once per mjData, outside the step loop
  virtual std::unique_ptr<NetworkWorkspace> MakeWorkspace() const = 0;

  // x[input_size] -> mean[output_size], the ensemble mean; *spread (optional) gets the
  // members' disagreement, the standard deviation across members averaged over outputs
  virtual void Evaluate(const float* x, float* mean, float* spread,
                        NetworkWorkspace* workspace) const = 0;
};

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_RESIDUAL_NETWORK_H_
