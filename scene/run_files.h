// What every command that writes results shares: refusing to overwrite what the user has,
// new run folders, the provenance stamped into results (versions, git hash), plots made from
// the written files by a script under scripts/.

#ifndef MJHYBRID_SCENE_RUN_FILES_H_
#define MJHYBRID_SCENE_RUN_FILES_H_

#include <string>

namespace mjhybrid::scene {

// refuses to overwrite an existing file unless force is set, and a path whose folder does not
// exist or cannot be written (before the work that would end in writing it)
void CheckOutputPath(const std::string& path, bool force);

// a study-like command writes one new run folder: an existing one is refused (one line naming
// the command), so that no earlier run is overwritten
void CheckNewRunFolder(const std::string& out, const std::string& command);

// The Python a command runs its scripts with: $MJHYBRID_PYTHON (the installed package's
// `mjhybrid` script names its own interpreter there), else the build's; "" when neither is set
std::string ScriptPython(const std::string& build_python);

// A script the command runs: `in_root` under the mjhybrid root when it is there (an installed
// package carries its own copies, cmake/PythonPackage.cmake), else `in_source` in the source tree
std::string ScriptPath(const std::string& in_root, const std::string& in_source);

// scripts/SCRIPT RUN_FOLDER with ScriptPython ("" = no plots); a warning when it fails
void MakePlots(const std::string& python, const std::string& script, const std::string& out,
               const std::string& command);

// "mujoco X, libtorch Y": what a result was computed with (Y: the LibTorch this build links,
// "none" in a build without it)
std::string Versions();

// the short hash of the source tree's HEAD, "unknown" outside a git checkout
std::string GitHash();

// writes `text` to `path` whole or not at all (plugin/core/atomic_file.h); throws one line when
// it cannot
void WriteText(const std::string& path, const std::string& text);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_RUN_FILES_H_
