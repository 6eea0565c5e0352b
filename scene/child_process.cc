#include "scene/child_process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <stdexcept>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define MJHYBRID_SANITIZED 1
#endif
#endif
#ifdef MJHYBRID_SANITIZED
#include <sanitizer/common_interface_defs.h>
#endif

namespace mjhybrid::scene {

namespace {

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// the child: a status byte ('+' done, '-' error message follows), then the payload
[[noreturn]] void RunChild(int fd, const std::function<std::string()>& produce) {
  // a crash here must end this child as the signal says, not run the handlers the parent
  // installed (a fuzzer's would record the input as its own crash)
  for (int s : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGINT, SIGTERM}) std::signal(s, SIG_DFL);
#ifdef MJHYBRID_SANITIZED
  __sanitizer_set_death_callback(nullptr);
#endif
  std::string out;
  char status = '+';
  try {
    out = produce();
  } catch (const std::exception& e) {
    status = '-';
    out = e.what();
  } catch (...) {
    status = '-';
    out = "unknown error";
  }
  const bool ok = WriteAll(fd, &status, 1) && WriteAll(fd, out.data(), out.size());
  close(fd);
  _exit(ok ? 0 : 1);
}

}  // namespace

std::string RunInChildProcess(const std::function<std::string()>& produce) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("cannot create a pipe for the reader process");
  const pid_t child = fork();
  if (child < 0) {
    close(fds[0]);
    close(fds[1]);
    throw std::runtime_error("cannot start the reader process");
  }
  if (child == 0) {
    close(fds[0]);
    RunChild(fds[1], produce);
  }
  close(fds[1]);
  // read while the child writes: a pipe holds only 64 KB
  std::string bytes;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = read(fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    throw std::runtime_error("the reader crashed on it (signal " + std::to_string(WTERMSIG(status)) +
                             "): the file is corrupt");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || bytes.empty()) {
    throw std::runtime_error("the reader failed on it (exit status " + std::to_string(WEXITSTATUS(status)) +
                             "): the file is corrupt");
  }
  const bool failed = bytes[0] == '-';
  bytes.erase(0, 1);
  if (failed) throw std::runtime_error(bytes);
  return bytes;
}

}  // namespace mjhybrid::scene
