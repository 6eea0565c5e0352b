#include "plugin/core/mlp.h"

#include <algorithm>
#include <cmath>

namespace mjhybrid {

namespace {

struct MlpWorkspace : NetworkWorkspace {
  Eigen::VectorXf a, b;  // ping-pong activations, max layer width
  Eigen::MatrixXf outputs;  // output_size x members, for a two-pass mean and spread
  Eigen::VectorXf mean;     // output_size, the ensemble mean when only one member is wanted
};

// forward through one member, alternating between two scratch vectors; returns the output
Eigen::Map<const Eigen::VectorXf> Forward(const std::vector<PackedLayer>& member, const float* x,
                                          float* a, float* b) {
  const float* src = x;
  float* dst = a;
  for (size_t l = 0; l < member.size(); ++l) {
    const PackedLayer& layer = member[l];
    Eigen::Map<Eigen::VectorXf> out(dst, layer.bias.size());
    out = layer.bias;
    if (layer.narrow) {
      out.noalias() += layer.rows * Eigen::Map<const Eigen::VectorXf>(src, layer.rows.cols());
    } else {
      out.noalias() += layer.columns * Eigen::Map<const Eigen::VectorXf>(src, layer.columns.cols());
    }
    if (l + 1 < member.size()) out = out.array().tanh();
    src = dst;
    dst = (dst == a) ? b : a;
  }
  return Eigen::Map<const Eigen::VectorXf>(src, member.back().bias.size());
}

// the members' disagreement: the standard deviation across members (the columns of
// `outputs`) about `mean`, averaged over outputs. Two passes (mean, then deviations):
// E[y^2] - E[y]^2 cancels catastrophically in float when outputs are large, which is exactly
// when the disagreement matters.
template <typename Mean>
float Spread(const Eigen::MatrixXf& outputs, const Mean& mean) {
  return (outputs.colwise() - mean).array().square().rowwise().mean().sqrt().mean();
}

// below this many outputs a layer runs as dot products over rows
constexpr int kNarrowLayer = 8;

std::string TensorName(int member, int layer, const char* what) {
  return "member" + std::to_string(member) + ".layer" + std::to_string(layer) + "." + what;
}

}  // namespace

MlpEnsemble::MlpEnsemble(std::vector<std::vector<DenseLayer>> members)
    : members_(std::move(members)) {
  input_size_ = static_cast<int>(members_[0].front().weight.cols());
  output_size_ = static_cast<int>(members_[0].back().weight.rows());
  for (const auto& member : members_) {
    std::vector<PackedLayer> packed;
    for (const DenseLayer& layer : member) {
      max_width_ = std::max<int>(max_width_, std::max(layer.weight.rows(), layer.weight.cols()));
      PackedLayer p;
      p.narrow = layer.weight.rows() < kNarrowLayer;
      if (p.narrow) {
        p.rows = layer.weight;
      } else {
        p.columns = layer.weight;
      }
      p.bias = layer.bias;
      packed.push_back(std::move(p));
    }
    packed_.push_back(std::move(packed));
  }
}

std::unique_ptr<MlpEnsemble> MlpEnsemble::FromTensors(const SafetensorsFile& file, int members,
                                                      int layers, std::string* error) {
  if (members < 1 || layers < 1) {
    *error = "network must have at least one member and one layer";
    return nullptr;
  }
  // grown member by member as their tensors are found, never sized by the claimed count: the
  // first missing tensor ends the loop, so 2e9 claimed members cost nothing (sized up front,
  // their empty vectors alone were 48 GB)
  std::vector<std::vector<DenseLayer>> all;
  for (int e = 0; e < members; ++e) {
    all.emplace_back();
    for (int l = 0; l < layers; ++l) {
      auto w = file.tensors.find(TensorName(e, l, "weight"));
      auto b = file.tensors.find(TensorName(e, l, "bias"));
      if (w == file.tensors.end() || b == file.tensors.end()) {
        *error = "missing tensor " + TensorName(e, l, w == file.tensors.end() ? "weight" : "bias");
        return nullptr;
      }
      if (w->second.shape.size() != 2 || b->second.shape.size() != 1 ||
          b->second.shape[0] != w->second.shape[0]) {
        *error = "tensor " + TensorName(e, l, "weight") + " / bias have inconsistent shapes";
        return nullptr;
      }
      DenseLayer layer;
      const int64_t rows64 = w->second.shape[0], cols64 = w->second.shape[1];
      if (rows64 < 1 || cols64 < 1 || rows64 > 1 << 20 || cols64 > 1 << 20 ||
          w->second.data.size() != static_cast<size_t>(rows64 * cols64) ||
          b->second.data.size() != static_cast<size_t>(rows64)) {
        *error = "tensor " + TensorName(e, l, "weight") + " / bias sizes do not match their shapes";
        return nullptr;
      }
      for (float v : w->second.data) {
        if (!std::isfinite(v)) {
          *error = "tensor " + TensorName(e, l, "weight") + " holds a non-finite value";
          return nullptr;
        }
      }
      for (float v : b->second.data) {
        if (!std::isfinite(v)) {
          *error = "tensor " + TensorName(e, l, "bias") + " holds a non-finite value";
          return nullptr;
        }
      }
      const int rows = static_cast<int>(rows64), cols = static_cast<int>(cols64);
      if (l > 0 && cols != all[e][l - 1].weight.rows()) {
        *error = "tensor " + TensorName(e, l, "weight") + " does not chain with the layer before";
        return nullptr;
      }
      layer.weight = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic,
                                                    Eigen::RowMajor>>(w->second.data.data(), rows, cols);  // transposes into column-major
      layer.bias = Eigen::Map<const Eigen::VectorXf>(b->second.data.data(), rows);
      all[e].push_back(std::move(layer));
    }
    if (all[e].front().weight.cols() != all[0].front().weight.cols() ||
        all[e].back().weight.rows() != all[0].back().weight.rows()) {
      *error = "ensemble members have different input or output sizes";
      return nullptr;
    }
  }
  return std::make_unique<MlpEnsemble>(std::move(all));
}

void MlpEnsemble::ToTensors(SafetensorsFile* file) const {
  for (int e = 0; e < members(); ++e) {
    for (int l = 0; l < layers(); ++l) {
      const DenseLayer& layer = members_[e][l];
      FloatTensor w, b;
      w.shape = std::vector<int64_t>{layer.weight.rows(), layer.weight.cols()};
      Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = layer.weight;
      w.data.assign(row_major.data(), row_major.data() + row_major.size());
      b.shape = std::vector<int64_t>{layer.bias.size()};
      b.data.assign(layer.bias.data(), layer.bias.data() + layer.bias.size());
      file->tensors[TensorName(e, l, "weight")] = std::move(w);
      file->tensors[TensorName(e, l, "bias")] = std::move(b);
    }
  }
}

std::string MlpEnsemble::description() const {
  std::string s = "mlp " + std::to_string(input_size_);
  for (const DenseLayer& layer : members_[0]) s += "-" + std::to_string(layer.weight.rows());
  s += " tanh";
  if (members() > 1) s += " x" + std::to_string(members());
  return s;
}

std::unique_ptr<NetworkWorkspace> MlpEnsemble::MakeWorkspace() const {
  auto ws = std::make_unique<MlpWorkspace>();
  ws->a.resize(max_width_);
  ws->b.resize(max_width_);
  ws->outputs.resize(output_size_, members());
  ws->mean.resize(output_size_);
  return ws;
}

void MlpEnsemble::ForwardAll(const float* x, NetworkWorkspace* workspace) const {
  auto* ws = static_cast<MlpWorkspace*>(workspace);
  for (size_t e = 0; e < members_.size(); ++e) {
    ws->outputs.col(e) = Forward(packed_[e], x, ws->a.data(), ws->b.data());
  }
}

void MlpEnsemble::Evaluate(const float* x, float* mean, float* spread,
                           NetworkWorkspace* workspace) const {
  auto* ws = static_cast<MlpWorkspace*>(workspace);
  if (members_.size() == 1) {
    // the common case: no ensemble statistics to gather
    Eigen::Map<Eigen::VectorXf>(mean, output_size_) = Forward(packed_[0], x, ws->a.data(), ws->b.data());
    if (spread) *spread = 0;
    return;
  }
  ForwardAll(x, ws);
  Eigen::Map<Eigen::VectorXf> m(mean, output_size_);
  m = ws->outputs.rowwise().mean();
  if (spread) *spread = Spread(ws->outputs, m);
}

void MlpEnsemble::EvaluateMember(int member, const float* x, float* out, float* spread,
                                 NetworkWorkspace* workspace) const {
  auto* ws = static_cast<MlpWorkspace*>(workspace);
  Eigen::Map<Eigen::VectorXf> y(out, output_size_);
  if (!spread || members_.size() == 1) {
    // no disagreement wanted (or none to measure): the one member is all there is to run
    y = Forward(packed_[member], x, ws->a.data(), ws->b.data());
    if (spread) *spread = 0;
    return;
  }
  // the same pass and statistics as Evaluate, keeping the member's own column: the output is
  // bit for bit what the member gives alone, the spread what Evaluate reports
  ForwardAll(x, ws);
  ws->mean = ws->outputs.rowwise().mean();
  *spread = Spread(ws->outputs, ws->mean);
  y = ws->outputs.col(member);
}

}  // namespace mjhybrid
