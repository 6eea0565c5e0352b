#include "plugin/core/plugin_config.h"

#include <dlfcn.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "plugin/core/printable.h"

namespace mjhybrid {

namespace {

// a value as an error message quotes it: one line, whatever the MJCF held (core/printable.h)
std::string Quoted(const std::string& value) { return "'" + Printable(value) + "'"; }

// the shortest of the usual 6 significant digits and more that reads back as exactly `v`
// (0.3 stays "0.3"; 33333313333 does not become 3.33333e+10)
std::string ShortestDecimal(double v) {
  std::string text;
  for (int digits = 6; digits <= 17; ++digits) {
    std::ostringstream out;
    out << std::setprecision(digits) << v;
    text = out.str();
    if (std::strtod(text.c_str(), nullptr) == v) break;
  }
  return text;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n\r"), e = s.find_last_not_of(" \t\n\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// <site-packages>/mjhybrid/lib/libmjhybrid.so -> <site-packages>/mjhybrid (it holds models/),
// <root>/build/lib/libmjhybrid.so -> <root>; made absolute once, when the library loads, so
// that neither a relative dlopen path nor a later chdir changes the answer
std::string RootFromLibraryLocation() {
  namespace fs = std::filesystem;
  Dl_info info;
  if (!dladdr(reinterpret_cast<void*>(&RootFromLibraryLocation), &info) || !info.dli_fname) return ".";
  char resolved[PATH_MAX];
  if (!realpath(info.dli_fname, resolved)) return ".";
  const fs::path above = fs::path(resolved).parent_path().parent_path();
  std::error_code ignored;
  if (fs::is_directory(above / "models", ignored)) return above.string();
  return above.parent_path().string();
}

// the first of `folders` that holds the relative path `model`, joined to it; "" when none does
std::string FindModel(const std::string& model, const std::vector<std::string>& folders) {
  std::error_code ignored;
  for (const std::string& folder : folders) {
    if (std::filesystem::is_regular_file(folder + "/" + model, ignored)) return folder + "/" + model;
  }
  return "";
}

const std::string kLibraryRoot = RootFromLibraryLocation();

// "all" or a plain decimal index (digits only: no sign, point or exponent); false otherwise
bool ParseMember(const std::string& text, int* member) {
  if (text.empty() || text == "all") {
    *member = kAllMembers;
    return true;
  }
  if (text.find_first_not_of("0123456789") != std::string::npos) return false;
  errno = 0;
  const long v = std::strtol(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v > INT_MAX) return false;
  *member = static_cast<int>(v);
  return true;
}

}  // namespace

bool ParseResidualMode(const std::string& text, ResidualMode* mode) {
  for (ResidualMode m : {ResidualMode::kOff, ResidualMode::kAugment, ResidualMode::kReplace, ResidualMode::kParams}) {
    if (text == ResidualModeName(m)) {
      *mode = m;
      return true;
    }
  }
  return false;
}

const char* ResidualModeName(ResidualMode mode) {
  switch (mode) {
    case ResidualMode::kOff: return "off";
    case ResidualMode::kReplace: return "replace";
    case ResidualMode::kParams: return "params";
    case ResidualMode::kAugment: break;
  }
  return "augment";
}

std::vector<std::pair<std::string, std::string>> FormatPluginConfig(const PluginConfig& config,
                                                                    const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> entries;
  if (!config.model.empty()) {
    // the inverse of the join above: relative to the root when the file lies under it
    const fs::path relative = fs::path(config.model).lexically_relative(root);
    const bool under = !relative.empty() && *relative.begin() != "..";
    entries.push_back({"model", under ? relative.string() : config.model});
  }
  entries.push_back({"mode", ResidualModeName(config.mode)});
  entries.push_back({"scale", ShortestDecimal(config.scale)});
  if (config.member != kAllMembers) entries.push_back({"member", std::to_string(config.member)});
  return entries;
}

std::string MjhybridRoot() {
  if (const char* env = std::getenv("MJHYBRID_ROOT"); env && *env) return env;
  return kLibraryRoot;
}

std::vector<std::string> ModelSearchFolders() {
  std::vector<std::string> folders;
  if (const char* env = std::getenv("MJHYBRID_MODEL_PATH"); env && *env) {
    std::stringstream list(env);
    std::string folder;
    while (std::getline(list, folder, ':')) {
      if (!folder.empty()) folders.push_back(folder);
    }
  }
  folders.push_back(MjhybridRoot());
  return folders;
}

std::string MissingRelativeModel(const std::string& value, const std::vector<std::string>& folders) {
  const std::string model = Trim(value);
  if (model.empty() || model[0] == '/' || !FindModel(model, folders).empty()) return "";
  std::string looked;
  for (const std::string& folder : folders) looked += (looked.empty() ? "" : ", ") + folder;
  return "model " + Quoted(model) + " is in none of the folders a relative model is looked up in (" +
         Printable(looked) + "); MuJoCo does not tell a plugin its scene's folder: load the scene "
         "with mjhybrid.load_model (Python), list the folder in $MJHYBRID_MODEL_PATH, or "
         "give an absolute path";
}

bool ParsePluginConfig(const std::function<std::string(const char*)>& get,
                       const std::vector<std::string>& folders, PluginConfig* config,
                       std::string* error) {
  const std::string& root = folders.back();
  std::string mode = Trim(get("mode"));
  if (mode.empty()) {
    config->mode = ResidualMode::kAugment;
  } else if (!ParseResidualMode(mode, &config->mode)) {
    *error = "config 'mode' is " + Quoted(mode) + "; valid values: off, augment, replace, params";
    return false;
  }

  std::string scale = Trim(get("scale"));
  config->scale = 1;
  if (!scale.empty()) {
    char* end = nullptr;
    double v = std::strtod(scale.c_str(), &end);
    if (end == scale.c_str() || *end != '\0' || !std::isfinite(v) || v < 0) {
      *error = "config 'scale' is " + Quoted(scale) + "; expected a finite number >= 0";
      return false;
    }
    config->scale = v;
  }

  std::string member = Trim(get("member"));
  if (!ParseMember(member, &config->member)) {
    *error = "config 'member' is " + Quoted(member) + "; valid values: all, or a member index >= 0";
    return false;
  }

  std::string model = Trim(get("model"));
  if (model.empty()) {
    if (config->mode != ResidualMode::kOff) {
      *error = "config 'model' is missing; give the path of a residual model file "
               "(absolute, or relative to the scene's folder, $MJHYBRID_MODEL_PATH or " + root + ")";
      return false;
    }
    config->model.clear();
  } else {
    // a relative model found nowhere keeps the root's path (MissingRelativeModel says so)
    const std::string found = model[0] == '/' ? model : FindModel(model, folders);
    config->model = found.empty() ? root + "/" + model : found;
  }
  return true;
}

}  // namespace mjhybrid
