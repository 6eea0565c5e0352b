#include "plugin/core/backends.h"

#include <dlfcn.h>

#include <map>
#include <mutex>

namespace mjhybrid {

namespace {

std::mutex& LoaderMutex() {
  static std::mutex mutex;
  return mutex;
}

std::map<std::string, NetworkLoader>& Loaders() {
  static std::map<std::string, NetworkLoader> loaders;
  return loaders;
}

// folder of the shared object (or executable) this function is linked into
std::string OwnDirectory() {
  Dl_info info;
  if (!dladdr(reinterpret_cast<void*>(&OwnDirectory), &info) || !info.dli_fname) return "";
  std::string path = info.dli_fname;
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

void RegisterNetworkLoader(const std::string& backend, NetworkLoader loader) {
  std::lock_guard<std::mutex> lock(LoaderMutex());
  Loaders()[backend] = std::move(loader);
}

NetworkLoader FindNetworkLoader(const std::string& backend, std::string* error) {
  {
    std::lock_guard<std::mutex> lock(LoaderMutex());
    auto it = Loaders().find(backend);
    if (it != Loaders().end()) return it->second;
  }
  if (backend != "torchscript") {
    *error = "no backend '" + backend + "'";
    return {};
  }
  // the library registers itself from a static initializer while dlopen runs
  const std::string lib = OwnDirectory() + "/libmjhybrid_torch.so";
  std::string why = "it registered no loader";
  if (dlopen(lib.c_str(), RTLD_NOW | RTLD_GLOBAL)) {
    std::lock_guard<std::mutex> lock(LoaderMutex());
    auto it = Loaders().find(backend);
    if (it != Loaders().end()) return it->second;
  } else if (const char* e = dlerror()) {
    why = e;
  }
  *error = "TorchScript models need the LibTorch backend, which could not be loaded (" + why +
           "); build with -DMJHYBRID_TORCH=ON or export the model as an MLP safetensors file";
  return {};
}

}  // namespace mjhybrid
