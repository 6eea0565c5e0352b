// The TorchScript backend against the Eigen MLP: a random arm2 residual (one network and an
// ensemble of three) is saved as safetensors, exported with scripts/export_torchscript.py,
// and both files must compute the same thing. Then archives that break the contract must be
// refused with a message that names the problem.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/script.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "plugin/core/residual_evaluator.h"
#include "plugin/core/residual_model.h"
#include "plugin/torch/torchscript_network.h"
#include "tests/torch/export_fixture.h"
#include "tests/torch/test_models.h"

namespace mjhybrid {
namespace {

using ::testing::HasSubstr;

// float32 networks: Eigen and LibTorch sum in different orders and use different tanh
// approximations, each within a few float32 ulps per layer; on outputs of order 1 that is
// ~1e-6, so 1e-5 leaves a margin without hiding a wrong weight (which shows as ~1e-1)
constexpr float kNormalizedTolerance = 1e-5f;
constexpr int kSamples = 1000;

class TorchScriptExportTest : public ExportedModelsTest {
 protected:
  static void SetUpTestSuite() { MakeModels("mjhybrid-torch-test", 10); }

  static std::shared_ptr<const ResidualModel> Load(const std::string& path) {
    std::string error;
    auto model = LoadResidualModel(path, &error);
    EXPECT_TRUE(model) << error;
    return model;
  }

  // metadata of the arm2 model, as a TorchScript archive would carry it
  static std::string ArchiveMetadata() {
    auto model = Load(Path(1, ".safetensors"));
    nlohmann::json meta = model->Metadata();
    meta["network"] = {{"backend", "torchscript"}, {"source", "test"}};
    return meta.dump();
  }

  // the error LoadResidualModel gives for a file, or "" if it loads
  static std::string LoadError(const std::string& path) {
    std::string error;
    auto model = LoadResidualModel(path, &error);
    return model ? "" : error;
  }
};

// random normalized inputs, wide enough that some units saturate their tanh
std::vector<float> RandomInputs(int n, int size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0, 2);
  std::vector<float> x(static_cast<size_t>(n) * size);
  for (float& v : x) v = normal(rng);
  return x;
}

TEST_F(TorchScriptExportTest, LoadsThroughTheTorchScriptBackend) {
  for (int members : {1, 3}) {
    SCOPED_TRACE("members " + std::to_string(members));
    auto eigen = Load(Path(members, ".safetensors"));
    auto torch = Load(Path(members, ".pt"));
    ASSERT_TRUE(eigen && torch);
    ASSERT_NE(dynamic_cast<const TorchScriptNetwork*>(torch->network.get()), nullptr)
        << torch->network->description();
    EXPECT_EQ(torch->network->members(), members);
    EXPECT_EQ(torch->network->input_size(), 16);
    EXPECT_EQ(torch->network->output_size(), 2);

    // the archive carries the same model description
    EXPECT_EQ(CheckSignature(*torch, eigen->signature), "");
    EXPECT_EQ(torch->features.ctrl_history, 4);
    EXPECT_EQ(torch->input_mean, eigen->input_mean);
    EXPECT_EQ(torch->input_std, eigen->input_std);
    EXPECT_EQ(torch->input_min, eigen->input_min);
    EXPECT_EQ(torch->input_max, eigen->input_max);
    EXPECT_EQ(torch->output_mean, eigen->output_mean);
    EXPECT_EQ(torch->output_std, eigen->output_std);
    EXPECT_EQ(torch->output_bound, eigen->output_bound);
    EXPECT_EQ(torch->provenance, eigen->provenance);
  }
}

TEST_F(TorchScriptExportTest, NetworkMatchesEigenOnRandomInputs) {
  for (int members : {1, 3}) {
    SCOPED_TRACE("members " + std::to_string(members));
    auto eigen = Load(Path(members, ".safetensors"));
    auto torch = Load(Path(members, ".pt"));
    ASSERT_TRUE(eigen && torch);
    const ResidualNetwork& a = *eigen->network;
    const ResidualNetwork& b = *torch->network;
    auto wa = a.MakeWorkspace();
    auto wb = b.MakeWorkspace();
    const int nin = a.input_size(), nout = a.output_size();
    std::vector<float> x = RandomInputs(kSamples, nin, 7);
    std::vector<float> ya(nout), yb(nout);
    float max_mean_error = 0, max_spread_error = 0, min_spread = INFINITY;
    for (int s = 0; s < kSamples; ++s) {
      float sa = -1, sb = -1;
      a.Evaluate(x.data() + s * nin, ya.data(), &sa, wa.get());
      b.Evaluate(x.data() + s * nin, yb.data(), &sb, wb.get());
      for (int i = 0; i < nout; ++i) {
        max_mean_error = std::max(max_mean_error, std::abs(ya[i] - yb[i]));
      }
      max_spread_error = std::max(max_spread_error, std::abs(sa - sb));
      min_spread = std::min(min_spread, sb);
    }
    EXPECT_LE(max_mean_error, kNormalizedTolerance);
    EXPECT_LE(max_spread_error, kNormalizedTolerance);
    RecordProperty("max_mean_error_x" + std::to_string(members), Format(max_mean_error));
    RecordProperty("max_spread_error_x" + std::to_string(members), Format(max_spread_error));
    // one network has no disagreement; three random members disagree everywhere
    if (members == 1) {
      EXPECT_EQ(min_spread, 0.0f);
    } else {
      EXPECT_GT(min_spread, 1e-3f);
    }
  }
}

TEST_F(TorchScriptExportTest, BatchMatchesEigen) {
  for (int members : {1, 3}) {
    SCOPED_TRACE("members " + std::to_string(members));
    auto eigen = Load(Path(members, ".safetensors"));
    auto torch = Load(Path(members, ".pt"));
    ASSERT_TRUE(eigen && torch);
    auto* net = dynamic_cast<const TorchScriptNetwork*>(torch->network.get());
    ASSERT_NE(net, nullptr);
    const int nin = net->input_size(), nout = net->output_size();
    std::vector<float> x = RandomInputs(kSamples, nin, 8);
    torch::Tensor y = net->EvaluateBatch(torch::from_blob(x.data(), {kSamples, nin}));
    ASSERT_EQ(y.sizes(), torch::IntArrayRef({kSamples, nout}));
    y = y.contiguous();
    const float* yb = y.data_ptr<float>();

    auto ws = eigen->network->MakeWorkspace();
    std::vector<float> ya(nout);
    float max_error = 0;
    for (int s = 0; s < kSamples; ++s) {
      eigen->network->Evaluate(x.data() + s * nin, ya.data(), nullptr, ws.get());
      for (int i = 0; i < nout; ++i) {
        max_error = std::max(max_error, std::abs(ya[i] - yb[s * nout + i]));
      }
    }
    EXPECT_LE(max_error, kNormalizedTolerance);
  }
}

TEST_F(TorchScriptExportTest, EvaluatorMatchesEigenOnRandomStates) {
  for (int members : {1, 3}) {
    SCOPED_TRACE("members " + std::to_string(members));
    auto eigen = Load(Path(members, ".safetensors"));
    auto torch = Load(Path(members, ".pt"));
    ASSERT_TRUE(eigen && torch);
    ResidualEvaluator a(eigen), b(torch);

    // states beyond the training range on purpose: saturation must agree too
    std::mt19937 rng(9);
    std::uniform_real_distribution<double> angle(-M_PI, M_PI), vel(-25, 25), torque(-5, 5);
    double qpos[2], qvel[2], ctrl[2], history[8], qa[2], qb[2];
    double max_error = 0;
    int saturated = 0;
    for (int s = 0; s < kSamples; ++s) {
      for (double& v : qpos) v = angle(rng);
      for (double& v : qvel) v = vel(rng);
      for (double& v : ctrl) v = torque(rng);
      for (double& v : history) v = torque(rng);
      ResidualDiagnostics da, db;
      ASSERT_TRUE(a.Compute(qpos, qvel, ctrl, history, nullptr, 1.0, qa, &da));
      ASSERT_TRUE(b.Compute(qpos, qvel, ctrl, history, nullptr, 1.0, qb, &db));
      for (int i = 0; i < 2; ++i) max_error = std::max(max_error, std::abs(qa[i] - qb[i]));
      EXPECT_EQ(da.saturated, db.saturated);
      EXPECT_NEAR(da.spread, db.spread, kNormalizedTolerance);
      saturated += db.saturated > 0;
    }
    // qfrc = y * output.std + output.mean: the normalized tolerance in N*m
    EXPECT_LE(max_error, kNormalizedTolerance * eigen->output_std[0]);
    EXPECT_GT(saturated, 0);
  }
}

// --- archives that break the contract ---

TEST_F(TorchScriptExportTest, RefusesArchiveWithoutMetadata) {
  torch::jit::Module module("__torch__.NoMetadata");
  module.define("def forward(self, x):\n    return x[:, 0:2]\n");
  const std::string path = *dir_ + "/no_metadata.pt";
  module.save(path);
  const std::string error = LoadError(path);
  EXPECT_THAT(error, HasSubstr("no_metadata.pt"));
  EXPECT_THAT(error, HasSubstr("no extra file 'mjhybrid.json'"));
}

TEST_F(TorchScriptExportTest, RefusesMetadataThatIsNotJson) {
  torch::jit::Module module("__torch__.BadMetadata");
  module.define("def forward(self, x):\n    return x[:, 0:2]\n");
  const std::string path = *dir_ + "/bad_metadata.pt";
  module.save(path, {{"mjhybrid.json", "{\"format\": "}});
  EXPECT_THAT(LoadError(path), HasSubstr("mjhybrid.json is not valid JSON"));
}

TEST_F(TorchScriptExportTest, RefusesWrongOutputSize) {
  // three outputs for a two-dof arm
  torch::jit::Module module("__torch__.WrongOutput");
  module.define("def forward(self, x):\n    return x[:, 0:3]\n");
  const std::string path = *dir_ + "/wrong_output.pt";
  module.save(path, {{"mjhybrid.json", ArchiveMetadata()}});
  const std::string error = LoadError(path);
  EXPECT_THAT(error, HasSubstr("wrong_output.pt"));
  EXPECT_THAT(error, HasSubstr("maps [1, 16] to [1, 3]"));
  EXPECT_THAT(error, HasSubstr("expected float32 [1, 2] or [E, 1, 2]"));
}

TEST_F(TorchScriptExportTest, RefusesWrongInputSize) {
  // a module built for 10 features cannot run on the 16 the metadata declares
  torch::jit::Module module("__torch__.WrongInput");
  module.register_parameter("weight", torch::zeros({10, 2}), /*is_buffer=*/false);
  module.define("def forward(self, x):\n    return torch.mm(x, self.weight)\n");
  const std::string path = *dir_ + "/wrong_input.pt";
  module.save(path, {{"mjhybrid.json", ArchiveMetadata()}});
  EXPECT_THAT(LoadError(path), HasSubstr("cannot run TorchScript module"));
}

TEST_F(TorchScriptExportTest, RefusesFloat64Module) {
  torch::jit::Module module("__torch__.Double");
  module.define("def forward(self, x):\n    return x[:, 0:2].double()\n");
  const std::string path = *dir_ + "/double.pt";
  module.save(path, {{"mjhybrid.json", ArchiveMetadata()}});
  EXPECT_THAT(LoadError(path), HasSubstr("expected float32"));
}

TEST_F(TorchScriptExportTest, RefusesZipThatIsNotTorchScript) {
  // a valid zip archive (what torch.save or any zip tool writes), but no TorchScript inside
  const std::string path = *dir_ + "/plain.pt";
  std::string error;
  ASSERT_TRUE(testutil::RunCommand(
      testutil::ShellQuote(testutil::PythonExecutable()) +
          " -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], \"w\").writestr("
          "\"readme.txt\", \"not a model\")' " + testutil::ShellQuote(path),
      &error))
      << error;
  const std::string load_error = LoadError(path);
  EXPECT_THAT(load_error, HasSubstr("plain.pt"));
  EXPECT_THAT(load_error, HasSubstr("not a loadable TorchScript archive"));
}

TEST_F(TorchScriptExportTest, RefusesTruncatedArchive) {
  const std::string text = testutil::ReadTextFile(Path(1, ".pt"));
  const std::string path = *dir_ + "/truncated.pt";
  ASSERT_TRUE(testutil::WriteTextFile(path, text.substr(0, text.size() / 2)));
  EXPECT_THAT(LoadError(path), HasSubstr("not a loadable TorchScript archive"));
}

// --- the exporter's command line ---

TEST_F(TorchScriptExportTest, ExporterRefusesToOverwrite) {
  const std::string script = std::string(MJHYBRID_SOURCE_DIR) + "/scripts/export_torchscript.py";
  const std::string command = testutil::ShellQuote(testutil::PythonExecutable()) + " " +
                              testutil::ShellQuote(script) + " " +
                              testutil::ShellQuote(Path(1, ".safetensors")) + " --out " +
                              testutil::ShellQuote(Path(1, ".pt"));
  std::string error;
  EXPECT_FALSE(testutil::RunCommand(command, &error));
  EXPECT_THAT(error, HasSubstr("status 2"));
  EXPECT_THAT(error, HasSubstr("exists; pass --force to overwrite it"));
}

TEST_F(TorchScriptExportTest, ExporterRejectsCorruptInput) {
  const std::string text = testutil::ReadTextFile(Path(1, ".safetensors"));
  const std::string in = *dir_ + "/truncated.safetensors";
  ASSERT_TRUE(testutil::WriteTextFile(in, text.substr(0, text.size() - 100)));
  std::string error;
  EXPECT_FALSE(testutil::ExportTorchScript(in, *dir_ + "/truncated_export.pt", &error));
  EXPECT_THAT(error, HasSubstr("status 1"));
  EXPECT_THAT(error, HasSubstr("out of bounds or does not match its shape"));

  EXPECT_FALSE(testutil::ExportTorchScript(*dir_ + "/missing.safetensors",
                                           *dir_ + "/missing.pt", &error));
  EXPECT_THAT(error, HasSubstr("missing.safetensors: no such file"));
}

}  // namespace
}  // namespace mjhybrid
