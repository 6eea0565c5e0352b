#include "plugin/core/residual_model.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "plugin/core/backends.h"
#include "plugin/core/mlp.h"
#include "plugin/core/safetensors.h"

namespace mjhybrid {

namespace {

using nlohmann::json;

bool ParseJointKind(const std::string& s, JointKind* kind) {
  for (JointKind k : {JointKind::kFree, JointKind::kBall, JointKind::kSlide, JointKind::kHinge}) {
    if (s == JointKindName(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

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
  json joints = json::array();
  for (const JointInfo& j : signature.joints) {
    joints.push_back({{"name", j.name}, {"type", JointKindName(j.kind)},
                      {"qposadr", j.qposadr}, {"dofadr", j.dofadr}});
  }
  json meta;
  meta["format"] = kModelFormat;
  meta["signature"] = {{"nq", signature.nq}, {"nv", signature.nv}, {"nu", signature.nu},
                       {"timestep", signature.timestep},
                       {"control_period", signature.ControlPeriod()}, {"joints", joints},
                       {"actuators", signature.actuators}};
  json pairs = json::array();
  for (const ContactPair& p : features.contact_pairs) {
    json pair = json::array();
    for (const GeomShape* g : {&p.geom1, &p.geom2}) {
      pair.push_back({{"name", g->name}, {"type", g->type}, {"size", g->size}});
    }
    pairs.push_back(pair);
  }
  meta["features"] = {{"ctrl_history", features.ctrl_history},
                      {"constraint_response", features.constraint_response},
                      {"contact_pairs", pairs},
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
    const json& sig = meta.at("signature");
    StateLayout& s = model->signature;
    s.nq = sig.at("nq");
    s.nv = sig.at("nv");
    s.nu = sig.at("nu");
    s.timestep = sig.at("timestep");
    // models written before control periods existed were trained one timestep per record
    s.control_period = sig.value("control_period", s.timestep);
    s.joints.clear();
    for (const json& j : sig.at("joints")) {
      JointInfo info;
      info.name = j.at("name");
      info.qposadr = j.at("qposadr");
      info.dofadr = j.at("dofadr");
      if (!ParseJointKind(j.at("type"), &info.kind)) {
        *error = "unknown joint type '" + j.at("type").get<std::string>() + "'";
        return false;
      }
      s.joints.push_back(info);
    }
    s.actuators = sig.at("actuators").get<std::vector<std::string>>();
    if (static_cast<int>(s.actuators.size()) != s.nu || s.nq < 0 || s.nv < 0 || !(s.timestep > 0)) {
      *error = "inconsistent signature (nu vs actuator names, or timestep <= 0)";
      return false;
    }
    if (s.ControlSubsteps() == 0) {
      *error = "signature.control_period " + std::to_string(s.control_period) +
               " s is not a whole number (>= 1) of its timestep " + std::to_string(s.timestep) + " s";
      return false;
    }
    const json& features = meta.at("features");
    model->features.ctrl_history = features.at("ctrl_history");
    if (model->features.ctrl_history < 0 || model->features.ctrl_history > 1000) {
      *error = "features.ctrl_history out of range [0, 1000]";
      return false;
    }
    // models written before contact pairs existed have neither key: no pairs
    model->features.contact_pairs.clear();
    for (const json& pair : features.value("contact_pairs", json::array())) {
      ContactPair p;
      GeomShape* g[2] = {&p.geom1, &p.geom2};
      if (!pair.is_array() || pair.size() != 2) {
        *error = "features.contact_pairs must hold [geom1, geom2] pairs";
        return false;
      }
      for (int i = 0; i < 2; ++i) {
        g[i]->name = pair[i].at("name");
        g[i]->type = pair[i].at("type");
        g[i]->size = pair[i].at("size");
      }
      model->features.contact_pairs.push_back(p);
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
  const StateLayout& m = model.signature;
  auto sizes = [](const StateLayout& s) {
    return "nq=" + std::to_string(s.nq) + " nv=" + std::to_string(s.nv) + " nu=" + std::to_string(s.nu);
  };
  if (m.nq != scene.nq || m.nv != scene.nv || m.nu != scene.nu) {
    return "model was trained for " + sizes(m) + " but the scene has " + sizes(scene);
  }
  if (m.joints.size() != scene.joints.size()) {
    return "model expects " + std::to_string(m.joints.size()) + " joints, the scene has " +
           std::to_string(scene.joints.size());
  }
  for (size_t i = 0; i < m.joints.size(); ++i) {
    const JointInfo &a = m.joints[i], &b = scene.joints[i];
    if (a.name != b.name || a.kind != b.kind || a.qposadr != b.qposadr || a.dofadr != b.dofadr) {
      return "joint " + std::to_string(i) + " is " + JointKindName(b.kind) + " '" + b.name +
             "' in the scene but " + JointKindName(a.kind) + " '" + a.name + "' in the model";
    }
  }
  for (size_t i = 0; i < m.actuators.size(); ++i) {
    if (m.actuators[i] != scene.actuators[i]) {
      return "actuator " + std::to_string(i) + " is '" + scene.actuators[i] +
             "' in the scene but '" + m.actuators[i] + "' in the model";
    }
  }
  if (std::abs(m.timestep - scene.timestep) > 1e-9 * m.timestep) {
    char buf[160];
    std::snprintf(buf, sizeof(buf),
                  "model was trained at timestep %g s but the scene uses %g s "
                  "(retrain, or set <option timestep=\"%g\"/>)",
                  m.timestep, scene.timestep, m.timestep);
    return buf;
  }
  return "";
}

}  // namespace mjhybrid
