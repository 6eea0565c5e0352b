// The real mjhybrid-viewer binary: headless runs, bad input, and the window itself on a virtual
// X server (Xvfb, started by the test) with Mesa's software OpenGL. The screenshot it writes is
// read back and must show three distinct worlds.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stb_image.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;

const std::string kRoot = MJHYBRID_SOURCE_DIR;
const std::string kViewer = MJHYBRID_VIEWER_BINARY;

struct Result {
  int code = -1;
  std::string output;  // stdout and stderr
};

// runs a shell command line; env is prepended (e.g. "DISPLAY=:5 ")
Result RunViewer(const std::string& args, const std::string& env = "") {
  const std::string command = env + "'" + kViewer + "' " + args + " 2>&1";
  Result r;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

int Lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

class ViewerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() /
           ("mjhybrid-viewer-cli-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }
  fs::path tmp_;
};

TEST_F(ViewerCliTest, HeadlessRunPrintsTheKStepTableAndWritesTheSeries) {
  const fs::path csv = tmp_ / "arm2.csv";
  Result r = RunViewer(kRoot + "/scenes/arm2 --headless --steps 400 --sync-every 100 --seed 3 --csv " + csv.string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("arm2: 400 steps"), std::string::npos) << r.output;
  // rows k = 1, 10, 100 with four samples each (one per sync)
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(\n\s+100\s+4\s)"))) << r.output;
  std::ifstream f(csv);
  std::stringstream text;
  text << f.rdbuf();
  EXPECT_EQ(Lines(text.str()), 1 + 401) << "header, the initial state and 400 steps";

  Result again = RunViewer(kRoot + "/scenes/arm2 --headless --steps 10 --csv " + csv.string());
  EXPECT_NE(again.code, 0);
  EXPECT_NE(again.output.find("exists"), std::string::npos) << again.output;
  EXPECT_EQ(Lines(again.output), 1) << again.output;
  EXPECT_EQ(0, RunViewer(kRoot + "/scenes/arm2 --headless --steps 10 --force --csv " + csv.string()).code);
}

TEST_F(ViewerCliTest, BadInputGetsOneLineAndANonZeroExit) {
  for (const std::string& args : {kRoot + "/scenes/nowhere --headless",
                                  kRoot + "/scenes/arm2 --headless --control replay",
                                  kRoot + "/scenes/arm2 --headless --control replay --data " + tmp_.string() + "/x.h5",
                                  kRoot + "/scenes/arm2 --frames 0 --screenshot " + tmp_.string() + "/a.png",
                                  kRoot + "/scenes/arm2 --size 12 --headless"}) {
    Result r = RunViewer(args);
    EXPECT_NE(r.code, 0) << args;
    EXPECT_EQ(Lines(r.output), 1) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("error"), std::string::npos) << args << "\n" << r.output;
  }
}

TEST_F(ViewerCliTest, WithoutADisplayTheWindowIsRefusedClearly) {
  Result r = RunViewer(kRoot + "/scenes/arm2", "env -u DISPLAY -u WAYLAND_DISPLAY ");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("cannot open a window"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--headless"), std::string::npos) << r.output;
}

// a virtual X server for the tests of this suite. Xvfb picks a free display itself and writes
// its number to a pipe once it accepts connections (-displayfd): ctest runs each case in its
// own process, and two of them choosing a number by looking for lock files could both pick the
// same one, the loser then drawing on the winner's server until it goes away.
class Xvfb {
 public:
  Xvfb() {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(fds[0]);
      const std::string fd = std::to_string(fds[1]);
      execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "1920x1080x24", "-nolisten", "tcp",
             nullptr);
      _exit(127);
    }
    close(fds[1]);
    // a loaded machine can take seconds to start it: wait up to a minute for the number
    std::string number;
    pollfd ready{fds[0], POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
      if (poll(&ready, 1, 200) <= 0) continue;
      char c;
      if (read(fds[0], &c, 1) != 1) break;  // Xvfb exited without a display
      if (c == '\n') break;
      number += c;
    }
    close(fds[0]);
    if (!number.empty() && std::isdigit(static_cast<unsigned char>(number[0]))) {
      display_ = ":" + number;
    } else {
      Stop();
    }
  }
  ~Xvfb() { Stop(); }
  const std::string& display() const { return display_; }

 private:
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  std::string display_;
  pid_t pid_ = -1;
};

struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;
  const unsigned char* at(int x, int y) const { return &rgb[3 * (static_cast<size_t>(y) * width + x)]; }
};

Image ReadPng(const std::string& path) {
  Image image;
  int channels = 0;
  unsigned char* pixels = stbi_load(path.c_str(), &image.width, &image.height, &channels, 3);
  if (!pixels) return {};
  image.rgb.assign(pixels, pixels + 3 * static_cast<size_t>(image.width) * image.height);
  stbi_image_free(pixels);
  return image;
}

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;  // pixels, origin at the top left
};

// "viewport NAME x y w h" lines that a --frames run prints for each world it drew
std::map<std::string, Rect> Viewports(const std::string& output) {
  std::map<std::string, Rect> out;
  std::regex line(R"(viewport (\w+) (\d+) (\d+) (\d+) (\d+))");
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line); it != std::sregex_iterator(); ++it) {
    out[(*it)[1]] = {std::stoi((*it)[2]), std::stoi((*it)[3]), std::stoi((*it)[4]), std::stoi((*it)[5])};
  }
  return out;
}

// standard deviation of the pixel intensities in r: a blank (one-color) region has none
double Spread(const Image& image, const Rect& r) {
  double sum = 0, sq = 0;
  long n = 0;
  for (int y = r.y; y < r.y + r.h; ++y) {
    for (int x = r.x; x < r.x + r.w; ++x) {
      const unsigned char* p = image.at(x, y);
      const double v = (p[0] + p[1] + p[2]) / 3.0;
      sum += v;
      sq += v * v;
      ++n;
    }
  }
  return n ? std::sqrt(std::max(0.0, sq / n - (sum / n) * (sum / n))) : 0;
}

// fraction of pixels that differ between two regions of the same size
double Differing(const Image& image, const Rect& a, const Rect& b) {
  long differ = 0, n = 0;
  for (int y = 0; y < std::min(a.h, b.h); ++y) {
    for (int x = 0; x < std::min(a.w, b.w); ++x) {
      const unsigned char* p = image.at(a.x + x, a.y + y);
      const unsigned char* q = image.at(b.x + x, b.y + y);
      differ += std::abs(p[0] - q[0]) + std::abs(p[1] - q[1]) + std::abs(p[2] - q[2]) > 24;
      ++n;
    }
  }
  return n ? static_cast<double>(differ) / n : 0;
}

class ViewerWindowTest : public ViewerCliTest {
 protected:
  static void SetUpTestSuite() { xvfb_ = new Xvfb(); }
  static void TearDownTestSuite() {
    delete xvfb_;
    xvfb_ = nullptr;
  }
  Result RunOnScreen(const std::string& args) { return RunViewer(args, "DISPLAY=" + xvfb_->display() + " "); }
  static Xvfb* xvfb_;
};
Xvfb* ViewerWindowTest::xvfb_ = nullptr;

TEST_F(ViewerWindowTest, ThreeDistinctWorldsAppearInTheScreenshot) {
  ASSERT_FALSE(xvfb_->display().empty()) << "Xvfb did not start (scripts/setup.sh installs it)";
  const fs::path png = tmp_ / "arm2.png";
  Result r = RunOnScreen(kRoot + "/scenes/arm2 --frames 300 --seed 2 --size 1500x800 --screenshot " + png.string());
  ASSERT_EQ(r.code, 0) << r.output;
  Image image = ReadPng(png.string());
  ASSERT_EQ(image.width, 1500) << r.output;
  ASSERT_EQ(image.height, 800);
  std::map<std::string, Rect> viewports = Viewports(r.output);
  ASSERT_EQ(viewports.size(), 3u) << r.output;
  for (const auto& [name, rect] : viewports) {
    ASSERT_GT(rect.w, 50) << name;
    ASSERT_GT(rect.h, 50) << name;
    ASSERT_LE(rect.x + rect.w, image.width) << name;
    ASSERT_LE(rect.y + rect.h, image.height) << name;
    EXPECT_GT(Spread(image, rect), 5) << name << " is blank";
  }
  // after 300 frames of the same controls, each world stands somewhere else
  EXPECT_GT(Differing(image, viewports["real"], viewports["analytic"]), 0.002);
  EXPECT_GT(Differing(image, viewports["real"], viewports["hybrid"]), 0.0005);
  EXPECT_GT(Differing(image, viewports["analytic"], viewports["hybrid"]), 0.002);
}

TEST_F(ViewerWindowTest, GhostLayoutTinyWindowsAndMissingWorldsDoNotCrash) {
  ASSERT_FALSE(xvfb_->display().empty());
  Result ghosts = RunOnScreen(kRoot + "/scenes/push --frames 30 --layout ghosts --screenshot " +
                              (tmp_ / "ghosts.png").string());
  EXPECT_EQ(ghosts.code, 0) << ghosts.output;
  EXPECT_EQ(Viewports(ghosts.output).size(), 1u) << ghosts.output;
  EXPECT_GT(Spread(ReadPng((tmp_ / "ghosts.png").string()), {0, 0, 200, 200}), 0) << ghosts.output;

  Result tiny = RunOnScreen(kRoot + "/scenes/push --frames 20 --size 24x16");
  EXPECT_EQ(tiny.code, 0) << tiny.output;

  // a scene without real.xml and with a hybrid whose model is missing: the analytic world runs
  for (const char* name : {"sim.xml"}) fs::copy_file(kRoot + "/scenes/arm2/" + name, tmp_ / name);
  std::ifstream in(kRoot + "/scenes/arm2/hybrid.xml");
  std::stringstream text;
  text << in.rdbuf();
  std::string hybrid = std::regex_replace(text.str(), std::regex("models/arm2/residual.safetensors"),
                                          (tmp_ / "missing.safetensors").string());
  std::ofstream(tmp_ / "hybrid.xml") << hybrid;
  Result broken = RunOnScreen(tmp_.string() + " --frames 20 --screenshot " + (tmp_ / "broken.png").string());
  EXPECT_EQ(broken.code, 0) << broken.output;
  std::map<std::string, Rect> viewports = Viewports(broken.output);
  EXPECT_EQ(viewports.count("real"), 0u) << broken.output;
  EXPECT_EQ(viewports.count("analytic"), 1u) << broken.output;
}

}  // namespace
