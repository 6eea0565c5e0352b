#include "plugin/core/mlp.h"

#include <algorithm>
#include <cmath>

namespace mjhybrid {

namespace {

struct MlpWorkspace : NetworkWorkspace {
  Eigen::VectorXf a, b;  // ping-pong activations, max layer width
  Eigen::MatrixXf outputs;  // output_size x members, for a two-pass mean and spread
};

std::string TensorName(int member, int layer, const char* what) {
  return "member" + std::to_string(member) + ".layer" + std::to_string(layer) + "." + what;
}

}  // namespace

MlpEnsemble::MlpEnsemble(std::vector<std::vector<DenseLayer>> members)
    : members_(std::move(members)) {
  input_size_ = static_cast<int>(members_[0].front().weight.cols());
  output_size_ = static_cast<int>(members_[0].back().weight.rows());
  for (const auto& member : members_) {
    for (const DenseLayer& layer : member) {
      max_width_ = std::max<int>(max_width_, std::max(layer.weight.rows(), layer.weight.cols()));
    }
  }
}

std::unique_ptr<MlpEnsemble> MlpEnsemble::FromTensors(const SafetensorsFile& file, int members,
                                                      int layers, std::string* error) {
  if (members < 1 || layers < 1) {
    *error = "network must have at least one member and one layer";
    return nullptr;
  }
  std::vector<std::vector<DenseLayer>> all(members);
  for (int e = 0; e < members; ++e) {
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
                                                    Eigen::RowMajor>>(w->second.data.data(), rows, cols);
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
      w.shape = {layer.weight.rows(), layer.weight.cols()};
      w.data.assign(layer.weight.data(), layer.weight.data() + layer.weight.size());
      b.shape = {layer.bias.size()};
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
  return ws;
}

void MlpEnsemble::Evaluate(const float* x, float* mean, float* spread,
                           NetworkWorkspace* workspace) const {
  auto* ws = static_cast<MlpWorkspace*>(workspace);
  for (size_t e = 0; e < members_.size(); ++e) {
    const auto& member = members_[e];
    // forward through one member, alternating between the two scratch vectors
    Eigen::Map<const Eigen::VectorXf> in(x, input_size_);
    float* src = nullptr;
    float* dst = ws->a.data();
    for (size_t l = 0; l < member.size(); ++l) {
      const DenseLayer& layer = member[l];
      const int rows = static_cast<int>(layer.weight.rows());
      Eigen::Map<Eigen::VectorXf> out(dst, rows);
      if (l == 0) {
        out.noalias() = layer.weight * in;
      } else {
        out.noalias() = layer.weight * Eigen::Map<const Eigen::VectorXf>(src, layer.weight.cols());
      }
      out += layer.bias;
      if (l + 1 < member.size()) out = out.array().tanh();
      src = dst;
      dst = (dst == ws->a.data()) ? ws->b.data() : ws->a.data();
    }
    ws->outputs.col(e) = Eigen::Map<const Eigen::VectorXf>(src, output_size_);
  }
  // two passes (mean, then deviations): E[y^2] - E[y]^2 cancels catastrophically in float
  // when outputs are large, which is exactly when the disagreement matters
  Eigen::Map<Eigen::VectorXf> m(mean, output_size_);
  m = ws->outputs.rowwise().mean();
  if (spread) {
    *spread = members() > 1
                  ? ((ws->outputs.colwise() - m).array().square().rowwise().mean().sqrt().mean())
                  : 0.0f;
  }
}

}  // namespace mjhybrid
