#include "plugin/torch/torchscript_network.h"

#include <cmath>
#include <cstring>
#include <unordered_map>

#include "plugin/core/residual_model.h"

namespace mjhybrid {

namespace {

constexpr char kMetadataFile[] = "mjhybrid.json";

struct TorchWorkspace : NetworkWorkspace {};

// forward on [B, in]; returns [E, B, out] whatever the module's own output rank
torch::Tensor ForwardMembers(torch::jit::Module& module, const torch::Tensor& x) {
  torch::Tensor y = module.forward({x}).toTensor();
  return y.dim() == 2 ? y.unsqueeze(0) : y;
}

}  // namespace

std::unique_ptr<TorchScriptNetwork> TorchScriptNetwork::Load(const std::string& path,
                                                             int input_size, int output_size,
                                                             std::string* error) {
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU);
  } catch (const std::exception& e) {
    std::string what = e.what();
    *error = "not a loadable TorchScript archive: " + what.substr(0, what.find('\n'));
    return nullptr;
  }
  return FromModule(std::move(module), input_size, output_size, error);
}

std::unique_ptr<TorchScriptNetwork> TorchScriptNetwork::FromModule(torch::jit::Module module,
                                                                   int input_size,
                                                                   int output_size,
                                                                   std::string* error) {
  auto net = std::unique_ptr<TorchScriptNetwork>(new TorchScriptNetwork());
  try {
    net->module_ = std::move(module);
    net->module_.eval();
    // probe once: checks the shapes and learns the ensemble size; the error shows the shape
    // the module itself returned, not the [E, B, out] view of it
    c10::InferenceMode guard;
    torch::Tensor y = net->module_.forward({torch::zeros({1, input_size})}).toTensor();
    const bool single = y.dim() == 2 && y.size(0) == 1 && y.size(1) == output_size;
    const bool ensemble =
        y.dim() == 3 && y.size(0) >= 1 && y.size(1) == 1 && y.size(2) == output_size;
    if ((!single && !ensemble) || y.scalar_type() != torch::kFloat32) {
      *error = "TorchScript module maps [1, " + std::to_string(input_size) + "] to " +
               std::string(c10::str(y.sizes())) + " (" + std::string(c10::toString(y.scalar_type())) +
               "), expected float32 [1, " + std::to_string(output_size) + "] or [E, 1, " +
               std::to_string(output_size) + "]";
      return nullptr;
    }
    net->members_ = single ? 1 : static_cast<int>(y.size(0));
  } catch (const std::exception& e) {
    std::string what = e.what();
    *error = "cannot run TorchScript module: " + what.substr(0, what.find('\n'));
    return nullptr;
  }
  net->input_size_ = input_size;
  net->output_size_ = output_size;
  return net;
}

std::unique_ptr<NetworkWorkspace> TorchScriptNetwork::MakeWorkspace() const {
  return std::make_unique<TorchWorkspace>();
}

void TorchScriptNetwork::Evaluate(const float* x, float* mean, float* spread,
                                  NetworkWorkspace* workspace) const {
  c10::InferenceMode guard;
  torch::Tensor in = torch::from_blob(const_cast<float*>(x), {1, input_size_}, torch::kFloat32);
  // [1, out] or [E, 1, out]: either way E rows of out values once contiguous
  torch::Tensor y = module_.forward({in}).toTensor().contiguous();
  const float* p = y.data_ptr<float>();

  // the moments over members on the host: a few floats, where each extra tensor op would cost
  // a dispatch of several microseconds (same formula as MlpEnsemble)
  float total = 0;
  for (int i = 0; i < output_size_; ++i) {
    double sum = 0;
    for (int e = 0; e < members_; ++e) sum += p[e * output_size_ + i];
    const double m = sum / members_;
    double var = 0;
    for (int e = 0; e < members_; ++e) {
      const double d = p[e * output_size_ + i] - m;
      var += d * d;
    }
    mean[i] = static_cast<float>(m);
    total += static_cast<float>(std::sqrt(var / members_));
  }
  if (spread) *spread = members_ > 1 ? total / output_size_ : 0.0f;
}

torch::Tensor TorchScriptNetwork::EvaluateBatch(const torch::Tensor& x) const {
  c10::InferenceMode guard;
  return ForwardMembers(module_, x).mean(0);
}

namespace {

bool LoadTorchScript(const std::string& path, nlohmann::json* metadata,
                     std::shared_ptr<const ResidualNetwork>* network, std::string* error) {
  // one read gives the module and the metadata, which says how many features and outputs
  // the module must have
  std::unordered_map<std::string, std::string> extra{{kMetadataFile, ""}};
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU, extra);
  } catch (const std::exception& e) {
    std::string what = e.what();
    *error = "not a loadable TorchScript archive: " + what.substr(0, what.find('\n'));
    return false;
  }
  if (extra[kMetadataFile].empty()) {
    *error = "TorchScript archive has no extra file 'mjhybrid.json' (export it with "
             "scripts/export_torchscript.py)";
    return false;
  }
  *metadata = nlohmann::json::parse(extra[kMetadataFile], nullptr, false);
  ResidualModel shape;
  if (metadata->is_discarded() || !ParseModelMetadata(*metadata, &shape, error)) {
    if (metadata->is_discarded()) *error = "mjhybrid.json is not valid JSON";
    return false;
  }
  auto net = TorchScriptNetwork::FromModule(std::move(module),
                                            static_cast<int>(shape.input_mean.size()),
                                            shape.signature.nv, error);
  if (!net) return false;
  *network = std::move(net);
  return true;
}

// registers the backend when libmjhybrid_torch.so is loaded
const bool kRegistered = [] {
  RegisterNetworkLoader("torchscript", LoadTorchScript);
  return true;
}();

}  // namespace

}  // namespace mjhybrid
