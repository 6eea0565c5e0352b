#include "plugin/core/contact_params.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include "plugin/core/model_metadata.h"
#include "plugin/core/residual_model.h"
#include "plugin/core/safetensors.h"

namespace mjhybrid {

namespace {

using nlohmann::json;

bool ReadTable(const json& meta, const char* key, size_t rows, size_t columns, std::vector<double>* out,
               std::string* error) {
  out->clear();
  const json& table = meta.at(key);
  if (!table.is_array() || table.size() != rows) {
    *error = std::string(key) + " must hold one row per pair (" + std::to_string(rows) + ")";
    return false;
  }
  for (const json& row : table) {
    if (!row.is_array() || row.size() != columns) {
      *error = std::string(key) + " rows must hold one value per parameter (" + std::to_string(columns) + ")";
      return false;
    }
    for (const json& v : row) {
      const double x = v.is_number() ? v.get<double>() : NAN;
      if (!std::isfinite(x)) {
        *error = std::string(key) + " holds a non-finite or non-numeric value";
        return false;
      }
      out->push_back(x);
    }
  }
  return true;
}

json Table(const std::vector<double>& values, int columns) {
  json out = json::array();
  for (size_t i = 0; columns > 0 && i < values.size(); i += columns) {
    out.push_back(std::vector<double>(values.begin() + i, values.begin() + i + columns));
  }
  return out;
}

}  // namespace

const char* ContactParameterName(ContactParameter p) { return kContactParameterNames[static_cast<int>(p)]; }

bool ParseContactParameter(const std::string& name, ContactParameter* p) {
  for (int k = 0; k < kContactParameterCount; ++k) {
    if (name == kContactParameterNames[k]) {
      *p = static_cast<ContactParameter>(k);
      return true;
    }
  }
  return false;
}

std::string ContactParameterList() {
  std::string out;
  for (const char* n : kContactParameterNames) out += std::string(out.empty() ? "" : ", ") + n;
  return out;
}

ParameterRange StableRange(ContactParameter p, double timestep) {
  switch (p) {
    case ContactParameter::kFriction: return {1e-5, 10};
    case ContactParameter::kSolrefTime: return {2 * timestep, 1};
    case ContactParameter::kSolrefDamping: return {0.01, 100};
    case ContactParameter::kSolimpMin:
    case ContactParameter::kSolimpMax: return {1e-4, 0.9999};
    case ContactParameter::kSolimpWidth: return {0, 1};
    case ContactParameter::kTorsion: return {0, 1};
  }
  return {0, 0};
}

int ClampToStableRange(const std::vector<ContactParameter>& parameters, double timestep,
                       std::vector<double>* values) {
  const size_t columns = parameters.size();
  int clamped = 0;
  for (size_t i = 0; columns > 0 && i < values->size(); ++i) {
    const ParameterRange r = StableRange(parameters[i % columns], timestep);
    double& v = (*values)[i];
    const double c = std::clamp(v, r.low, r.high);
    clamped += c != v;
    v = c;
  }
  return clamped;
}

json ContactParamsModel::Metadata() const {
  std::vector<std::string> names;
  for (ContactParameter p : parameters) names.push_back(ContactParameterName(p));
  json meta;
  meta["format"] = kContactParamsFormat;
  meta["signature"] = SignatureJson(signature);
  meta["pairs"] = ContactPairsJson(pairs);
  meta["parameters"] = names;
  meta["values"] = Table(values, columns());
  if (!nominal.empty()) meta["nominal"] = Table(nominal, columns());
  meta["provenance"] = provenance;
  return meta;
}

bool ParseContactParamsMetadata(const json& meta, ContactParamsModel* model, std::string* error) {
  try {
    if (meta.value("format", "") != kContactParamsFormat) {
      *error = "not an mjhybrid contact-parameter model (format '" + meta.value("format", "") +
               "', expected '" + kContactParamsFormat + "')";
      return false;
    }
    if (!ParseSignature(meta.at("signature"), &model->signature, error)) return false;
    if (!ParseContactPairs(meta.at("pairs"), &model->pairs, error)) return false;
    if (model->pairs.empty()) {
      *error = "pairs is empty: a contact-parameter model sets the parameters of at least one geom pair";
      return false;
    }
    model->parameters.clear();
    for (const json& name : meta.at("parameters")) {
      ContactParameter p;
      const std::string text = name.is_string() ? name.get<std::string>() : name.dump();
      if (!name.is_string() || !ParseContactParameter(text, &p)) {
        *error = "unknown contact parameter '" + text + "'; valid: " + ContactParameterList();
        return false;
      }
      if (std::find(model->parameters.begin(), model->parameters.end(), p) != model->parameters.end()) {
        *error = "contact parameter '" + text + "' is listed twice";
        return false;
      }
      model->parameters.push_back(p);
    }
    if (model->parameters.empty()) {
      *error = "parameters is empty: name at least one of the contact parameters";
      return false;
    }
    const size_t rows = model->pairs.size(), columns = model->parameters.size();
    if (!ReadTable(meta, "values", rows, columns, &model->values, error)) return false;
    model->nominal.clear();
    if (meta.contains("nominal") && !ReadTable(meta, "nominal", rows, columns, &model->nominal, error)) return false;
    model->provenance = meta.value("provenance", json::object());
  } catch (const json::exception& e) {
    *error = std::string("malformed metadata: ") + e.what();
    return false;
  }
  return true;
}

namespace {

bool ReadMetadata(const std::string& path, json* meta, std::string* error) {
  SafetensorsFile file;
  if (!ReadSafetensors(path, &file, error)) return false;
  auto it = file.metadata.find("mjhybrid");
  if (it == file.metadata.end()) {
    *error = "safetensors file has no 'mjhybrid' metadata";
    return false;
  }
  *meta = json::parse(it->second, nullptr, false);
  if (meta->is_discarded()) {
    *error = "'mjhybrid' metadata is not valid JSON";
    return false;
  }
  return true;
}

}  // namespace

bool IsContactParamsFile(const std::string& path) {
  json meta;
  std::string ignored;
  return LooksLikeSafetensors(path) && ReadMetadata(path, &meta, &ignored) && meta.is_object() &&
         meta.value("format", json()) == kContactParamsFormat;
}

std::shared_ptr<const ContactParamsModel> LoadContactParams(const std::string& path, std::string* error) {
  auto fail = [&](const std::string& why) {
    *error = "contact-parameter model '" + path + "': " + why;
    return nullptr;
  };
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return fail("cannot open file (missing or unreadable)");
  if (!LooksLikeSafetensors(path)) return fail("not a safetensors file");
  json meta;
  std::string why;
  if (!ReadMetadata(path, &meta, &why)) return fail(why);
  auto model = std::make_shared<ContactParamsModel>();
  if (!ParseContactParamsMetadata(meta, model.get(), &why)) return fail(why);
  return model;
}

std::shared_ptr<const ContactParamsModel> SharedContactParams(const std::string& path, std::string* error) {
  struct Entry {
    std::shared_ptr<const ContactParamsModel> model;
    FileStamp stamp;
  };
  static std::mutex mutex;
  static std::map<std::string, Entry> cache;
  const FileStamp stamp = StampOf(path);
  std::lock_guard<std::mutex> lock(mutex);
  Entry& entry = cache[path];
  if (entry.model && entry.stamp == stamp) return entry.model;
  auto model = LoadContactParams(path, error);
  if (model) entry = {model, stamp};
  return model;
}

bool SaveContactParams(const std::string& path, const ContactParamsModel& model, std::string* error) {
  SafetensorsFile file;
  file.metadata["mjhybrid"] = model.Metadata().dump();
  return WriteSafetensors(path, file, error);
}

}  // namespace mjhybrid
