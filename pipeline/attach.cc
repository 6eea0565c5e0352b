#include "pipeline/attach.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "pipeline/mujoco_util.h"
#include "plugin/core/plugin_config.h"
#include "plugin/mujoco/residual_plugin.h"

namespace mjhybrid {

namespace fs = std::filesystem;

std::string AbsolutePath(const std::string& path) {
  return fs::weakly_canonical(fs::absolute(path)).string();
}

namespace {

// path of `target` relative to `base` if it lies under it, else empty
std::string RelativeUnder(const std::string& target, const std::string& base) {
  fs::path rel = fs::path(target).lexically_relative(base);
  if (rel.empty() || *rel.begin() == "..") return "";
  return rel.string();
}

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

}  // namespace

std::string HybridMjcf(const AttachOptions& options, const std::string& out_dir) {
  const std::string sim = AbsolutePath(options.sim_path);
  const std::string residual = AbsolutePath(options.residual_path);
  std::string include = fs::path(sim).lexically_relative(AbsolutePath(out_dir)).string();
  if (include.empty()) include = sim;
  std::string model = RelativeUnder(residual, AbsolutePath(MjhybridRoot()));
  if (model.empty()) model = residual;
  std::string name = fs::path(sim).parent_path().filename().string();

  std::ostringstream xml;
  xml << "<!-- " << XmlEscape(name) << ", hybrid: the analytic model plus the learned residual.\n"
      << "     Written by `mjhybrid attach`; the model path is relative to the mjhybrid root. -->\n"
      << "<mujoco model=\"" << XmlEscape(name) << " hybrid\">\n"
      << "  <include file=\"" << XmlEscape(include) << "\"/>\n\n"
      << "  <extension>\n"
      << "    <plugin plugin=\"" << kPluginName << "\">\n"
      << "      <instance name=\"residual\">\n"
      << "        <config key=\"model\" value=\"" << XmlEscape(model) << "\"/>\n"
      << "        <config key=\"mode\" value=\"" << XmlEscape(options.mode) << "\"/>\n"
      << "        <config key=\"scale\" value=\"" << options.scale << "\"/>\n"
      << "      </instance>\n"
      << "    </plugin>\n"
      << "  </extension>\n"
      << "</mujoco>\n";
  return xml.str();
}

ModelPtr CompileHybrid(const AttachOptions& options) {
  LoadModel(options.sim_path);  // the analytic scene's own errors first, with its name
  // the hybrid MJCF lives only in memory, under a name in sim.xml's folder, so that the include
  // and sim.xml's relative asset paths resolve exactly as for a hybrid.xml written beside it
  const fs::path dir = fs::path(AbsolutePath(options.sim_path)).parent_path();
  const std::string name = (dir / ".mjhybrid-hybrid-in-memory.xml").string();
  const std::string text = HybridMjcf(options, dir.string());
  mjVFS vfs;
  mj_defaultVFS(&vfs);
  mj_addBufferVFS(&vfs, name.c_str(), text.data(), static_cast<int>(text.size()));
  char error[1024] = "";
  mjModel* m = mj_loadXML(name.c_str(), &vfs, error, sizeof(error));
  mj_deleteVFS(&vfs);
  if (!m) {
    throw std::runtime_error("cannot attach '" + options.residual_path + "' to '" +
                             options.sim_path + "': " + OneLine(error));
  }
  return ModelPtr(m);
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

}  // namespace mjhybrid
