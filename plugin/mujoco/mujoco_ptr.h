// Owning pointers for MuJoCo's models and data, for every layer that compiles or steps models
// (the scene library, the policies, the viewer, the tests).

#ifndef MJHYBRID_PLUGIN_MUJOCO_MUJOCO_PTR_H_
#define MJHYBRID_PLUGIN_MUJOCO_MUJOCO_PTR_H_

#include <mujoco/mujoco.h>

#include <memory>

namespace mjhybrid {

struct ModelDeleter {
  void operator()(mjModel* m) const { mj_deleteModel(m); }
};
struct DataDeleter {
  void operator()(mjData* d) const { mj_deleteData(d); }
};
using ModelPtr = std::unique_ptr<mjModel, ModelDeleter>;
using DataPtr = std::unique_ptr<mjData, DataDeleter>;

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_MUJOCO_MUJOCO_PTR_H_
