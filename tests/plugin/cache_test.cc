// The process-wide model cache (SharedResidualModel) under concurrent first loads: threads
// released together on files nobody has loaded yet. Every thread gets a valid model, the
// threads of one file share one pointer, different files give different models, and a hybrid
// scene compiled and stepped on many threads at once steps bit for bit like one compiled alone.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/plugin/fixture.h"

namespace mjhybrid {
namespace {

constexpr int kThreads = 16;

// runs body(i) on kThreads threads that start together: each waits at the gate until all have
// been created, so that the first loads overlap. An exception in a thread is returned as its
// error text ("" when none).
template <typename Body>
std::vector<std::string> RunTogether(Body body) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (!go.load()) std::this_thread::yield();
      try {
        body(i);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  while (ready.load() < kThreads) std::this_thread::yield();
  go = true;
  for (std::thread& t : threads) t.join();
  return errors;
}

class CacheTest : public SimSceneTest {
 protected:
  // a residual file for arm2 that no test has loaded yet, told apart by its seed
  std::string FreshModel(unsigned seed) {
    ResidualModel model = RandomResidual(sim_.get(), 2, 2, seed);
    return SaveResidual(model, "cache" + std::to_string(seed) + ".safetensors");
  }
};

TEST_F(CacheTest, SixteenThreadsLoadingOneFileGetOneModel) {
  const std::string path = FreshModel(101);
  std::vector<std::shared_ptr<const ResidualModel>> got(kThreads);
  std::vector<std::string> why(kThreads);
  const std::vector<std::string> errors = RunTogether([&](int i) {
    got[i] = SharedResidualModel(path, &why[i]);
    // and the hot path, many times over, while the others still load
    for (int k = 0; k < 50 && got[i]; ++k) {
      if (SharedResidualModel(path, &why[i]) != got[i]) throw std::runtime_error("another pointer on reload");
    }
  });
  for (int i = 0; i < kThreads; ++i) {
    SCOPED_TRACE("thread " + std::to_string(i));
    EXPECT_EQ(errors[i], "");
    ASSERT_NE(got[i], nullptr) << why[i];
    EXPECT_NE(got[i]->network, nullptr);
    EXPECT_EQ(got[i]->provenance.value("seed", 0u), 101u);
    EXPECT_EQ(got[i].get(), got[0].get()) << "the threads of one file share one model";
  }
  std::string error;
  EXPECT_EQ(SharedResidualModel(path, &error).get(), got[0].get()) << error;
}

TEST_F(CacheTest, SixteenThreadsLoadingFourFilesGetOneModelPerFile) {
  constexpr int kFiles = 4;
  std::vector<std::string> paths;
  for (int f = 0; f < kFiles; ++f) paths.push_back(FreshModel(201 + f));
  std::vector<std::shared_ptr<const ResidualModel>> got(kThreads);
  std::vector<std::string> why(kThreads);
  const std::vector<std::string> errors =
      RunTogether([&](int i) { got[i] = SharedResidualModel(paths[i % kFiles], &why[i]); });
  for (int i = 0; i < kThreads; ++i) {
    SCOPED_TRACE("thread " + std::to_string(i) + ", file " + std::to_string(i % kFiles));
    EXPECT_EQ(errors[i], "");
    ASSERT_NE(got[i], nullptr) << why[i];
    EXPECT_NE(got[i]->network, nullptr);
    EXPECT_EQ(got[i]->provenance.value("seed", 0u), 201u + i % kFiles) << "another file's model";
    EXPECT_EQ(got[i].get(), got[i % kFiles].get()) << "the threads of one file share one model";
  }
  for (int f = 0; f < kFiles; ++f) {
    for (int g = f + 1; g < kFiles; ++g) EXPECT_NE(got[f].get(), got[g].get()) << f << " and " << g;
  }
}

TEST_F(CacheTest, AHybridSceneCompiledOnSixteenThreadsAtOnceStepsAsOneCompiledAlone) {
  // the model file is fresh, so the threads' compilations race for its first load
  const std::string xml_path = TempPath("hybrid.xml");
  WriteText(xml_path, HybridXml(sim_xml_, FreshModel(301), "augment"));
  constexpr int kSteps = 200;
  const std::vector<double> controls = RandomControls(sim_.get(), kSteps, 7);

  std::vector<Trajectory> got(kThreads);
  std::vector<const ResidualModel*> shared(kThreads, nullptr);
  const std::vector<std::string> errors = RunTogether([&](int i) {
    char error[1024] = "";
    ModelPtr m(mj_loadXML(xml_path.c_str(), nullptr, error, sizeof(error)));
    if (!m) throw std::runtime_error(std::string("compile: ") + error);
    DataPtr d(mj_makeData(m.get()));
    if (!d) throw std::runtime_error("mj_makeData failed");
    got[i] = Rollout(m.get(), d.get(), controls, 0, kSteps);
    shared[i] = LoadInstance(m.get(), 0).model.get();
  });

  // the same scene compiled and stepped here, alone, after them
  ModelPtr alone = LoadXml(ReadText(xml_path));
  ASSERT_NE(alone, nullptr);
  DataPtr d = MakeData(alone.get());
  const Trajectory expected = Rollout(alone.get(), d.get(), controls, 0, kSteps);
  ASSERT_TRUE(AllFinite(expected.qpos));
  // the residual acts: the hybrid leaves the nominal scene's path
  DataPtr d_sim = MakeData(sim_.get());
  EXPECT_GT(MaxAbsDifference(Rollout(sim_.get(), d_sim.get(), controls, 0, kSteps).qpos, expected.qpos), 1e-3);

  for (int i = 0; i < kThreads; ++i) {
    SCOPED_TRACE("thread " + std::to_string(i));
    EXPECT_EQ(errors[i], "");
    EXPECT_TRUE(BitIdentical(got[i].qpos, expected.qpos)) << MaxAbsDifference(got[i].qpos, expected.qpos);
    EXPECT_TRUE(BitIdentical(got[i].qvel, expected.qvel)) << MaxAbsDifference(got[i].qvel, expected.qvel);
    EXPECT_TRUE(BitIdentical(got[i].plugin_state, expected.plugin_state));
    EXPECT_EQ(got[i].time, expected.time);
    EXPECT_NE(shared[i], nullptr);
    EXPECT_EQ(shared[i], shared[0]) << "every compiled scene runs the one cached model";
  }
}

}  // namespace
}  // namespace mjhybrid
