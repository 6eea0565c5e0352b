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
  FileStamp stamp;
};

}  // namespace

FileStamp StampOf(const std::string& path) {
  FileStamp out;
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    out.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    out.size = st.st_size;
  }
  return out;
}

std::shared_ptr<const ResidualModel> SharedResidualModel(const std::string& path,
                                                         std::string* error) {
  static std::mutex mutex;
  static std::map<std::string, CacheEntry> cache;

  const FileStamp stamp = StampOf(path);
  std::lock_guard<std::mutex> lock(mutex);
  CacheEntry& entry = cache[path];
  if (entry.model && entry.stamp == stamp) return entry.model;
  auto model = LoadResidualModel(path, error);
  if (model) entry = {model, stamp};
  return model;
}

}  // namespace mjhybrid
