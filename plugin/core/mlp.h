// A multilayer perceptron ensemble on Eigen, float32: the fast path, no LibTorch needed.
// Each member is Linear -> tanh -> ... -> Linear (no activation after the last layer).
// Evaluate() does not allocate: all intermediate vectors live in the caller's workspace.
//
// Stored in safetensors as member{e}.layer{l}.weight [out, in] and member{e}.layer{l}.bias
// [out], the layout of torch.nn.Linear, so PyTorch weights load unchanged.

#ifndef MJHYBRID_PLUGIN_CORE_MLP_H_
#define MJHYBRID_PLUGIN_CORE_MLP_H_

#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

#include "plugin/core/residual_network.h"
#include "plugin/core/safetensors.h"

namespace mjhybrid {

// weight is [out, in] as in torch.nn.Linear, stored column-major in memory: W * x is then a
// sum of scaled columns, which vectorizes without a horizontal reduction per row
struct DenseLayer {
  Eigen::MatrixXf weight;  // [out, in]
  Eigen::VectorXf bias;    // [out]
};

// a layer as Evaluate() runs it: wide layers as column-major W (a sum of scaled columns),
// narrow ones (a few outputs, e.g. the last) as row-major W (one dot product per output)
struct PackedLayer {
  bool narrow = false;
  Eigen::MatrixXf columns;
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows;
  Eigen::VectorXf bias;
};

class MlpEnsemble : public ResidualNetwork {
 public:
  // members[e][l]; every member must have the same input and output sizes
  explicit MlpEnsemble(std::vector<std::vector<DenseLayer>> members);

  // builds from safetensors tensors; returns null and sets *error when tensors are missing or
  // their shapes do not chain
  static std::unique_ptr<MlpEnsemble> FromTensors(const SafetensorsFile& file, int members,
                                                  int layers, std::string* error);
  void ToTensors(SafetensorsFile* file) const;

  int input_size() const override { return input_size_; }
  int output_size() const override { return output_size_; }
  int members() const override { return static_cast<int>(members_.size()); }
  int layers() const { return static_cast<int>(members_[0].size()); }
  std::string description() const override;
  const std::vector<std::vector<DenseLayer>>& weights() const { return members_; }

  std::unique_ptr<NetworkWorkspace> MakeWorkspace() const override;
  void Evaluate(const float* x, float* mean, float* spread,
                NetworkWorkspace* workspace) const override;

  // one member alone when no spread is asked for; otherwise every member runs (the spread
  // needs them all), so the cost is that of Evaluate
  bool can_evaluate_member() const override { return true; }
  void EvaluateMember(int member, const float* x, float* out, float* spread,
                      NetworkWorkspace* workspace) const override;

 private:
  // every member's output into the workspace's outputs, one column per member
  void ForwardAll(const float* x, NetworkWorkspace* workspace) const;

  std::vector<std::vector<DenseLayer>> members_;
  std::vector<std::vector<PackedLayer>> packed_;
  int input_size_ = 0;
  int output_size_ = 0;
  int max_width_ = 0;
};

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_MLP_H_
