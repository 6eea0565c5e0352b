// Fuzz target: a scene.json through its reader (collect protocol, episode start, replace
// pairs, train section). The only ways out are a config or a std::runtime_error of one line.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "scene/scene_config.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mjhybrid::fuzz::AsFile(data, size, "scene.json");
  try {
    mjhybrid::scene::LoadSceneConfig(path);
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();
  }
  return 0;
}
