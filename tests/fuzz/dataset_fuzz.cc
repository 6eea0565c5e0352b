// Fuzz target: a trajectory dataset (HDF5) through its loader. The only ways out are a dataset
// whose shapes agree with its header, or a std::runtime_error of one line.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "scene/dataset.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mjhybrid::fuzz::AsFile(data, size, "data.h5");
  try {
    const mjhybrid::scene::TrajectoryDataset d = mjhybrid::scene::LoadDataset(path);
    for (const mjhybrid::scene::Episode& ep : d.episodes) {
      const size_t states = ep.time.size();
      if (states < 1 || ep.qpos.size() != states * d.nq || ep.qvel.size() != states * d.nv ||
          ep.ctrl.size() != (states - 1) * d.nu) {
        __builtin_trap();
      }
    }
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();
  }
  return 0;
}
