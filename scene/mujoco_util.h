// Small RAII and error helpers around the MuJoCo C API, shared by every layer above the plugin. Every
// failure becomes a std::runtime_error whose message is the one line the user sees.

#ifndef MJHYBRID_SCENE_MUJOCO_UTIL_H_
#define MJHYBRID_SCENE_MUJOCO_UTIL_H_

#include <mujoco/mujoco.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "plugin/mujoco/mujoco_ptr.h"

namespace mjhybrid::scene {

// MuJoCo's multi-line error text as one line
std::string OneLine(std::string text);

// loads an MJCF file; throws with MuJoCo's message (e.g. a plugin config error)
ModelPtr LoadModel(const std::string& path);
DataPtr MakeData(const mjModel* m);

// compiles MJCF `text` as if it were a file in `folder` (its includes and asset paths resolve
// from there); throws "what: MuJoCo's message"
ModelPtr CompileMjcfIn(const std::string& folder, const std::string& text, const std::string& what);

// true if the state is finite and MuJoCo raised no instability warning since the last reset
bool Healthy(const mjModel* m, const mjData* d);

// routes MuJoCo warnings to stderr with a prefix, once per process
void InstallMujocoLogHandler();

// the state a robot can be put in and observed: qpos, qvel, act, ctrl, warmstart and the
// plugin state (mjSTATE_FULLPHYSICS | CTRL | WARMSTART)
inline constexpr int kFullState = mjSTATE_FULLPHYSICS | mjSTATE_CTRL | mjSTATE_WARMSTART;

// a name per qpos coordinate: the joint's name for hinges and slides, NAME.x/.y/.z and
// NAME.qw/.qx/.qy/.qz for a free joint, NAME.qw... for a ball; unnamed joints are jointJ
std::vector<std::string> QposNames(const mjModel* m);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_MUJOCO_UTIL_H_
