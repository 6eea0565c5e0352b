// Trajectory datasets (scene/dataset.h) and their fit to a model (scene/dataset_fit.h): what
// is saved comes back bit for bit, a corrupt or missing file is refused in one line that says
// where, and data recorded from another system is refused before anything runs on it.

#include <gtest/gtest.h>
#include <hdf5.h>
#include <stdlib.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "scene/collect.h"
#include "scene/dataset.h"
#include "scene/dataset_fit.h"
#include "scene/memory_budget.h"
#include "scene/mujoco_util.h"
#include "tests/common/peak_memory.h"

namespace mjhybrid::scene {
namespace {

namespace fs = std::filesystem;
using testutil::PeakRssBytes;

// a double pendulum: two named hinges, one motor; the timestep and the second joint's name vary
std::string PendulumXml(const std::string& joint2, const std::string& timestep) {
  return R"(<mujoco model="double_pendulum">
  <option timestep=")" + timestep + R"("/>
  <worldbody>
    <body name="upper" pos="0 0 1">
      <joint name="shoulder" type="hinge" axis="0 1 0"/>
      <geom type="capsule" fromto="0 0 0 0 0 -0.4" size="0.03" mass="1" contype="0" conaffinity="0"/>
      <body name="lower" pos="0 0 -0.4">
        <joint name=")" + joint2 + R"(" type="hinge" axis="0 1 0"/>
        <geom type="capsule" fromto="0 0 0 0 0 -0.4" size="0.03" mass="0.5" contype="0" conaffinity="0"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="shoulder_motor" joint="shoulder" ctrlrange="-2 2"/>
  </actuator>
</mujoco>
)";
}

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "mjhybrid_dataset_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(Path(name)) << text;
    return Path(name);
  }

  std::string dir_;
};

// values that stress a binary round trip: signs, subnormals, huge and tiny magnitudes, -0
std::vector<double> Awkward(size_t n, std::mt19937_64* rng) {
  std::uniform_real_distribution<double> unit(-1, 1);
  std::uniform_int_distribution<int> exponent(-300, 300);
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) {
    switch (i % 5) {
      case 0: v[i] = unit(*rng); break;
      case 1: v[i] = std::ldexp(unit(*rng), exponent(*rng)); break;
      case 2: v[i] = std::numeric_limits<double>::denorm_min() * (1 + i); break;
      case 3: v[i] = -0.0; break;
      default: v[i] = std::nextafter(1.0, 2.0) * unit(*rng); break;
    }
  }
  return v;
}

bool SameBits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// nq != nv (as with a free joint) so that a qpos/qvel mix-up or a transposed matrix shows
TrajectoryDataset SyntheticDataset(const std::vector<int>& lengths) {
  TrajectoryDataset data;
  data.model = "synthetic";
  data.source = "/somewhere/real.xml";
  data.timestep = 0.002;
  data.nq = 3;
  data.nv = 2;
  data.nu = 1;
  data.joints = {"shoulder", "elbow"};
  data.actuators = {"shoulder_motor"};
  data.excitation = {{"kind", "test"}, {"noise", 0.15}, {"hold_s", {0.05, 0.5}}};
  data.seed = 123456789012345ULL;  // exact in a double, as the file stores it
  std::mt19937_64 rng(7);
  for (int steps : lengths) {
    Episode e;
    e.time.resize(steps + 1);
    for (int t = 0; t <= steps; ++t) e.time[t] = 0.002 * t + 1e-17 * t;
    e.qpos = Awkward((steps + 1) * data.nq, &rng);
    e.qvel = Awkward((steps + 1) * data.nv, &rng);
    e.ctrl = Awkward(steps * data.nu, &rng);
    data.episodes.push_back(std::move(e));
  }
  return data;
}

// SaveDataset then LoadDataset gives back every attribute and every recorded number exactly,
// episodes in order and each with its own length
TEST_F(DatasetTest, RoundTripKeepsEveryValueBitForBit) {
  const TrajectoryDataset saved = SyntheticDataset({1, 7, 40, 3});
  const std::string path = Path("data.h5");
  SaveDataset(path, saved);
  const TrajectoryDataset loaded = LoadDataset(path);

  EXPECT_EQ(loaded.model, saved.model);
  EXPECT_EQ(loaded.source, saved.source);
  EXPECT_EQ(std::memcmp(&loaded.timestep, &saved.timestep, sizeof(double)), 0);
  EXPECT_EQ(loaded.nq, saved.nq);
  EXPECT_EQ(loaded.nv, saved.nv);
  EXPECT_EQ(loaded.nu, saved.nu);
  EXPECT_EQ(loaded.joints, saved.joints);
  EXPECT_EQ(loaded.actuators, saved.actuators);
  EXPECT_EQ(loaded.excitation, saved.excitation);
  EXPECT_EQ(loaded.seed, saved.seed);
  EXPECT_EQ(loaded.transitions(), 1 + 7 + 40 + 3);
  ASSERT_EQ(loaded.episodes.size(), saved.episodes.size());
  for (size_t i = 0; i < saved.episodes.size(); ++i) {
    SCOPED_TRACE("episode " + std::to_string(i));
    const Episode& a = saved.episodes[i];
    const Episode& b = loaded.episodes[i];
    EXPECT_EQ(b.steps(), a.steps());
    EXPECT_TRUE(SameBits(b.time, a.time));
    EXPECT_TRUE(SameBits(b.qpos, a.qpos));
    EXPECT_TRUE(SameBits(b.qvel, a.qvel));
    EXPECT_TRUE(SameBits(b.ctrl, a.ctrl));
  }
}

// a NaN or infinity in the file is refused on load, in one line naming the file, the episode,
// the array and the step, rather than poisoning a fit
TEST_F(DatasetTest, LoadRejectsNonFiniteValueNamingTheEpisode) {
  TrajectoryDataset data = SyntheticDataset({4, 6});
  data.episodes[1].qvel[3 * data.nv + 1] = std::numeric_limits<double>::quiet_NaN();
  const std::string path = Path("nan.h5");
  SaveDataset(path, data);
  try {
    LoadDataset(path);
    FAIL() << "a NaN in episode 1 was accepted";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("episodes/000001/qvel"), std::string::npos) << what;
    EXPECT_NE(what.find("non-finite"), std::string::npos) << what;
    EXPECT_NE(what.find("step 3"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }

  data = SyntheticDataset({4, 6});
  data.episodes[0].ctrl[2] = -std::numeric_limits<double>::infinity();
  SaveDataset(path, data);
  try {
    LoadDataset(path);
    FAIL() << "an infinite control in episode 0 was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("episodes/000000/ctrl has a non-finite value at step 2"),
              std::string::npos) << e.what();
  }
}

TEST_F(DatasetTest, LoadRejectsMissingFile) {
  const std::string path = Path("nowhere.h5");
  try {
    LoadDataset(path);
    FAIL() << "a missing file loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "dataset '" + path + "': file not found");
  }
}

// the error CheckDatasetFits gives, "" when the data fits
std::string FitError(const mjModel* m, const std::string& sim_path, const TrajectoryDataset& data,
                     const std::string& data_path) {
  try {
    CheckDatasetFits(m, sim_path, data, data_path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

// data recorded from one system is accepted for that system and for one that steps a whole
// number of times per recorded step, and refused for a system whose joints are named
// differently or whose timestep does not divide the recording period, naming both files
TEST_F(DatasetTest, CheckDatasetFitsRefusesDataFromAnotherModel) {
  const std::string real = Write("real.xml", PendulumXml("elbow", "0.01"));
  const std::string renamed = Write("renamed.xml", PendulumXml("knee", "0.01"));
  const std::string faster = Write("faster.xml", PendulumXml("elbow", "0.0025"));
  const std::string odd = Write("odd.xml", PendulumXml("elbow", "0.003"));
  const std::string slower = Write("slower.xml", PendulumXml("elbow", "0.02"));

  CollectOptions options;
  options.model_path = real;
  options.episodes = 2;
  options.steps = 5;
  const std::string data_path = Path("real.h5");
  SaveDataset(data_path, Collect(options, false));
  const TrajectoryDataset data = LoadDataset(data_path);

  ModelPtr same = LoadModel(real);
  EXPECT_EQ(FitError(same.get(), real, data, data_path), "");

  ModelPtr other = LoadModel(renamed);
  const std::string names = FitError(other.get(), renamed, data, data_path);
  EXPECT_NE(names.find("dataset '" + data_path + "' does not fit '" + renamed + "'"), std::string::npos) << names;
  EXPECT_NE(names.find("'elbow' in the data, 'knee' in the model"), std::string::npos) << names;

  ModelPtr fine = LoadModel(faster);
  EXPECT_EQ(FitError(fine.get(), faster, data, data_path), "");
  EXPECT_EQ(ControlSubsteps(fine.get(), data), 4);
  EXPECT_EQ(ControlSubsteps(same.get(), data), 1);

  for (const std::string& path : {odd, slower}) {
    ModelPtr rate = LoadModel(path);
    const std::string timestep = FitError(rate.get(), path, data, data_path);
    EXPECT_NE(timestep.find("dataset '" + data_path + "' does not fit '" + path + "'"), std::string::npos) << timestep;
    EXPECT_NE(timestep.find("data recorded every 0.01 s, which is not a whole number of the model's timestep"),
              std::string::npos) << timestep;
    EXPECT_EQ(timestep.find('\n'), std::string::npos) << timestep;
    EXPECT_THROW(ControlSubsteps(rate.get(), data), std::runtime_error);
  }
}


// ---------------------------------------------------------------- memory limits

// opens an HDF5 file for writing in place; closed (and flushed) when the object goes
struct H5File {
  explicit H5File(const std::string& path) : id(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)) {
    EXPECT_GE(id, 0) << path;
  }
  ~H5File() { H5Fclose(id); }
  hid_t id;
};

// a chunked float64 dataset of shape `dims` with nothing written: HDF5 reads its unwritten
// chunks as the fill value (0), so it claims any size at the cost of a few hundred bytes
void CreateEmptyChunked(hid_t group, const char* name, std::vector<hsize_t> dims) {
  std::vector<hsize_t> chunk = dims;
  chunk[0] = std::min<hsize_t>(dims[0], 1 << 16);
  hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(plist, static_cast<int>(chunk.size()), chunk.data());
  hid_t set = H5Dcreate2(group, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, plist, H5P_DEFAULT);
  EXPECT_GE(set, 0) << name;
  H5Dclose(set);
  H5Pclose(plist);
  H5Sclose(space);
}

// rewrites `episode` of the dataset file at `path` so that it claims `states` states (time,
// qpos, qvel and ctrl consistently) while the file stays a few kB
void ClaimStates(const std::string& path, const TrajectoryDataset& data, int episode, hsize_t states) {
  H5File file(path);
  const std::string group = "episodes/" + std::string(6 - std::to_string(episode).size(), '0') +
                            std::to_string(episode);
  hid_t g = H5Gopen2(file.id, group.c_str(), H5P_DEFAULT);
  ASSERT_GE(g, 0) << group;
  for (const char* name : {"time", "qpos", "qvel", "ctrl"}) H5Ldelete(g, name, H5P_DEFAULT);
  CreateEmptyChunked(g, "time", {states});
  CreateEmptyChunked(g, "qpos", {states, static_cast<hsize_t>(data.nq)});
  CreateEmptyChunked(g, "qvel", {states, static_cast<hsize_t>(data.nv)});
  CreateEmptyChunked(g, "ctrl", {states - 1, static_cast<hsize_t>(data.nu)});
  H5Gclose(g);
}

// the error LoadDataset gives, "" when it loads
std::string LoadError(const std::string& path, const MemoryBudget* budget = nullptr) {
  try {
    if (budget) {
      LoadDataset(path, *budget);
    } else {
      LoadDataset(path);
    }
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

// A system without actuators (toss: a thrown box) has no controls: ctrl is T x 0 in the
// file, and loads (through the reader process) as nothing. Files written before, which held
// it as T unwritten zeros, load the same.
TEST_F(DatasetTest, SystemWithoutActuatorsRoundTrips) {
  TrajectoryDataset saved = SyntheticDataset({4, 9});
  saved.nu = 0;
  saved.actuators.clear();
  for (Episode& e : saved.episodes) e.ctrl.clear();
  const std::string path = Path("no-actuators.h5");
  SaveDataset(path, saved);
  {
    H5File file(path);
    hid_t set = H5Dopen2(file.id, "episodes/000000/ctrl", H5P_DEFAULT);
    hid_t space = H5Dget_space(set);
    hsize_t dims[2] = {0, 0};
    EXPECT_EQ(H5Sget_simple_extent_ndims(space), 2);
    H5Sget_simple_extent_dims(space, dims, nullptr);
    EXPECT_EQ(dims[0], 4u);
    EXPECT_EQ(dims[1], 0u);
    H5Sclose(space);
    H5Dclose(set);
    // the earlier layout, in the second episode: ctrl as 9 values of a one-dimensional array
    ASSERT_GE(H5Ldelete(file.id, "episodes/000001/ctrl", H5P_DEFAULT), 0);
    hsize_t steps = 9;
    hid_t flat = H5Screate_simple(1, &steps, nullptr);
    hid_t old = H5Dcreate2(file.id, "episodes/000001/ctrl", H5T_IEEE_F64LE, flat, H5P_DEFAULT, H5P_DEFAULT,
                           H5P_DEFAULT);
    ASSERT_GE(old, 0);
    H5Dclose(old);
    H5Sclose(flat);
  }
  const TrajectoryDataset loaded = LoadDataset(path);
  EXPECT_EQ(loaded.nu, 0);
  ASSERT_EQ(loaded.episodes.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(loaded.episodes[i].ctrl.empty()) << i;
    EXPECT_TRUE(SameBits(loaded.episodes[i].qpos, saved.episodes[i].qpos)) << i;
  }
}

// A 1e12-state episode in a file of a few kB (chunks never written) would need 48 TB: refused
// in one line, at once, under this machine's own budget, before anything of that size is
// allocated (without the check the loader's first vector throws std::bad_alloc)
TEST_F(DatasetTest, EpisodeClaimingATrillionStatesIsRefusedBeforeAllocating) {
  const TrajectoryDataset data = SyntheticDataset({5, 3});
  const std::string path = Path("claims.h5");
  SaveDataset(path, data);
  ClaimStates(path, data, 1, 1'000'000'000'000ULL);
  ASSERT_LT(fs::file_size(path), 100'000u);

  const auto start = std::chrono::steady_clock::now();
  const std::string error = LoadError(path);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 2.0);
  const MemoryBudget budget = LoaderMemoryBudget();
  EXPECT_EQ(error, "dataset '" + path + "': its 2 episodes need 56000.0 GB in memory, more than the " +
                       FormatBytes(budget.bytes) + " budget (" + budget.source + "); split it");
}

// The same trick at a size a machine could hold: a 10-million-state episode loads as 560 MB of
// zeros from a few kB. Under a 100 MB budget it is refused with the figures, and the process's
// peak memory does not grow by anything like the claimed size.
TEST_F(DatasetTest, EpisodeOverTheBudgetIsRefusedWithTheFigures) {
  const TrajectoryDataset data = SyntheticDataset({5});
  const std::string path = Path("claims.h5");
  SaveDataset(path, data);
  ClaimStates(path, data, 0, 10'000'000);

  const double peak_before = PeakRssBytes();
  const MemoryBudget budget{100'000'000, "a test's budget"};
  const std::string error = LoadError(path, &budget);
  EXPECT_LT(PeakRssBytes() - peak_before, 50e6);
  // 8 bytes x (1e7 x (1 + nq 3 + nv 2) + (1e7 - 1) x nu 1) + the episode's overhead
  EXPECT_EQ(error, "dataset '" + path + "': its 1 episode needs 560.0 MB in memory, more than the "
                   "100.0 MB budget (a test's budget); split it");
}

// Ordinary data is not refused: 20000 short episodes load under this machine's budget, and
// exactly at the budget LoadDataset counts (DatasetMemoryBytes), while one byte less is refused
TEST_F(DatasetTest, ManyEpisodesLoadAndTheBudgetIsCountedExactly) {
  constexpr int kEpisodes = 20000;
  const TrajectoryDataset saved = SyntheticDataset(std::vector<int>(kEpisodes, 4));
  const std::string path = Path("many.h5");
  SaveDataset(path, saved);

  const TrajectoryDataset loaded = LoadDataset(path);
  ASSERT_EQ(loaded.episodes.size(), static_cast<size_t>(kEpisodes));
  EXPECT_EQ(loaded.transitions(), 4LL * kEpisodes);
  EXPECT_TRUE(SameBits(loaded.episodes.back().qpos, saved.episodes.back().qpos));

  const uint64_t bytes = DatasetMemoryBytes(loaded);
  EXPECT_EQ(bytes, kEpisodes * (8 * (5 * (1 + 3 + 2) + 4 * 1) + kEpisodeOverheadBytes));
  const MemoryBudget exact{bytes, "exact"};
  EXPECT_EQ(LoadError(path, &exact), "");
  const MemoryBudget less{bytes - 1, "one byte less"};
  EXPECT_EQ(LoadError(path, &less),
            "dataset '" + path + "': its 20000 episodes need " + FormatBytes(bytes) +
            " in memory, more than the " + FormatBytes(bytes - 1) + " budget (one byte less); split it");
}

// a count of episodes that cannot fit even if each had the fewest states (two) is refused
// without walking the episodes
TEST_F(DatasetTest, EpisodeCountOverTheBudgetIsRefusedUpFront) {
  const TrajectoryDataset data = SyntheticDataset(std::vector<int>(50, 1));
  const std::string path = Path("count.h5");
  SaveDataset(path, data);
  const MemoryBudget budget{1000, "a small budget"};
  // two states: 8 x (2 x 6 + 1) bytes of doubles, plus the overhead
  const uint64_t least = 50 * (8 * 13 + kEpisodeOverheadBytes);
  EXPECT_EQ(LoadError(path, &budget), "dataset '" + path + "': its 50 episodes need at least " +
                                          FormatBytes(least) + " in memory, more than the 1.0 kB "
                                          "budget (a small budget); split it");
}

// an array of the wrong rank is refused by its shape, whatever its rank (HDF5 allows 32; the
// dims were once read into a two-element array)
TEST_F(DatasetTest, ArrayOfAnotherRankIsRefusedWithItsShape) {
  const TrajectoryDataset data = SyntheticDataset({3});
  const std::string path = Path("rank.h5");
  for (const char* array : {"time", "qpos"}) {
    SCOPED_TRACE(array);
    SaveDataset(path, data);
    {
      H5File file(path);
      hid_t g = H5Gopen2(file.id, "episodes/000000", H5P_DEFAULT);
      H5Ldelete(g, array, H5P_DEFAULT);
      CreateEmptyChunked(g, array, {4, 3, 2, 2});
      H5Gclose(g);
    }
    const std::string error = LoadError(path);
    EXPECT_EQ(error, "dataset '" + path + "': episodes/000000/" + array +
                         " has shape [4, 3, 2, 2], expected " +
                         (std::string(array) == "time" ? "[states]" : "[4, 3]"));
  }
}

}  // namespace
}  // namespace mjhybrid::scene
