// Shared by the fuzz targets: the loaders under test read files, so each input is written to a
// scratch file of this process first (in /dev/shm when it exists, so the disk is not worn).

#ifndef MJHYBRID_TESTS_FUZZ_FUZZ_INPUT_H_
#define MJHYBRID_TESTS_FUZZ_FUZZ_INPUT_H_

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace mjhybrid::fuzz {

// the input as a file named `name` (its extension may matter to the loader); the same path
// every call, rewritten each time
inline std::string AsFile(const uint8_t* data, size_t size, const std::string& name) {
  static const std::string dir = [] {
    std::error_code ec;
    const std::filesystem::path base =
        std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : std::filesystem::temp_directory_path();
    const std::filesystem::path d = base / ("mjhybrid-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d.string();
  }();
  const std::string path = dir + "/" + name;
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path;
}

}  // namespace mjhybrid::fuzz

#endif  // MJHYBRID_TESTS_FUZZ_FUZZ_INPUT_H_
