// Trajectory datasets: episodes of (time, qpos, qvel, ctrl) recorded at the control rate, with
// the metadata needed to refuse data from another system. One HDF5 file, opened in one line
// from Python (h5py.File(path)):
//
//   attributes of /   format "mjhybrid.trajectories/1", model (name in the MJCF), source
//                     (file it was recorded from), timestep (control period, s), nq, nv, nu,
//                     joints and actuators (JSON lists of names), excitation (JSON), seed
//   /episodes/NNNNNN  time [T+1], qpos [T+1, nq], qvel [T+1, nv], ctrl [T, nu]
//                     ctrl[t] is applied from state t to state t+1
//
// Loading validates shapes and rejects non-finite values with the episode and step. It adds up
// the memory the episodes' shapes claim before reading any of them and refuses a file that
// needs more than a budget (scene/memory_budget.h): a small file can claim any size.

#ifndef MJHYBRID_SCENE_DATASET_H_
#define MJHYBRID_SCENE_DATASET_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scene/memory_budget.h"

namespace mjhybrid::scene {

inline constexpr char kDatasetFormat[] = "mjhybrid.trajectories/1";

struct Episode {
  std::vector<double> time;  // T+1
  std::vector<double> qpos;  // (T+1) x nq, row-major
  std::vector<double> qvel;  // (T+1) x nv
  std::vector<double> ctrl;  // T x nu
  int steps() const { return static_cast<int>(time.size()) - 1; }

  // the `history` controls before step t, newest first, zeros before the episode began (the
  // actuators of a freshly reset system have seen no command): out[history * nu]
  void ControlHistory(int t, int history, int nu, double* out) const;
};

struct TrajectoryDataset {
  std::string model;
  std::string source;
  double timestep = 0;
  int nq = 0, nv = 0, nu = 0;
  std::vector<std::string> joints;
  std::vector<std::string> actuators;
  nlohmann::json excitation = nlohmann::json::object();
  uint64_t seed = 0;
  std::vector<Episode> episodes;

  long long transitions() const;
};

// what a loaded episode is counted as taking: its vectors' heap blocks and the Episode itself
inline constexpr uint64_t kEpisodeOverheadBytes = sizeof(Episode) + 4 * 32;

// the memory a loaded dataset takes as LoadDataset counts it against its budget: every
// recorded double, plus kEpisodeOverheadBytes per episode
uint64_t DatasetMemoryBytes(const TrajectoryDataset& data);

void SaveDataset(const std::string& path, const TrajectoryDataset& data);

// Throws std::runtime_error, one line naming the file, when the file is not a valid dataset or
// its episodes would need more memory than `budget` (by default LoaderMemoryBudget()).
TrajectoryDataset LoadDataset(const std::string& path);
TrajectoryDataset LoadDataset(const std::string& path, const MemoryBudget& budget);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_DATASET_H_
