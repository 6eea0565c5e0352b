#include "scene/memory_budget.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace mjhybrid::scene {

namespace {

// the number in a cgroup limit file, 0 when it is absent or says "max" (no limit). v1 writes a
// huge number for no limit, which the caller's min() ignores.
uint64_t CgroupLimit(const char* path) {
  std::ifstream in(path);
  unsigned long long v = 0;
  if (!(in >> v)) return 0;
  return v;
}

}  // namespace

MemoryBudget LoaderMemoryBudget() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  uint64_t total = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * page : 0;
  std::string source = "a quarter of this machine's memory";
  // cgroup v2, then v1: a container's limit is what the kernel's OOM killer enforces
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const uint64_t limit = CgroupLimit(path);
    if (limit > 0 && (total == 0 || limit < total)) {
      total = limit;
      source = "a quarter of this container's memory limit";
    }
  }
  // sysconf does not fail on Linux; should it, assume a laptop's 16 GB
  if (total == 0) {
    total = 16'000'000'000ULL;
    source = "a quarter of an assumed 16 GB (this machine's memory is unknown)";
  }
  return {total / 4, source};
}

std::string FormatBytes(double bytes) {
  char buf[64];
  const double b = bytes;  // at most about 1e26 for any shape HDF5 can state
  if (b >= 1e9) {
    std::snprintf(buf, sizeof(buf), "%.1f GB", b / 1e9);
  } else if (b >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.1f MB", b / 1e6);
  } else if (b >= 1e3) {
    std::snprintf(buf, sizeof(buf), "%.1f kB", b / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f bytes", b);
  }
  return buf;
}

}  // namespace mjhybrid::scene
