// The network behind a residual model, whatever runs it (the Eigen MLP in plugin/core, or
// TorchScript in plugin/torch). A network is immutable once loaded and shared by every mjData
// of a model, possibly on several threads; everything a call writes lives in a Workspace that
// each caller owns. Inputs and outputs are normalized (zero mean, unit variance in training).

#ifndef MJHYBRID_PLUGIN_CORE_RESIDUAL_NETWORK_H_
#define MJHYBRID_PLUGIN_CORE_RESIDUAL_NETWORK_H_

#include <memory>
#include <string>

namespace mjhybrid {

// a member index that means the whole ensemble, i.e. its mean (config member="all")
inline constexpr int kAllMembers = -1;

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

  // whether EvaluateMember can run one member of several on its own. A backend that only
  // gives the ensemble mean keeps the default, no; a one-member network needs no selection
  // (its member 0 is Evaluate).
  virtual bool can_evaluate_member() const { return false; }

  // x[input_size] -> out[output_size], the output of member `member` (0 <= member <
  // members()) alone; *spread (optional) gets the whole ensemble's disagreement, as in
  // Evaluate, so that a caller that follows one member still sees how unsure the ensemble is.
  // The default runs Evaluate, which is right only for a one-member network: callers check
  // can_evaluate_member() first (CheckMember in residual_evaluator.h does).
  virtual void EvaluateMember(int member, const float* x, float* out, float* spread,
                              NetworkWorkspace* workspace) const {
    Evaluate(x, out, spread, workspace);
  }
};

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_RESIDUAL_NETWORK_H_
