// A long run's record of the units of work it has finished, so that a run stopped at any
// moment (Ctrl-C, SIGTERM, kill -9, a lost machine) resumes where it stopped. The journal is
// one file in the run folder, progress.json:
//
//   {"command": "study", "arguments": [...the command line that started the run...],
//    "directory": "/where/it/was/started", "seconds": 812.4, "units": {"hybrid-s0": {...}}}
//
// rewritten whole (plugin/core/atomic_file.h) after every unit, so a kill leaves either the
// journal before the unit or after it. A unit's record holds everything the run's summary
// needs from it; the unit's files (models, datasets) are written before its record, so a
// recorded unit's files are complete. A resumed run skips the recorded units and redoes the
// one in flight; with deterministic units its results equal an uninterrupted run's.
// docs/ARCHITECTURE.md ("Long runs") has the contract.

#ifndef MJHYBRID_SCENE_RUN_JOURNAL_H_
#define MJHYBRID_SCENE_RUN_JOURNAL_H_

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mjhybrid::scene {

class RunJournal {
 public:
  static constexpr const char* kFileName = "progress.json";

  // a new journal for a run of `command` in `folder` (created if missing); `arguments` are
  // the command line that started it, kept so that --resume runs with the same options
  static RunJournal Start(const std::string& folder, const std::string& command,
                          const std::vector<std::string>& arguments);
  // the journal of a run folder; throws one line when there is none, or it is another
  // command's
  static RunJournal Open(const std::string& folder, const std::string& command);

  // a finished unit's record, nullptr when the unit has not been finished
  const nlohmann::json* Find(const std::string& unit) const;
  // records a finished unit and rewrites the journal; throws one line when it cannot
  void Finish(const std::string& unit, nlohmann::json record);
  // the run's wall time, over every session that worked on it, up to now
  double Seconds() const;
  bool resumed() const { return resumed_; }

 private:
  RunJournal() = default;
  void Write() const;

  std::string path_;
  nlohmann::json content_;
  std::chrono::steady_clock::time_point session_start_ = std::chrono::steady_clock::now();
  double seconds_before_ = 0;  // the earlier sessions' wall time
  bool resumed_ = false;
};

// a number in a unit's record: exact (JSON doubles round-trip), non-finite ones as null (JSON
// has no NaN) and read back as NaN
nlohmann::json RecordedNumber(double v);
double RecordedNumberFrom(const nlohmann::json& j);
std::vector<double> RecordedNumbersFrom(const nlohmann::json& j);  // an array of them

// how a run was started: its command (study, transfer, policy-train), its arguments after the
// command's name, and the working directory they are relative to
struct RunCommandLine {
  std::string command, directory;
  std::vector<std::string> arguments;
};

// the command line that started the run in `folder`; throws one line when the folder has no
// journal
RunCommandLine ReadRunCommandLine(const std::string& folder);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_RUN_JOURNAL_H_
