#include "plugin/core/residual_model.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "plugin/core/backends.h"
#include "plugin/core/mlp.h"
#include "plugin/core/model_metadata.h"
#include "plugin/core/safetensors.h"

namespace mjhybrid {

namespace {

using nlohmann::json;

// reads a float array of the expected length from meta[section][key]
bool ReadFloats(const json& meta, const char* section, const char* key, size_t n,
                std::vector<float>* out, std::string* error) {
  const std::string where = std::string(section) + "." + key;
  if (!meta.contains(section) || !meta[section].contains(key) || !meta[section][key].is_array()) {
    *error = "metadata lacks " + where;
    return false;
  }
  const json& a = meta[section][key];
  if (a.size() != n) {
    *error = "metadata " + where + " has " + std::to_string(a.size()) + " values, expected " +
             std::to_string(n);
    return false;
  }
  out->clear();
  for (const json& v : a) {
    // checked after the conversion: 1e39 is finite as a double but not as a float
    float f = v.is_number() ? v.get<float>() : NAN;
    if (!std::isfinite(f)) {
      *error = "metadata " + where + " holds a non-finite or non-numeric value";
      return false;
    }
    out->push_back(f);
  }
  return true;
}

bool StartsWith(const std::string& path, const char* magic, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string head(n, '\0');
  return in.read(head.data(), n) && std::memcmp(head.data(), magic, n) == 0;
}

}  // namespace

json ResidualModel::Metadata() const {
  json meta;
  meta["format"] = kModelFormat;
  meta["signature"] = SignatureJson(signature);
  meta["features"] = {{"ctrl_history", features.ctrl_history},
                      {"constraint_response", features.constraint_response},
                      {"contact_pairs", ContactPairsJson(features.contact_pairs)},
                      {"contact_range", features.contact_range},
                      {"names", FeatureNames(features, signature)}};
  meta["input"] = {{"mean", input_mean}, {"std", input_std}, {"min", input_min}, {"max", input_max}};
  const char* output_kind = features.kind == ResidualKind::kContact ? "pair_wrench"
                            : features.output == ResidualOutput::kVelocity ? "dqvel"
                                                                           : "qfrc";
  meta["output"] = {{"kind", output_kind},
                    {"mean", output_mean}, {"std", output_std},
                    {"bound", output_bound}};
  meta["provenance"] = provenance;
  return meta;
}

bool ParseModelMetadata(const json& meta, ResidualModel* model, std::string* error) {
  try {
    if (meta.value("format", "") != kModelFormat) {
      *error = "not an mjhybrid residual (format '" + meta.value("format", "") + "', expected '" +
               kModelFormat + "')";
      return false;
    }
    StateLayout& s = model->signature;
    if (!ParseSignature(meta.at("signature"), &s, error)) return false;
    const json& features = meta.at("features");
    model->features.ctrl_history = features.at("ctrl_history");
    if (model->features.ctrl_history < 0 || model->features.ctrl_history > 1000) {
      *error = "features.ctrl_history out of range [0, 1000]";
      return false;
    }
    // models written before contact pairs existed have neither key: no pairs
    if (!ParseContactPairs(features.value("contact_pairs", json::array()), &model->features.contact_pairs, error)) {
      return false;
    }
    model->features.contact_range = features.value("contact_range", 0.05);
    if (!(model->features.contact_range > 0 && model->features.contact_range < 10)) {
      *error = "features.contact_range must be in (0, 10) m";
      return false;
    }
    const std::string kind = meta.at("output").value("kind", "");
    model->features.output = ResidualOutput::kForce;
    if (kind == "qfrc" || kind == "dqvel") {
      model->features.kind = ResidualKind::kWholeState;
      if (kind == "dqvel") model->features.output = ResidualOutput::kVelocity;
    } else if (kind == "pair_wrench") {
      model->features.kind = ResidualKind::kContact;
      if (model->features.contact_pairs.empty()) {
        *error = "output.kind 'pair_wrench' needs features.contact_pairs";
        return false;
      }
    } else {
      *error = "output.kind must be 'qfrc', 'dqvel' or 'pair_wrench'";
      return false;
    }
    model->features.constraint_response = features.value("constraint_response", false);
    if (model->features.constraint_response && model->features.output != ResidualOutput::kVelocity) {
      *error = "features.constraint_response needs output.kind 'dqvel' (it is known only after the solver)";
      return false;
    }
    const size_t nin = FeatureCount(model->features, s);
    const size_t nout = OutputCount(model->features, s);
    if (!ReadFloats(meta, "input", "mean", nin, &model->input_mean, error) ||
        !ReadFloats(meta, "input", "std", nin, &model->input_std, error) ||
        !ReadFloats(meta, "input", "min", nin, &model->input_min, error) ||
        !ReadFloats(meta, "input", "max", nin, &model->input_max, error) ||
        !ReadFloats(meta, "output", "mean", nout, &model->output_mean, error) ||
        !ReadFloats(meta, "output", "std", nout, &model->output_std, error) ||
        !ReadFloats(meta, "output", "bound", nout, &model->output_bound, error)) {
      return false;
    }
    for (size_t i = 0; i < nin; ++i) {
      if (model->input_std[i] <= 0) {
        *error = "input.std must be > 0 (feature " + std::to_string(i) + ")";
        return false;
      }
      if (model->input_min[i] > model->input_max[i]) {
        *error = "input.min > input.max (feature " + std::to_string(i) + ")";
        return false;
      }
    }
    for (size_t i = 0; i < nout; ++i) {
      if (model->output_std[i] <= 0 || model->output_bound[i] < 0) {
        *error = "output.std must be > 0 and output.bound >= 0 (dof " + std::to_string(i) + ")";
        return false;
      }
    }
    model->provenance = meta.value("provenance", json::object());
  } catch (const json::exception& e) {
    *error = std::string("malformed metadata: ") + e.what();
    return false;
  }
  return true;
}

std::shared_ptr<const ResidualModel> LoadResidualModel(const std::string& path,
                                                       std::string* error) {
  auto fail = [&](const std::string& why) {
    *error = "residual model '" + path + "': " + why;
    return nullptr;
  };
  std::ifstream probe(path, std::ios::binary);
  if (!probe) return fail("cannot open file (missing or unreadable)");
  probe.close();

  auto model = std::make_shared<ResidualModel>();
  std::string why;
  json meta;
  if (LooksLikeSafetensors(path)) {
    SafetensorsFile file;
    if (!ReadSafetensors(path, &file, &why)) return fail(why);
    auto it = file.metadata.find("mjhybrid");
    if (it == file.metadata.end()) return fail("safetensors file has no 'mjhybrid' metadata");
    meta = json::parse(it->second, nullptr, false);
    if (meta.is_discarded()) return fail("'mjhybrid' metadata is not valid JSON");
    if (!ParseModelMetadata(meta, model.get(), &why)) return fail(why);
    const json net = meta.contains("network") ? meta["network"] : json();
    if (!net.is_object() || net.value("backend", json()) != "mlp" ||
        net.value("activation", json()) != "tanh" || !net.value("members", json()).is_number_integer() ||
        !net.value("layers", json()).is_number_integer()) {
      return fail("metadata 'network' must be {backend: 'mlp', activation: 'tanh', members: int, "
                  "layers: int} in a safetensors model");
    }
    // read wide, so that a count past int is refused rather than wrapped (2^32 + 2 members
    // once became 2); a count can be no more than the tensors the file holds
    const int64_t members = net["members"].get<int64_t>(), layers = net["layers"].get<int64_t>();
    const int64_t tensors = static_cast<int64_t>(file.tensors.size());
    if (members < 1 || layers < 1 || members > tensors || layers > tensors) {
      return fail("metadata 'network' claims " + std::to_string(members) + " members and " +
                  std::to_string(layers) + " layers; each must be at least 1 and at most the " +
                  std::to_string(tensors) + " tensors the file holds");
    }
    auto mlp = MlpEnsemble::FromTensors(file, static_cast<int>(members), static_cast<int>(layers), &why);
    if (!mlp) return fail(why);
    model->network = std::move(mlp);
  } else if (StartsWith(path, "PK\x03\x04", 4)) {
    // LibTorch reads the archive's tensors whole: the cap ReadSafetensors applies
    std::error_code size_error;
    const uintmax_t size = std::filesystem::file_size(path, size_error);
    if (!size_error && size > kMaxModelFileBytes) return fail(ModelFileTooLarge(size));
    NetworkLoader loader = FindNetworkLoader("torchscript", &why);
    if (!loader) return fail(why);
    if (!loader(path, &meta, &model->network, &why)) return fail(why);
    if (!ParseModelMetadata(meta, model.get(), &why)) return fail(why);
  } else {
    return fail("unknown file kind (expected safetensors or a TorchScript archive)");
  }

  // the network must fit the features and outputs the metadata declares
  const int nin = FeatureCount(model->features, model->signature);
  const int nout = OutputCount(model->features, model->signature);
  if (model->network->input_size() != nin || model->network->output_size() != nout) {
    return fail("network is " + std::to_string(model->network->input_size()) + " -> " +
                std::to_string(model->network->output_size()) + " but metadata declares " +
                std::to_string(nin) + " features -> " + std::to_string(nout) + " outputs");
  }
  return model;
}

bool SaveResidualModel(const std::string& path, const ResidualModel& model, std::string* error) {
  auto mlp = std::dynamic_pointer_cast<const MlpEnsemble>(model.network);
  if (!mlp) {
    *error = "only MLP models can be saved as safetensors";
    return false;
  }
  json meta = model.Metadata();
  meta["network"] = {{"backend", "mlp"}, {"members", mlp->members()}, {"layers", mlp->layers()},
                     {"activation", "tanh"}, {"description", mlp->description()}};
  SafetensorsFile file;
  file.metadata["mjhybrid"] = meta.dump();
  mlp->ToTensors(&file);
  return WriteSafetensors(path, file, error);
}

std::string CheckSignature(const ResidualModel& model, const StateLayout& scene) {
  return CheckSignature(model.signature, scene);
}

}  // namespace mjhybrid
