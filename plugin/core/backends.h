// Optional network backends. The LibTorch backend lives in its own library,
// libmjhybrid_torch.so, so that MLP models never pull LibTorch into a process: it is opened
// on first use from the folder that holds the library this code is linked into, and
// registers its loader when it loads.

#ifndef MJHYBRID_PLUGIN_CORE_BACKENDS_H_
#define MJHYBRID_PLUGIN_CORE_BACKENDS_H_

#include <string>

#include "plugin/core/residual_model.h"

namespace mjhybrid {

// the loader for a backend, opening its library if needed; empty (and *error set) if none
NetworkLoader FindNetworkLoader(const std::string& backend, std::string* error);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_BACKENDS_H_
