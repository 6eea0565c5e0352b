// Fuzz target: a trajectory dataset (HDF5) through its loader, and the same bytes as the packed
// form the reader process hands a dataset over in (scene/dataset_bytes.h). The only ways out
// are a dataset whose shapes agree with its header, or a std::runtime_error of one line.
//
// libhdf5 runs in the reader's child process, whose coverage does not reach the fuzzer: what
// is guided here is this process's side, the handover and the unpacking, which is also fed
// the raw input directly so that it is fuzzed at full speed.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "scene/dataset.h"
#include "scene/dataset_bytes.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using mjhybrid::scene::Episode;
using mjhybrid::scene::TrajectoryDataset;

void CheckShapes(const TrajectoryDataset& d) {
  for (const Episode& ep : d.episodes) {
    const size_t states = ep.time.size();
    if (states < 1 || ep.qpos.size() != states * d.nq || ep.qvel.size() != states * d.nv ||
        ep.ctrl.size() != (states - 1) * d.nu) {
      __builtin_trap();
    }
  }
}

void CheckOneLine(const std::runtime_error& e) {
  if (std::string(e.what()).find('\n') != std::string::npos) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    CheckShapes(mjhybrid::scene::UnpackDataset(std::string(reinterpret_cast<const char*>(data), size)));
  } catch (const std::runtime_error& e) {
    CheckOneLine(e);
  }
  const std::string path = mjhybrid::fuzz::AsFile(data, size, "data.h5");
  try {
    CheckShapes(mjhybrid::scene::LoadDataset(path));
  } catch (const std::runtime_error& e) {
    CheckOneLine(e);
  }
  return 0;
}
