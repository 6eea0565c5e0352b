// Trajectory datasets (scene/dataset.h) and their fit to a model (scene/dataset_fit.h): what
// is saved comes back bit for bit, a corrupt or missing file is refused in one line that says
// where, and data recorded from another system is refused before anything runs on it.

#include <gtest/gtest.h>
#include <stdlib.h>

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
#include "scene/mujoco_util.h"

namespace mjhybrid::scene {
namespace {

namespace fs = std::filesystem;

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

// data recorded from one system is accepted for that system, and refused for a system whose
// joints are named differently or that steps at another rate, naming both files
TEST_F(DatasetTest, CheckDatasetFitsRefusesDataFromAnotherModel) {
  const std::string real = Write("real.xml", PendulumXml("elbow", "0.01"));
  const std::string renamed = Write("renamed.xml", PendulumXml("knee", "0.01"));
  const std::string faster = Write("faster.xml", PendulumXml("elbow", "0.005"));

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

  ModelPtr rate = LoadModel(faster);
  const std::string timestep = FitError(rate.get(), faster, data, data_path);
  EXPECT_NE(timestep.find("dataset '" + data_path + "' does not fit '" + faster + "'"), std::string::npos) << timestep;
  EXPECT_NE(timestep.find("recorded every 0.010000 s but the model steps 0.005000 s"), std::string::npos) << timestep;
  EXPECT_EQ(timestep.find('\n'), std::string::npos) << timestep;
}

}  // namespace
}  // namespace mjhybrid::scene
