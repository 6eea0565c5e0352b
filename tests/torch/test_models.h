// Residual models made up for tests and benchmarks: random MLP weights with a plausible
// normalizer for a scene, written as safetensors, exported to TorchScript with
// scripts/export_torchscript.py, and attached to a scene's MJCF. Nothing here is trained;
// the point is to exercise the code paths with networks of the right shape.
//
// Paths: the repository root comes from the compile definition MJHYBRID_SOURCE_DIR, the
// Python interpreter from $MJHYBRID_PYTHON, else the compile definition MJHYBRID_PYTHON.

#ifndef MJHYBRID_TESTS_TORCH_TEST_MODELS_H_
#define MJHYBRID_TESTS_TORCH_TEST_MODELS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "plugin/core/residual_model.h"
#include "plugin/core/state_layout.h"

namespace mjhybrid::testutil {

// <repository>/scenes/arm2/sim.xml
std::string Arm2SimPath();

// the StateLayout of a compiled scene; empty (nq = 0) and *error set if it does not compile
StateLayout LayoutFromScene(const std::string& xml_path, std::string* error);

// random MLP residual for `layout`: features -> hidden... -> nv, tanh, `members` members,
// weights ~ U(-1, 1) / sqrt(fan_in) (PyTorch's default init scale), outputs bounded
struct RandomModelSpec {
  int ctrl_history = 4;
  std::vector<int> hidden = {32, 32};
  int members = 1;
  uint32_t seed = 1;
};
std::shared_ptr<ResidualModel> RandomMlpModel(const StateLayout& layout,
                                              const RandomModelSpec& spec);

// a fresh folder under $TMPDIR (or /tmp); removed by RemoveScratchDir
std::string MakeScratchDir(const std::string& prefix);
void RemoveScratchDir(const std::string& dir);

// scripts/export_torchscript.py in --out out --force; false with the script's output in *error
bool ExportTorchScript(const std::string& in, const std::string& out, std::string* error);

// runs a shell command line, capturing its output; false (and the output in *error) on failure
bool RunCommand(const std::string& command, std::string* error);
std::string ShellQuote(const std::string& s);
std::string PythonExecutable();

// the MJCF text of `sim_xml_path` with an mjhybrid.residual instance right after <compiler/>;
// `config` is the inner XML of <instance>, e.g. <config key="model" value="/abs/m.pt"/>
std::string HybridXml(const std::string& sim_xml_path, const std::string& config);
std::string ModelConfig(const std::string& model_path);

bool WriteTextFile(const std::string& path, const std::string& text);
std::string ReadTextFile(const std::string& path);

}  // namespace mjhybrid::testutil

#endif  // MJHYBRID_TESTS_TORCH_TEST_MODELS_H_
