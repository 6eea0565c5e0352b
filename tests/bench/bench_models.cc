#include "tests/bench/bench_models.h"

#include <sys/stat.h>

#include <map>
#include <random>

#include "tests/torch/test_models.h"

namespace mjhybrid::bench {

namespace {

struct Cache {
  std::string dir;
  std::map<int, std::string> mlp_paths, torch_paths;
  std::map<std::string, std::shared_ptr<const ResidualModel>> residuals;
  mjModel* sim = nullptr;
  std::map<int, mjModel*> hybrids;
  std::map<std::string, mjModel*> scenes;  // by path
};

Cache& TheCache() {
  static Cache cache;
  return cache;
}

std::string ScratchDir(std::string* error) {
  Cache& c = TheCache();
  if (c.dir.empty()) c.dir = testutil::MakeScratchDir("mjhybrid-bench");
  if (c.dir.empty()) *error = "cannot create a scratch folder under $TMPDIR";
  return c.dir;
}

std::string Name(int hidden) {
  return hidden == kTrained ? "trained" : "hidden" + std::to_string(hidden);
}

mjModel* Compile(const std::string& path, std::string* error) {
  char err[1000] = "";
  mjModel* m = mj_loadXML(path.c_str(), nullptr, err, sizeof(err));
  if (!m) *error = path + ": " + err;
  return m;
}

}  // namespace

std::string TrainedModelPath() {
  std::string path = std::string(MJHYBRID_SOURCE_DIR) + "/models/arm2/residual.safetensors";
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? path : "";
}

std::string MlpModelPath(int hidden, std::string* error) {
  if (hidden == kTrained) {
    std::string path = TrainedModelPath();
    if (path.empty()) *error = "models/arm2/residual.safetensors does not exist (yet)";
    return path;
  }
  Cache& c = TheCache();
  if (auto it = c.mlp_paths.find(hidden); it != c.mlp_paths.end()) return it->second;
  std::string dir = ScratchDir(error);
  if (dir.empty()) return "";
  StateLayout layout = testutil::LayoutFromScene(testutil::Arm2SimPath(), error);
  if (layout.nv == 0) return "";
  // arm2's architecture: sin/cos of 2 hinges, qvel 2, ctrl 2, 4 past controls -> 16 features
  testutil::RandomModelSpec spec;
  spec.ctrl_history = 4;
  spec.hidden = {hidden, hidden};
  spec.seed = 100 + hidden;
  std::string path = dir + "/arm2_" + Name(hidden) + ".safetensors";
  if (!SaveResidualModel(path, *testutil::RandomMlpModel(layout, spec), error)) return "";
  return c.mlp_paths[hidden] = path;
}

std::string TorchModelPath(int hidden, std::string* error) {
  Cache& c = TheCache();
  if (auto it = c.torch_paths.find(hidden); it != c.torch_paths.end()) return it->second;
  std::string mlp = MlpModelPath(hidden, error);
  if (mlp.empty()) return "";
  std::string path = ScratchDir(error) + "/arm2_" + Name(hidden) + ".pt";
  if (!testutil::ExportTorchScript(mlp, path, error)) return "";
  return c.torch_paths[hidden] = path;
}

std::shared_ptr<const ResidualModel> Residual(const std::string& path, std::string* error) {
  Cache& c = TheCache();
  if (auto it = c.residuals.find(path); it != c.residuals.end()) return it->second;
  auto model = LoadResidualModel(path, error);
  if (model) c.residuals[path] = model;
  return model;
}

const mjModel* SimModel(std::string* error) {
  Cache& c = TheCache();
  if (!c.sim) c.sim = Compile(testutil::Arm2SimPath(), error);
  return c.sim;
}

const mjModel* HybridModel(int hidden, std::string* error) {
  Cache& c = TheCache();
  if (auto it = c.hybrids.find(hidden); it != c.hybrids.end()) return it->second;
  std::string model = MlpModelPath(hidden, error);
  if (model.empty()) return nullptr;
  std::string xml = ScratchDir(error) + "/arm2_hybrid_" + Name(hidden) + ".xml";
  testutil::WriteTextFile(xml, testutil::HybridXml(testutil::Arm2SimPath(),
                                                   testutil::ModelConfig(model)));
  mjModel* m = Compile(xml, error);
  if (m) c.hybrids[hidden] = m;
  return m;
}

std::vector<double> ControlSequence(const mjModel* m) {
  std::mt19937 rng(42);
  std::vector<double> ctrl(static_cast<size_t>(kEpisodeSteps) * m->nu);
  for (int t = 0; t < kEpisodeSteps; t += kControlHold) {
    for (int i = 0; i < m->nu; ++i) {
      double lo = m->actuator_ctrllimited[i] ? m->actuator_ctrlrange[2 * i] : -1;
      double hi = m->actuator_ctrllimited[i] ? m->actuator_ctrlrange[2 * i + 1] : 1;
      double u = std::uniform_real_distribution<double>(lo, hi)(rng);
      for (int k = t; k < std::min(t + kControlHold, kEpisodeSteps); ++k) ctrl[k * m->nu + i] = u;
    }
  }
  return ctrl;
}

const mjModel* SceneModel(const std::string& path, std::string* error) {
  Cache& c = TheCache();
  if (auto it = c.scenes.find(path); it != c.scenes.end()) return it->second;
  mjModel* m = Compile(path, error);
  if (m) c.scenes[path] = m;
  return m;
}

const mjModel* SceneModelWithoutPairs(const std::string& path, std::string* error) {
  Cache& c = TheCache();
  const std::string key = path + " without pairs";
  if (auto it = c.scenes.find(key); it != c.scenes.end()) return it->second;
  char err[1000] = "";
  mjSpec* spec = mj_parseXML(path.c_str(), nullptr, err, sizeof(err));
  if (!spec) {
    *error = path + ": " + err;
    return nullptr;
  }
  while (mjsElement* pair = mjs_firstElement(spec, mjOBJ_PAIR)) mjs_delete(spec, pair);
  mjModel* m = mj_compile(spec, nullptr);
  if (!m) *error = path + " without pairs: " + mjs_getError(spec);
  mj_deleteSpec(spec);
  if (m) c.scenes[key] = m;
  return m;
}

void CleanUp() {
  Cache& c = TheCache();
  for (auto& [path, m] : c.scenes) mj_deleteModel(m);
  c.scenes.clear();
  for (auto& [hidden, m] : c.hybrids) mj_deleteModel(m);
  c.hybrids.clear();
  if (c.sim) mj_deleteModel(c.sim);
  c.sim = nullptr;
  c.residuals.clear();
  testutil::RemoveScratchDir(c.dir);
  c.dir.clear();
}

}  // namespace mjhybrid::bench
