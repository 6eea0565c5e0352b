#include "cli/resume.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "rl/ppo_state.h"
#include "scene/run_journal.h"

namespace mjhybrid::cli {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> running;

// the line the signal handler writes, prepared beforehand: a handler may only call
// async-signal-safe functions (write, signal, raise), so nothing is built there
char resume_message[4096];
size_t resume_message_size = 0;

void OnStopSignal(int signal_number) {
  if (resume_message_size > 0) {
    ssize_t ignored = write(STDERR_FILENO, resume_message, resume_message_size);
    (void)ignored;
  }
  // end as the signal would have ended us: the exit status says which signal it was
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

bool IsResumable(const std::string& command) {
  return command == "study" || command == "transfer" || command == "policy-train";
}

// RUN from "--resume RUN" or "--resume=RUN"; empty when argv has no --resume
std::string ResumeTarget(int argc, char** argv, int* count) {
  std::string run;
  *count = 0;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--resume" && i + 1 < argc) {
      run = argv[++i];
      ++*count;
    } else if (a.rfind("--resume=", 0) == 0) {
      run = a.substr(9);
      ++*count;
    }
  }
  return run;
}

bool SamePath(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

}  // namespace

std::vector<std::string> ArgumentsToRun(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  int count = 0;
  const std::string run = argc >= 2 && IsResumable(argv[1]) ? ResumeTarget(argc, argv, &count) : "";
  if (run.empty()) {
    running.assign(args.begin() + std::min<size_t>(1, args.size()), args.end());
    return args;
  }
  const std::string command = argv[1];
  if (argc != 4 || count != 1) {
    throw std::runtime_error("--resume takes the options '" + run + "' was started with; give " + command +
                             " nothing else");
  }
  // a policy's training keeps its command line in its training state, a study's or transfer's
  // in its run folder's journal
  const scene::RunCommandLine recorded = command == "policy-train"
                                             ? rl::ReadPpoStateCommandLine(rl::PpoStatePath(run))
                                             : scene::ReadRunCommandLine(run);
  if (recorded.command != command) {
    throw std::runtime_error("'" + run + "' is a " + recorded.command + " run; resume it with mjhybrid " +
                             recorded.command + " --resume " + run);
  }
  if (!SamePath(recorded.directory, fs::current_path().string())) {
    throw std::runtime_error("'" + run + "' was started in " + recorded.directory +
                             "; resume it from there (its paths are relative to it)");
  }
  running = recorded.arguments;
  std::vector<std::string> out = {args[0]};
  out.insert(out.end(), recorded.arguments.begin(), recorded.arguments.end());
  out.push_back("--resume");
  out.push_back(run);
  return out;
}

void CheckResumedFolder(const std::string& run, const std::string& out) {
  if (!SamePath(run, out)) {
    throw std::runtime_error("'" + run + "' recorded a run writing to '" + out + "'; resume it where it was written");
  }
}

const std::vector<std::string>& RunningArguments() { return running; }

void SayHowToResumeOnSignal(const std::string& command, const std::string& run) {
  const std::string line = "\nmjhybrid: stopped; resume with: mjhybrid " + command + " --resume " + run + "\n";
  resume_message_size = std::min(line.size(), sizeof(resume_message));
  std::memcpy(resume_message, line.data(), resume_message_size);
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
}

}  // namespace mjhybrid::cli
