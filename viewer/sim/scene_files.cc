#include "viewer/sim/scene_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace mjhybrid::viewer {

namespace {

std::string ReadText(const fs::path& path) {
  std::ifstream f(path);
  std::stringstream text;
  text << f.rdbuf();
  return text.str();
}

std::string IfExists(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) ? path.string() : "";
}

// the README section whose heading mentions hidden effects, up to the next heading of the
// same or a higher level
std::string HiddenEffects(const std::string& readme) {
  std::istringstream in(readme);
  std::string line, out;
  int level = 0;
  while (std::getline(in, line)) {
    int hashes = 0;
    while (hashes < static_cast<int>(line.size()) && line[hashes] == '#') ++hashes;
    if (level > 0) {
      if (hashes > 0 && hashes <= level) break;
      out += line + "\n";
    } else if (hashes > 0 && line.find("idden effects") != std::string::npos) {
      level = hashes;
    }
  }
  // trim leading and trailing blank lines
  size_t a = out.find_first_not_of("\n"), b = out.find_last_not_of("\n");
  return a == std::string::npos ? "" : out.substr(a, b - a + 1);
}

}  // namespace

SceneFiles FindSceneFiles(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec || !fs::exists(p, ec)) throw std::runtime_error("'" + path + "' does not exist");
  SceneFiles files;
  if (fs::is_directory(p, ec)) {
    files.folder = fs::weakly_canonical(p, ec).string();
    files.hybrid = IfExists(p / "hybrid.xml");
  } else {
    if (p.extension() != ".xml") {
      throw std::runtime_error("'" + path + "' is neither a scene folder nor an MJCF (.xml) file");
    }
    files.folder = fs::weakly_canonical(p.parent_path(), ec).string();
    files.hybrid = fs::weakly_canonical(p, ec).string();
  }
  const fs::path folder(files.folder);
  files.name = folder.filename().string();
  files.real = IfExists(folder / "real.xml");
  files.sim = IfExists(folder / "sim.xml");
  // a file opened on its own that is the real or analytic model is not a hybrid one
  if (files.hybrid == files.real || files.hybrid == files.sim) files.hybrid = "";
  files.scene_json = IfExists(folder / "scene.json");
  if (files.sim.empty() && files.hybrid.empty()) {
    throw std::runtime_error("'" + path + "' has neither sim.xml nor hybrid.xml: nothing to simulate");
  }
  if (std::string readme = IfExists(folder / "README.md"); !readme.empty()) {
    files.hidden_effects = HiddenEffects(ReadText(readme));
  }
  return files;
}

std::string ModelCardFor(const std::string& residual_path, bool contact_model) {
  if (residual_path.empty()) return "This hybrid world has no residual model.";
  const fs::path folder = fs::path(residual_path).parent_path();
  for (const char* name : {contact_model ? "MODEL_CARD-replace.md" : "MODEL_CARD.md", "MODEL_CARD.md"}) {
    if (std::string card = IfExists(folder / name); !card.empty()) return ReadText(card);
  }
  return "No model card beside " + residual_path + " (scripts/ship_model.sh writes one).";
}

}  // namespace mjhybrid::viewer
