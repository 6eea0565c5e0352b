// The reader process (scene/child_process.h) and the packed form a dataset crosses it in
// (scene/dataset_bytes.h): a crash in the child is one line for the parent, a large payload
// arrives whole, and a packed dataset comes back bit for bit or is refused, never read past.

#include <gtest/gtest.h>

#include <csignal>
#include <cmath>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>

#include "scene/child_process.h"
#include "scene/dataset_bytes.h"

namespace mjhybrid::scene {
namespace {

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(ChildProcessTest, HandsOverWhatTheChildProducedEvenMegabytes) {
  std::string big(20 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131);
  EXPECT_EQ(RunInChildProcess([&] { return big; }), big);
  EXPECT_EQ(RunInChildProcess([] { return std::string(); }), "");
}

TEST(ChildProcessTest, AChildThatThrowsGivesItsMessage) {
  EXPECT_EQ(ErrorOf([] { RunInChildProcess([]() -> std::string { throw std::runtime_error("no episodes"); }); }),
            "no episodes");
}

TEST(ChildProcessTest, AChildThatCrashesIsOneLineAndThisProcessGoesOn) {
  // what libhdf5 does on some corrupt files, in its bluntest form
  const std::string error = ErrorOf([] {
    RunInChildProcess([]() -> std::string {
      std::raise(SIGSEGV);
      return "unreachable";
    });
  });
  EXPECT_NE(error.find("crashed on it (signal 11)"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
  EXPECT_EQ(RunInChildProcess([] { return std::string("still here"); }), "still here");
}

TrajectoryDataset SmallDataset() {
  TrajectoryDataset d;
  d.model = "m";
  d.source = "real.xml";
  d.timestep = 0.005;
  d.nq = 2;
  d.nv = 2;
  d.nu = 1;
  d.joints = {"a", "b"};
  d.actuators = {"motor"};
  d.excitation = {{"kind", "chirp"}};
  d.seed = 42;
  for (int e = 0; e < 3; ++e) {
    Episode ep;
    const int states = 4 + e;
    for (int t = 0; t < states; ++t) {
      ep.time.push_back(t * 0.005);
      ep.qpos.insert(ep.qpos.end(), {std::sin(t + e), -0.0});
      ep.qvel.insert(ep.qvel.end(), {1e-310, t * 1.0 / 3});
      if (t + 1 < states) ep.ctrl.push_back(t - 1.5);
    }
    d.episodes.push_back(ep);
  }
  return d;
}

TEST(DatasetBytesTest, APackedDatasetComesBackBitForBit) {
  const TrajectoryDataset d = SmallDataset();
  const TrajectoryDataset back = UnpackDataset(PackDataset(d));
  EXPECT_EQ(back.model, d.model);
  EXPECT_EQ(back.source, d.source);
  EXPECT_EQ(back.timestep, d.timestep);
  EXPECT_EQ(back.joints, d.joints);
  EXPECT_EQ(back.actuators, d.actuators);
  EXPECT_EQ(back.excitation, d.excitation);
  EXPECT_EQ(back.seed, d.seed);
  ASSERT_EQ(back.episodes.size(), d.episodes.size());
  for (size_t e = 0; e < d.episodes.size(); ++e) {
    // bit for bit, -0.0 and subnormals included
    EXPECT_EQ(0, std::memcmp(back.episodes[e].qpos.data(), d.episodes[e].qpos.data(), d.episodes[e].qpos.size() * 8));
    EXPECT_EQ(back.episodes[e].qvel, d.episodes[e].qvel);
    EXPECT_EQ(back.episodes[e].ctrl, d.episodes[e].ctrl);
    EXPECT_EQ(back.episodes[e].time, d.episodes[e].time);
  }
}

TEST(DatasetBytesTest, EveryTruncationOrCorruptionIsRefusedNotReadPast) {
  const std::string packed = PackDataset(SmallDataset());
  for (size_t n = 0; n < packed.size(); ++n) {
    EXPECT_THROW(UnpackDataset(packed.substr(0, n)), std::exception) << n;
  }
  EXPECT_THROW(UnpackDataset(packed + "x"), std::runtime_error);
  // a size field claiming more than there is
  std::string huge = packed;
  const uint64_t claim = ~uint64_t{0} / 2;
  std::memcpy(huge.data() + 8, &claim, 8);
  EXPECT_THROW(UnpackDataset(huge), std::runtime_error);
}

}  // namespace
}  // namespace mjhybrid::scene
