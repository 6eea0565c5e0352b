#include "tests/torch/test_models.h"

#include <mujoco/mujoco.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "plugin/core/features.h"
#include "plugin/core/mlp.h"
#include "plugin/mujoco/state_layout_from_model.h"

namespace mjhybrid::testutil {

namespace {

// a normalizer in the units a robot arm would show: angles through sin/cos, velocities of a
// few rad/s, torques of a few N*m; the training range is 4 standard deviations wide
void SetNormalizer(const std::string& name, float* mean, float* std, float* min, float* max) {
  auto starts = [&](const char* prefix) { return name.rfind(prefix, 0) == 0; };
  *mean = 0;
  if (starts("sin(") || starts("cos(")) {
    *std = 0.7f;
    *min = -1;
    *max = 1;
    return;
  }
  *std = starts("qvel[") ? 4.0f : starts("ctrl[") ? 2.0f : 1.0f;
  *min = -4 * *std;
  *max = 4 * *std;
}

}  // namespace

std::string Arm2SimPath() { return std::string(MJHYBRID_SOURCE_DIR) + "/scenes/arm2/sim.xml"; }

StateLayout LayoutFromScene(const std::string& xml_path, std::string* error) {
  char err[1000] = "";
  mjModel* m = mj_loadXML(xml_path.c_str(), nullptr, err, sizeof(err));
  if (!m) {
    *error = xml_path + ": " + err;
    return {};
  }
  StateLayout layout = StateLayoutFromModel(m);
  mj_deleteModel(m);
  return layout;
}

std::shared_ptr<ResidualModel> RandomMlpModel(const StateLayout& layout,
                                              const RandomModelSpec& spec) {
  auto model = std::make_shared<ResidualModel>();
  model->signature = layout;
  model->features.ctrl_history = spec.ctrl_history;
  const int nin = FeatureCount(model->features, layout);
  const int nout = layout.nv;

  // normalizer
  std::vector<std::string> names = FeatureNames(model->features, layout);
  for (std::vector<float>* v :
       {&model->input_mean, &model->input_std, &model->input_min, &model->input_max}) {
    v->resize(nin);
  }
  for (int i = 0; i < nin; ++i) {
    SetNormalizer(names[i], &model->input_mean[i], &model->input_std[i], &model->input_min[i],
                  &model->input_max[i]);
  }
  model->output_mean.assign(nout, 0.01f);
  model->output_std.assign(nout, 0.2f);
  model->output_bound.assign(nout, 1.0f);

  // weights: each member draws its own, as an ensemble trained from different seeds would
  std::mt19937 rng(spec.seed);
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<std::vector<DenseLayer>> members(spec.members);
  for (auto& member : members) {
    int fan_in = nin;
    std::vector<int> widths = spec.hidden;
    widths.push_back(nout);
    for (int width : widths) {
      DenseLayer layer;
      const float scale = 1.0f / std::sqrt(static_cast<float>(fan_in));
      layer.weight.resize(width, fan_in);
      layer.bias.resize(width);
      for (int r = 0; r < width; ++r) {
        for (int c = 0; c < fan_in; ++c) layer.weight(r, c) = scale * uniform(rng);
        layer.bias[r] = scale * uniform(rng);
      }
      member.push_back(std::move(layer));
      fan_in = width;
    }
  }
  model->network = std::make_shared<MlpEnsemble>(std::move(members));
  model->provenance = {{"note", "random weights for tests and benchmarks"}, {"seed", spec.seed}};
  return model;
}

std::string MakeScratchDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  return mkdtemp(buf.data()) ? std::string(buf.data()) : "";
}

void RemoveScratchDir(const std::string& dir) {
  std::error_code ignored;
  if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string PythonExecutable() {
  const char* env = std::getenv("MJHYBRID_PYTHON");
  return env && *env ? env : MJHYBRID_PYTHON;
}

bool RunCommand(const std::string& command, std::string* error) {
  // output goes to a file, so that a failure can be shown in the test log
  std::string log = MakeScratchDir("mjhybrid-cmd");
  if (log.empty()) {
    *error = "cannot create a scratch folder under $TMPDIR";
    return false;
  }
  const std::string log_file = log + "/output.txt";
  int status = std::system((command + " > " + ShellQuote(log_file) + " 2>&1").c_str());
  std::string output = ReadTextFile(log_file);
  RemoveScratchDir(log);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *error = "command failed (status " +
             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + "): " + command +
             "\n" + output;
    return false;
  }
  return true;
}

bool ExportTorchScript(const std::string& in, const std::string& out, std::string* error) {
  const std::string script = std::string(MJHYBRID_SOURCE_DIR) + "/scripts/export_torchscript.py";
  return RunCommand(ShellQuote(PythonExecutable()) + " " + ShellQuote(script) + " " +
                        ShellQuote(in) + " --out " + ShellQuote(out) + " --force",
                    error);
}

std::string HybridXml(const std::string& sim_xml_path, const std::string& config) {
  std::string xml = ReadTextFile(sim_xml_path);
  const std::string extension =
      "\n  <extension>\n    <plugin plugin=\"mjhybrid.residual\">\n"
      "      <instance name=\"residual\">" + config + "</instance>\n"
      "    </plugin>\n  </extension>\n";
  size_t compiler = xml.find("<compiler");
  size_t end = compiler == std::string::npos ? std::string::npos : xml.find("/>", compiler);
  if (end == std::string::npos) {
    // no <compiler/>: the extension goes first inside <mujoco>
    size_t root = xml.find("<mujoco");
    end = root == std::string::npos ? std::string::npos : xml.find('>', root);
    return end == std::string::npos ? "" : xml.insert(end + 1, extension);
  }
  return xml.insert(end + 2, extension);
}

std::string ModelConfig(const std::string& model_path) {
  return "<config key=\"model\" value=\"" + model_path + "\"/>";
}

bool WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace mjhybrid::testutil
