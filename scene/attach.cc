#include "scene/attach.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>
#include <stdexcept>

#include "scene/mujoco_util.h"
#include "scene/run_files.h"
#include "plugin/core/contact_params.h"
#include "plugin/core/plugin_config.h"
#include "plugin/mujoco/contact_pairs.h"
#include "plugin/mujoco/native_pairs.h"
#include "plugin/mujoco/residual_plugin.h"

namespace mjhybrid::scene {

namespace fs = std::filesystem;

std::string AbsolutePath(const std::string& path) {
  return fs::weakly_canonical(fs::absolute(path)).string();
}

namespace {

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// shortest text that reads back as exactly v (MuJoCo parses attributes with strtod), so that
// the plugin finds the pair holding its model's values bit for bit (native_pairs.h)
std::string Exact(double v) {
  char text[32];
  for (int digits = 6; digits <= 17; ++digits) {
    std::snprintf(text, sizeof(text), "%.*g", digits, v);
    if (std::strtod(text, nullptr) == v) break;
  }
  return text;
}

std::string Exact(const mjtNum* v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? " " : "") + Exact(v[i]);
  return out;
}

}  // namespace

std::string NativePairsMjcf(const mjModel* sim, const ContactParamsModel& model) {
  const std::vector<NativePair> pairs = NativePairsFor(sim, model);
  if (pairs.empty()) return "";
  std::ostringstream xml;
  xml << "  <!-- the contact-parameter model's values as MuJoCo's own explicit pairs: collision gives the\n"
      << "       contacts these values, so the plugin has nothing to rewrite (docs/CONTACT.md) -->\n"
      << "  <contact>\n";
  for (const NativePair& pair : pairs) {
    const PairParameters& p = pair.parameters;
    xml << "    <pair geom1=\"" << XmlEscape(pair.geom1) << "\" geom2=\"" << XmlEscape(pair.geom2) << "\" condim=\""
        << p.condim << "\"\n          friction=\"" << Exact(p.friction, 5) << "\"\n          solref=\""
        << Exact(p.solref, mjNREF) << "\" solimp=\"" << Exact(p.solimp, mjNIMP) << "\"";
    if (p.margin != 0) xml << " margin=\"" << Exact(p.margin) << "\"";
    if (p.gap != 0) xml << " gap=\"" << Exact(p.gap) << "\"";
    xml << "/>\n";
  }
  xml << "  </contact>\n";
  return xml.str();
}

std::string ExclusionMjcf(const mjModel* sim, const std::vector<ContactPair>& pairs) {
  std::vector<ResolvedPair> resolved;
  std::string why = ResolveContactPairs(sim, pairs, &resolved);
  if (!why.empty()) throw std::runtime_error(why);
  std::set<std::pair<int, int>> bodies;
  for (const ResolvedPair& p : resolved) bodies.insert({std::min(p.body1, p.body2), std::max(p.body1, p.body2)});
  std::ostringstream xml;
  xml << "  <!-- mode replace: the learned model supplies these bodies' contact -->\n"
      << "  <contact>\n";
  for (const auto& [a, b] : bodies) {
    const char* names[2] = {mj_id2name(sim, mjOBJ_BODY, a), mj_id2name(sim, mjOBJ_BODY, b)};
    for (int i = 0; i < 2; ++i) {
      if (!names[i]) {
        throw std::runtime_error("body #" + std::to_string(i ? b : a) + " holds a replaced contact "
                                 "geom but has no name; name it so its contact can be excluded");
      }
    }
    xml << "    <exclude body1=\"" << XmlEscape(names[0]) << "\" body2=\"" << XmlEscape(names[1]) << "\"/>\n";
  }
  xml << "  </contact>\n";
  return xml.str();
}

std::string HybridMjcf(const AttachOptions& options, const std::string& out_dir) {
  const std::string sim = AbsolutePath(options.sim_path);
  std::string include = fs::path(sim).lexically_relative(AbsolutePath(out_dir)).string();
  if (include.empty()) include = sim;
  std::string name = fs::path(sim).parent_path().filename().string();

  const std::string root = AbsolutePath(MjhybridRoot());
  if (options.residual.model.empty() && options.params_model.empty()) {
    throw std::runtime_error("attach needs a residual model, a contact-parameter model, or both");
  }
  std::ostringstream xml;
  xml << "<!-- " << XmlEscape(name) << ", hybrid: the analytic model plus the learned residual.\n"
      << "     Written by `mjhybrid attach`; the model path is relative to the mjhybrid root. -->\n"
      << "<mujoco model=\"" << XmlEscape(name) << " hybrid\">\n"
      << "  <include file=\"" << XmlEscape(include) << "\"/>\n\n";
  std::string error;
  auto instance = [&](const char* instance_name, const PluginConfig& config) {
    std::ostringstream out;
    out << "      <instance name=\"" << instance_name << "\">\n";
    for (const auto& [key, value] : FormatPluginConfig(config, root)) {
      out << "        <config key=\"" << key << "\" value=\"" << XmlEscape(value) << "\"/>\n";
    }
    out << "      </instance>\n";
    return out.str();
  };
  std::string instances;
  std::shared_ptr<const ContactParamsModel> params_model;
  if (!options.params_model.empty()) {
    params_model = LoadContactParams(options.params_model, &error);
    if (!params_model) throw std::runtime_error(error);
    PluginConfig params;
    params.model = AbsolutePath(options.params_model);
    params.mode = ResidualMode::kParams;
    instances += instance("contact_params", params);
  }
  if (!options.residual.model.empty()) {
    // the model file decides what the scene needs: a contact model replaces native contact
    auto loaded = LoadResidualModel(options.residual.model, &error);
    if (!loaded) throw std::runtime_error(error);
    const bool contact = loaded->features.kind == ResidualKind::kContact;
    PluginConfig config = options.residual;
    config.model = AbsolutePath(options.residual.model);
    if (options.mode_from_model) config.mode = contact ? ResidualMode::kReplace : ResidualMode::kAugment;
    if (contact) {
      ModelPtr analytic = LoadModel(options.sim_path);
      xml << ExclusionMjcf(analytic.get(), loaded->features.contact_pairs) << "\n";
      // explicit pairs would bring back native contact that the exclusion switched off
      params_model.reset();
    }
    instances += instance("residual", config);
  }
  if (params_model && options.native_pairs) {
    ModelPtr analytic = LoadModel(options.sim_path);
    const std::string pairs = NativePairsMjcf(analytic.get(), *params_model);
    if (!pairs.empty()) xml << pairs << "\n";
  }
  xml << "  <extension>\n"
      << "    <plugin plugin=\"" << kPluginName << "\">\n"
      << instances
      << "    </plugin>\n"
      << "  </extension>\n"
      << "</mujoco>\n";
  return xml.str();
}

namespace {

// compiles MJCF `text` as if it were a file in sim.xml's folder, so that its include of sim.xml
// and sim.xml's relative asset paths resolve exactly as for a file written there
ModelPtr CompileBesideSim(const std::string& sim_path, const std::string& text, const std::string& what) {
  return CompileMjcfIn(fs::path(AbsolutePath(sim_path)).parent_path().string(), text, what);
}

}  // namespace

void SetAttachMode(const std::string& text, AttachOptions* options) {
  options->mode_from_model = text == "auto";
  if (!options->mode_from_model && !ParseResidualMode(text, &options->residual.mode)) {
    throw std::runtime_error("--mode is '" + text + "'; valid values: auto, off, augment, replace");
  }
}

ModelPtr CompileHybrid(const AttachOptions& options) {
  LoadModel(options.sim_path);  // the analytic scene's own errors first, with its name
  const fs::path dir = fs::path(AbsolutePath(options.sim_path)).parent_path();
  return CompileBesideSim(options.sim_path, HybridMjcf(options, dir.string()),
                          "cannot attach '" + (options.residual.model.empty() ? options.params_model : options.residual.model) +
                              "' to '" + options.sim_path + "'");
}

ModelPtr CompileWithoutContact(const std::string& sim_path, const std::vector<ContactPair>& pairs) {
  ModelPtr sim = LoadModel(sim_path);
  const std::string include = fs::path(AbsolutePath(sim_path)).filename().string();
  const std::string text = "<mujoco>\n  <include file=\"" + XmlEscape(include) + "\"/>\n" +
                           ExclusionMjcf(sim.get(), pairs) + "</mujoco>\n";
  return CompileBesideSim(sim_path, text, "cannot switch off contact in '" + sim_path + "'");
}

void Attach(const AttachOptions& options, const std::string& out_path, bool force) {
  CheckOutputPath(out_path, force);
  ModelPtr sim = LoadModel(options.sim_path);  // a clear error if the analytic scene is broken
  fs::path out = fs::absolute(out_path);
  // MuJoCo resolves the asset files of an included model from the including file's folder
  if (sim->nmesh + sim->ntex + sim->nhfield + sim->nskin > 0 &&
      fs::weakly_canonical(out.parent_path()) != fs::path(AbsolutePath(options.sim_path)).parent_path()) {
    std::fprintf(stderr, "[attach] note: %s loads asset files; their relative paths resolve from "
                 "%s, so keep the hybrid scene beside it\n", options.sim_path.c_str(),
                 out.parent_path().c_str());
  }
  std::string text = HybridMjcf(options, out.parent_path().string());
  // write beside the target (the include is relative to it), compile, then move into place
  fs::path tmp = out;
  tmp += ".tmp";
  {
    std::ofstream f(tmp);
    if (!(f << text)) throw std::runtime_error("cannot write '" + tmp.string() + "'");
  }
  try {
    LoadModel(tmp.string());
  } catch (...) {
    fs::remove(tmp);
    throw;
  }
  fs::rename(tmp, out);
}

}  // namespace mjhybrid::scene
