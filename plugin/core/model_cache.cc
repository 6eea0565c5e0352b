// Process-wide sharing of loaded residual models (see SharedResidualModel).

#include <sys/stat.h>

#include <map>
#include <mutex>

#include "plugin/core/residual_model.h"

namespace mjhybrid {

namespace {

// models are a few kilobytes: the cache keeps them, so that making an mjData (rollout
// workers make many) never reads the file again
struct CacheEntry {
  std::shared_ptr<const ResidualModel> model;
  long long mtime_ns = 0;
  long long size = 0;
};

}  // namespace

std::shared_ptr<const ResidualModel> SharedResidualModel(const std::string& path,
                                                         std::string* error) {
  static std::mutex mutex;
  static std::map<std::string, CacheEntry> cache;

  struct stat st;
  long long mtime_ns = 0, size = -1;
  if (stat(path.c_str(), &st) == 0) {
    mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    size = st.st_size;
  }
  std::lock_guard<std::mutex> lock(mutex);
  CacheEntry& entry = cache[path];
  if (entry.model && entry.mtime_ns == mtime_ns && entry.size == size) return entry.model;
  auto model = LoadResidualModel(path, error);
  if (model) {
    entry.model = model;
    entry.mtime_ns = mtime_ns;
    entry.size = size;
  }
  return model;
}

}  // namespace mjhybrid
