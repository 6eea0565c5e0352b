// Fuzz target: a task.json through its grammar reader (rl/task.h, the episode start of
// scene/episode_start.h). The only ways out are a spec or a std::runtime_error of one line.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "rl/task.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mjhybrid::fuzz::AsFile(data, size, "task.json");
  try {
    mjhybrid::rl::LoadTaskSpec(path);
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();
  }
  return 0;
}
