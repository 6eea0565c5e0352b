// Files written whole or not at all (plugin/core/atomic_file.h): a finished write replaces the
// target, a failed one leaves it as it was, and a process killed in the middle of a write
// leaves no truncated target behind.

#include "plugin/core/atomic_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mjhybrid {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mjhybrid-atomic-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Read(const fs::path& p) const {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  int Files() const { return static_cast<int>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator())); }

  fs::path dir_;
};

TEST_F(AtomicFileTest, AFinishedWriteReplacesTheTargetAndLeavesNothingElse) {
  const std::string path = (dir_ / "model.safetensors").string();
  std::string error;
  ASSERT_TRUE(WriteFileAtomically(path, [](std::ostream& out) { return static_cast<bool>(out << "old"); }, &error));
  ASSERT_TRUE(WriteFileAtomically(path, [](std::ostream& out) { return static_cast<bool>(out << "new"); }, &error));
  EXPECT_EQ(Read(path), "new");
  EXPECT_EQ(Files(), 1) << "no partial file left beside it";
}

TEST_F(AtomicFileTest, AFailedWriteLeavesTheOldContent) {
  const std::string path = (dir_ / "data.json").string();
  std::string error;
  ASSERT_TRUE(WriteFileAtomically(path, [](std::ostream& out) { return static_cast<bool>(out << "complete"); }, &error));
  EXPECT_FALSE(WriteFileAtomically(path, [](std::ostream& out) {
    out << "half of";
    return false;
  }, &error));
  EXPECT_EQ(Read(path), "complete");
  EXPECT_EQ(Files(), 1);
  // an exception from the writer: the same, and it reaches the caller
  EXPECT_THROW(WriteFileAtomically(path, [](std::ostream& out) -> bool {
    out << "half of";
    throw std::runtime_error("disk on fire");
  }, &error), std::runtime_error);
  EXPECT_EQ(Read(path), "complete");
  EXPECT_EQ(Files(), 1);
  // a folder that does not exist: one line, nothing written
  EXPECT_FALSE(WriteFileAtomically((dir_ / "missing" / "x").string(), [](std::ostream&) { return true; }, &error));
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

// a child killed with SIGKILL half-way through a write of many megabytes: the target keeps its
// old content (at worst a stray .partial file remains, never a truncated target)
TEST_F(AtomicFileTest, AKillDuringAWriteNeverLeavesATruncatedTarget) {
  const std::string path = (dir_ / "big.safetensors").string();
  std::string error;
  ASSERT_TRUE(WriteFileAtomically(path, [](std::ostream& out) { return static_cast<bool>(out << "old"); }, &error));
  int pipe_fd[2];
  ASSERT_EQ(pipe(pipe_fd), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fd[0]);
    std::string e;
    WriteFileAtomically(path, [&](std::ostream& out) {
      const std::string block(1 << 20, 'x');
      for (int i = 0;; ++i) {
        out << block;
        out.flush();
        if (i == 4) {  // a few megabytes are on disk: tell the parent, then keep writing
          const char ready = 1;
          if (write(pipe_fd[1], &ready, 1) != 1) _exit(2);
        }
      }
      return true;
    }, &e);
    _exit(0);
  }
  close(pipe_fd[1]);
  char ready = 0;
  ASSERT_EQ(read(pipe_fd[0], &ready, 1), 1);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(pipe_fd[0]);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(Read(path), "old");
  EXPECT_EQ(PartialPathFor(path).find(".big.safetensors.partial-"), dir_.string().size() + 1);
}

}  // namespace
}  // namespace mjhybrid
