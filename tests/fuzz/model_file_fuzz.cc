// Fuzz target: a residual model file (safetensors header, JSON metadata, tensors) through the
// loader the plugin uses. Anything may come in; a clean one-line refusal is the only other way
// out. A model that loads must also save and load again to the same metadata.

#include <cstddef>
#include <cstdint>
#include <string>

#include "plugin/core/residual_model.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mjhybrid;  // NOLINT: a fuzz entry point outside any namespace
  const std::string path = fuzz::AsFile(data, size, "model.safetensors");
  std::string error;
  auto model = LoadResidualModel(path, &error);
  if (!model) {
    if (error.empty() || error.find('\n') != std::string::npos) __builtin_trap();  // one line, always
    return 0;
  }
  const std::string again = path + ".again.safetensors";
  if (SaveResidualModel(again, *model, &error)) {
    auto reloaded = LoadResidualModel(again, &error);
    if (!reloaded || reloaded->Metadata() != model->Metadata()) __builtin_trap();
  }
  return 0;
}
