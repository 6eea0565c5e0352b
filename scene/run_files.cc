#include "scene/run_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <mujoco/mujoco.h>

#include "plugin/core/atomic_file.h"
#include "plugin/core/plugin_config.h"

namespace mjhybrid::scene {

void CheckOutputPath(const std::string& path, bool force) {
  struct stat st;
  if (!force && stat(path.c_str(), &st) == 0) {
    throw std::runtime_error("'" + path + "' exists; pass --force to overwrite it");
  }
  // the folder it goes in, checked before the work: a fit of minutes must not end in a
  // write that was never going to succeed
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string folder = parent.empty() ? "." : parent.string();
  if (stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw std::runtime_error("cannot write '" + path + "': the folder '" + folder + "' does not exist");
  }
  if (access(folder.c_str(), W_OK) != 0) {
    throw std::runtime_error("cannot write '" + path + "': the folder '" + folder + "' is not writable");
  }
}

std::string GitHash() {
#ifdef MJHYBRID_SOURCE_DIR
  std::string cmd = "git -C '" MJHYBRID_SOURCE_DIR "' rev-parse --short HEAD 2>/dev/null";
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[64] = "";
    bool ok = fgets(buf, sizeof(buf), p) != nullptr;
    pclose(p);
    std::string s = ok ? buf : "";
    while (!s.empty() && (s.back() == '\n')) s.pop_back();
    if (!s.empty()) return s;
  }
#endif
  return "unknown";
}

void CheckNewRunFolder(const std::string& out, const std::string& command) {
  if (out.empty()) throw std::runtime_error("--out is required");
  std::error_code ec;
  if (std::filesystem::exists(out, ec)) {
    throw std::runtime_error("'" + out + "' exists; " + command + " writes a new run folder (choose another --out)");
  }
}

std::string ScriptPython(const std::string& build_python) {
  const char* env = std::getenv("MJHYBRID_PYTHON");
  return env && *env ? env : build_python;
}

std::string ScriptPath(const std::string& in_root, const std::string& in_source) {
  std::error_code ignored;
  const std::string installed = MjhybridRoot() + "/" + in_root;
  if (std::filesystem::is_regular_file(installed, ignored)) return installed;
  return std::string(MJHYBRID_SOURCE_DIR) + "/" + in_source;
}

void MakePlots(const std::string& build_python, const std::string& script, const std::string& out,
               const std::string& command) {
  const std::string python = ScriptPython(build_python);
  if (python.empty()) return;
  const std::string path = ScriptPath("scripts/" + script, "scripts/" + script);
  const std::string line = "'" + python + "' '" + path + "' '" + out + "'";
  if (std::system(line.c_str()) != 0) std::fprintf(stderr, "[%s] warning: the plots were not made\n", command.c_str());
}

std::string Versions() {
  return std::string("mujoco ") + mj_versionString() + ", libtorch " + MJHYBRID_LIBTORCH_VERSION;
}

void WriteText(const std::string& path, const std::string& text) {
  std::string error;
  if (!WriteFileAtomically(path, [&](std::ostream& out) { return static_cast<bool>(out << text); }, &error)) {
    throw std::runtime_error("cannot write '" + path + "': " + error);
  }
}

}  // namespace mjhybrid::scene
