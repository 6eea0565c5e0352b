#include "viewer/ui/output_file.h"

#include <ctime>
#include <filesystem>

namespace mjhybrid::viewer {

std::string FreshOutputPath(const std::string& scene, const std::string& extension) {
  namespace fs = std::filesystem;
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &local);
  std::error_code ec;
  fs::path folder = fs::current_path(ec);
  const std::string stem = "mjhybrid-" + (scene.empty() ? std::string("scene") : scene) + "-" + stamp;
  // two saves within a second get numbered names rather than one overwriting the other
  fs::path path = folder / (stem + extension);
  for (int n = 2; fs::exists(path, ec); ++n) path = folder / (stem + "-" + std::to_string(n) + extension);
  return path.string();
}

}  // namespace mjhybrid::viewer
