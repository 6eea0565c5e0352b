// How much memory a loader may fill with what one file claims. A file states its own sizes
// (an HDF5 dataset can claim 1e9 rows while the file holds 10 KB: unwritten chunks read as
// the fill value), so loaders add up the claimed sizes first and refuse a file that needs more
// than this budget, in one line, instead of being killed by the kernel part way through.

#ifndef MJHYBRID_SCENE_MEMORY_BUDGET_H_
#define MJHYBRID_SCENE_MEMORY_BUDGET_H_

#include <cstdint>
#include <string>

namespace mjhybrid::scene {

struct MemoryBudget {
  uint64_t bytes = 0;
  std::string source;  // where the figure comes from, for messages: "a quarter of this machine's memory"
};

// A quarter of the memory this process may use: the machine's physical memory, or the
// container's (cgroup) limit when that is lower. A quarter, because a dataset is held twice for
// a moment while it loads (the reader process packs it and this process unpacks it,
// scene/child_process.h), and what is loaded is then worked on: training
// builds its feature and target matrices beside the episodes, and the rest of the system
// keeps running.
MemoryBudget LoaderMemoryBudget();

// "38.2 GB", "512.0 MB", "800 bytes": decimal units, one decimal. A double, because a
// claimed size can exceed what 64 bits count.
std::string FormatBytes(double bytes);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_MEMORY_BUDGET_H_
