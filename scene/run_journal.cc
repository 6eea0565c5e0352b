#include "scene/run_journal.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "scene/run_files.h"

namespace mjhybrid::scene {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json ReadJournal(const std::string& folder) {
  const std::string path = (fs::path(folder) / RunJournal::kFileName).string();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw std::runtime_error("'" + folder + "' is not a run folder");
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("'" + folder + "' has no " + RunJournal::kFileName +
                             " (it is not a run that can be resumed)");
  }
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("command") || !j["command"].is_string() ||
      !j.contains("arguments") || !j["arguments"].is_array() || !j.contains("directory") ||
      !j["directory"].is_string() || !j.contains("units") || !j["units"].is_object()) {
    throw std::runtime_error("'" + path + "' is not a run journal");
  }
  for (const json& a : j["arguments"]) {
    if (!a.is_string()) throw std::runtime_error("'" + path + "' is not a run journal");
  }
  return j;
}

}  // namespace

RunJournal RunJournal::Start(const std::string& folder, const std::string& command,
                             const std::vector<std::string>& arguments) {
  fs::create_directories(folder);
  RunJournal journal;
  journal.path_ = (fs::path(folder) / kFileName).string();
  journal.content_ = {{"command", command},
                      {"arguments", arguments},
                      {"directory", fs::current_path().string()},
                      {"seconds", 0.0},
                      {"units", json::object()}};
  journal.Write();
  return journal;
}

RunJournal RunJournal::Open(const std::string& folder, const std::string& command) {
  RunJournal journal;
  journal.path_ = (fs::path(folder) / kFileName).string();
  journal.content_ = ReadJournal(folder);
  const std::string recorded = journal.content_["command"].get<std::string>();
  if (recorded != command) {
    throw std::runtime_error("'" + folder + "' is a " + recorded + " run, not a " + command + " run");
  }
  if (journal.content_.contains("seconds") && journal.content_["seconds"].is_number()) {
    journal.seconds_before_ = journal.content_["seconds"].get<double>();
  }
  journal.resumed_ = true;
  return journal;
}

const json* RunJournal::Find(const std::string& unit) const {
  const json& units = content_["units"];
  auto it = units.find(unit);
  return it == units.end() ? nullptr : &*it;
}

void RunJournal::Finish(const std::string& unit, json record) {
  content_["units"][unit] = std::move(record);
  Write();
}

double RunJournal::Seconds() const {
  return seconds_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start_).count();
}

void RunJournal::Write() const {
  json out = content_;
  out["seconds"] = Seconds();
  WriteText(path_, out.dump(1) + "\n");
}

json RecordedNumber(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

double RecordedNumberFrom(const json& j) { return j.is_null() ? std::nan("") : j.get<double>(); }

std::vector<double> RecordedNumbersFrom(const json& j) {
  std::vector<double> out;
  for (const json& v : j) out.push_back(RecordedNumberFrom(v));
  return out;
}

RunCommandLine ReadRunCommandLine(const std::string& folder) {
  const json j = ReadJournal(folder);
  return {j["command"].get<std::string>(), j["directory"].get<std::string>(),
          j["arguments"].get<std::vector<std::string>>()};
}

}  // namespace mjhybrid::scene
