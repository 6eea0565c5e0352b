// Registers every plugin of libmjhybrid.so when the library is loaded.

#include <mujoco/mujoco.h>

#include "plugin/mujoco/residual_plugin.h"

namespace mjhybrid {

mjPLUGIN_LIB_INIT(mjhybrid) { ResidualPlugin::RegisterPlugin(); }

}  // namespace mjhybrid
