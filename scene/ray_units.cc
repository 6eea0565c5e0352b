#include "scene/ray_units.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "scene/run_files.h"

namespace mjhybrid::scene {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// the driver: an installed package's copy (the package folder is the mjhybrid root), else the
// source tree's. Run as a script, not `-m mjhybrid.ray_units`: the package's __init__ imports
// MuJoCo and Gymnasium, which the driver does not need
std::string DriverScript() { return ScriptPath("ray_units.py", "python/mjhybrid/ray_units.py"); }

std::string Python(const RayOptions& options) {
  const std::string python = ScriptPython(options.python);
  if (python.empty()) throw std::runtime_error("--ray needs a Python with Ray installed: set MJHYBRID_PYTHON");
  return python;
}

}  // namespace

UnitWalk UnitWalk::Whole() { return UnitWalk(Kind::kWhole); }

UnitWalk UnitWalk::Plan() { return UnitWalk(Kind::kPlan); }

UnitWalk UnitWalk::One(const std::string& name, const std::string& record_path) {
  UnitWalk walk(Kind::kOne);
  walk.unit_ = name;
  walk.record_path_ = record_path;
  return walk;
}

bool UnitWalk::Computes(const std::string& unit, const std::vector<std::string>& needs) {
  switch (kind_) {
    case Kind::kWhole:
      return true;
    case Kind::kPlan:
      plan_.push_back({unit, needs});
      return false;
    case Kind::kOne:
      if (unit != unit_) return false;
      found_ = true;
      return true;
  }
  return false;
}

void UnitWalk::Finish(RunJournal* journal, const std::string& unit, json record) {
  if (kind_ == Kind::kOne) {
    WriteText(record_path_, record.dump() + "\n");
  } else {
    journal->Finish(unit, std::move(record));
  }
}

RayUnits::RayUnits(const RayOptions& options) : python_(Python(options)), script_(DriverScript()) {
  std::vector<std::string> args = {python_, script_, "--messages-fd", "3"};
  if (!options.address.empty()) args.insert(args.end(), {"--address", options.address});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int plan[2], messages[2];
  if (pipe2(plan, O_CLOEXEC) != 0) throw std::runtime_error("cannot start the Ray driver: no pipe");
  if (pipe2(messages, O_CLOEXEC) != 0) {
    close(plan[0]);
    close(plan[1]);
    throw std::runtime_error("cannot start the Ray driver: no pipe");
  }
  std::fflush(stdout);
  std::fflush(stderr);
  pid_ = fork();
  if (pid_ == 0) {
    // the child: the plan on stdin, messages on 3, its own output on our stderr (Ray's log lines
    // never mix with the messages). Only async-signal-safe calls until exec
    dup2(plan[0], 0);
    dup2(2, 1);
    dup2(messages[1], 3);
    fcntl(3, F_SETFD, 0);  // dup2 onto itself would have kept close-on-exec
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(plan[0]);
  close(messages[1]);
  if (pid_ < 0) {
    close(plan[1]);
    close(messages[0]);
    throw std::runtime_error("cannot start the Ray driver: fork failed");
  }
  plan_fd_ = plan[1];
  messages_ = fdopen(messages[0], "r");
  // its first word: Ray and the address are there, or one line why not (it then ends)
  try {
    Next();
  } catch (...) {
    ClosePlan();
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
    std::fclose(messages_);
    throw;
  }
}

RayUnits::~RayUnits() {
  ClosePlan();  // a driver still waiting for the plan ends at its end of file
  if (pid_ > 0) {
    if (!done_) kill(pid_, SIGTERM);  // one still running units: they are lost anyway
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (messages_) std::fclose(messages_);
}

void RayUnits::ClosePlan() {
  if (plan_fd_ >= 0) close(plan_fd_);
  plan_fd_ = -1;
}

json RayUnits::Next() {
  char* buffer = nullptr;
  size_t size = 0;
  while (getline(&buffer, &size, messages_) != -1) {
    json message = json::parse(buffer, nullptr, false);
    if (!message.is_object()) continue;
    std::free(buffer);
    if (message.contains("error") && message["error"].is_string()) throw std::runtime_error(message["error"].get<std::string>());
    if (message.contains("done")) done_ = true;
    return message;
  }
  std::free(buffer);
  // the driver ended without a word: it could not run, or crashed (its output is above)
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  throw std::runtime_error("the Ray driver (" + python_ + " " + script_ + ") ended with exit status " +
                           std::to_string(code) + (code == 127 ? ": cannot run that Python; set MJHYBRID_PYTHON" : ""));
}

void RayUnits::Run(const std::vector<std::string>& arguments, const std::vector<PlannedUnit>& plan,
                   RunJournal* journal) {
  // the tasks run this very program: the same build computes every unit
  std::vector<std::string> command = {fs::read_symlink("/proc/self/exe").string()};
  command.insert(command.end(), arguments.begin(), arguments.end());
  json units = json::array();
  for (const PlannedUnit& u : plan) units.push_back({{"name", u.name}, {"needs", u.needs}});
  const std::string text = json{{"command", command}, {"cwd", fs::current_path().string()}, {"units", units}}.dump();
  // a driver that died leaves a pipe without reader: an error from write, not SIGPIPE's end
  void (*previous)(int) = std::signal(SIGPIPE, SIG_IGN);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(plan_fd_, text.data() + written, text.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  std::signal(SIGPIPE, previous);
  ClosePlan();
  size_t recorded = 0;
  // until the driver says it is done; it then ends Ray while this process writes the summary
  while (!done_) {
    const json message = Next();
    if (!message.contains("unit") || !message["unit"].is_string() || !message.contains("record")) continue;
    const std::string unit = message["unit"].get<std::string>();
    journal->Finish(unit, message["record"]);
    ++recorded;
    std::fprintf(stderr, "[ray] %s recorded (%zu/%zu, %s, %.1f s)\n", unit.c_str(), recorded, plan.size(),
                 message.value("host", std::string("?")).c_str(), message.value("seconds", 0.0));
  }
  for (const PlannedUnit& u : plan) {
    if (!journal->Find(u.name)) throw std::runtime_error("Ray ended without unit '" + u.name + "'");
  }
}

}  // namespace mjhybrid::scene
