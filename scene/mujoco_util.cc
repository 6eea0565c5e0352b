#include "scene/mujoco_util.h"

#include <filesystem>

#include <sys/stat.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace mjhybrid::scene {

std::string OneLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) if (c == '\n') c = ' ';
  return text;
}

ModelPtr LoadModel(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) throw std::runtime_error("model file '" + path + "' not found");
  char error[1024] = "";
  // by its absolute path: MuJoCo resolves an include inside an included file (a hybrid scene
  // in a run folder that includes sim-4ms.xml, which includes sim.xml) against the wrong
  // folder when the top file's path is relative
  const std::string absolute = std::filesystem::absolute(path).string();
  mjModel* m = mj_loadXML(absolute.c_str(), nullptr, error, sizeof(error));
  if (!m) throw std::runtime_error("cannot load '" + path + "': " + OneLine(error));
  return ModelPtr(m);
}

ModelPtr CompileMjcfIn(const std::string& folder, const std::string& text, const std::string& what) {
  // a name in the folder that no file of a scene uses; the buffer shadows nothing on disk
  // an absolute name, for the nested includes LoadModel describes
  const std::string name = (std::filesystem::absolute(folder) / ".mjhybrid-in-memory.xml").string();
  mjVFS vfs;
  mj_defaultVFS(&vfs);
  mj_addBufferVFS(&vfs, name.c_str(), text.data(), static_cast<int>(text.size()));
  char error[1024] = "";
  mjModel* m = mj_loadXML(name.c_str(), &vfs, error, sizeof(error));
  mj_deleteVFS(&vfs);
  if (!m) throw std::runtime_error(what + ": " + OneLine(error));
  return ModelPtr(m);
}

DataPtr MakeData(const mjModel* m) {
  mjData* d = mj_makeData(m);
  if (!d) throw std::runtime_error("mj_makeData failed (a plugin refused the model)");
  return DataPtr(d);
}

bool Healthy(const mjModel* m, const mjData* d) {
  if (d->warning[mjWARN_BADQACC].number || d->warning[mjWARN_BADQPOS].number ||
      d->warning[mjWARN_BADQVEL].number) {
    return false;
  }
  for (int i = 0; i < m->nq; ++i) if (!std::isfinite(d->qpos[i])) return false;
  for (int i = 0; i < m->nv; ++i) if (!std::isfinite(d->qvel[i])) return false;
  return true;
}

void InstallMujocoLogHandler() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  // our handler also keeps MuJoCo from writing MUJOCO_LOG.TXT into the working directory
  // long evaluations of a diverging analytic model would print thousands of the same line;
  // the tools count divergence themselves, so a few warnings are enough
  mju_setLogHandler([](const mjLogMessage* msg) {
    static std::atomic<int> printed{0};
    if (msg->level < mjLOG_WARNING) return;
    int n = printed++;
    if (msg->level == mjLOG_WARNING && n >= 5) {
      if (n == 5) std::cerr << "mjhybrid: further MuJoCo warnings suppressed\n";
      return;
    }
    std::cerr << "mjhybrid: MuJoCo " << (msg->level == mjLOG_ERROR ? "error" : "warning") << ": "
              << msg->subject << "\n";
  });
}

std::vector<std::string> QposNames(const mjModel* m) {
  static const char* const kFree[] = {"x", "y", "z", "qw", "qx", "qy", "qz"};
  std::vector<std::string> out;
  for (int j = 0; j < m->njnt; ++j) {
    const char* name = mj_id2name(m, mjOBJ_JOINT, j);
    const std::string joint = name && name[0] ? name : "joint" + std::to_string(j);
    switch (m->jnt_type[j]) {
      case mjJNT_FREE:
        for (const char* c : kFree) out.push_back(joint + "." + c);
        break;
      case mjJNT_BALL:
        for (int i = 3; i < 7; ++i) out.push_back(joint + "." + kFree[i]);
        break;
      default:
        out.push_back(joint);
    }
  }
  return out;
}

}  // namespace mjhybrid::scene
