#include "rl/ppo_state.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>

#include "plugin/core/atomic_file.h"

namespace mjhybrid::rl {

namespace {

using nlohmann::json;
using scene::RecordedNumber;
using scene::RecordedNumberFrom;
using scene::RecordedNumbersFrom;

constexpr char kFormat[] = "mjhybrid-ppo-state-1";

json NumberArray(const std::vector<double>& v) {
  json out = json::array();
  for (double x : v) out.push_back(RecordedNumber(x));
  return out;
}

json ProgressJson(const PpoProgress& p) {
  json curve = json::array();
  for (const CurvePoint& c : p.curve) {
    curve.push_back({c.steps, RecordedNumber(c.score.mean), RecordedNumber(c.score.std), c.score.episodes});
  }
  return {{"update", p.update},
          {"next_eval", p.next_eval},
          {"seconds", p.seconds},
          {"curve", curve},
          {"scale", {{"running", NumberArray(p.scale.running)},
                     {"mean", RecordedNumber(p.scale.mean)},
                     {"m2", RecordedNumber(p.scale.m2)},
                     {"count", p.scale.count}}},
          {"training", {{"episode", NumberArray(p.training.episode)},
                        {"recent", NumberArray({p.training.recent.begin(), p.training.recent.end()})}}}};
}

void ProgressFromJson(const json& j, PpoProgress* p) {
  p->update = j.at("update").get<long>();
  p->next_eval = j.at("next_eval").get<long>();
  p->seconds = j.at("seconds").get<double>();
  p->curve.clear();
  for (const json& c : j.at("curve")) {
    p->curve.push_back({c.at(0).get<long>(), {RecordedNumberFrom(c.at(1)), RecordedNumberFrom(c.at(2)), c.at(3).get<int>()}});
  }
  const json& scale = j.at("scale");
  const std::vector<double> running = RecordedNumbersFrom(scale.at("running"));
  const std::vector<double> episode = RecordedNumbersFrom(j.at("training").at("episode"));
  if (running.size() != p->scale.running.size() || episode.size() != p->training.episode.size()) {
    throw std::runtime_error("it was saved with " + std::to_string(running.size()) + " environment copies, not " +
                             std::to_string(p->scale.running.size()));
  }
  p->scale.running = running;
  p->scale.mean = RecordedNumberFrom(scale.at("mean"));
  p->scale.m2 = RecordedNumberFrom(scale.at("m2"));
  p->scale.count = scale.at("count").get<long>();
  p->training.episode = episode;
  const std::vector<double> recent = RecordedNumbersFrom(j.at("training").at("recent"));
  p->training.recent.assign(recent.begin(), recent.end());
}

std::string ReadString(torch::serialize::InputArchive& archive, const char* key) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isString()) throw std::runtime_error(std::string("no '") + key + "'");
  return value.toStringRef();
}

void LoadArchive(const std::string& path, torch::serialize::InputArchive* archive) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw std::runtime_error("no training state '" + path + "' (the run finished, or never saved one)");
  }
  try {
    archive->load_from(path);
    if (ReadString(*archive, "format") != kFormat) throw std::runtime_error("format is not " + std::string(kFormat));
  } catch (const std::exception& e) {
    throw std::runtime_error("training state '" + path + "' is corrupt: " + std::string(e.what()).substr(0, 200));
  }
}

}  // namespace

void TrainingReturns::Add(const std::vector<double>& reward, const std::vector<uint8_t>& done) {
  for (size_t i = 0; i < episode.size(); ++i) {
    episode[i] += reward[i];
    if (done[i]) {
      recent.push_back(episode[i]);
      if (recent.size() > 50) recent.pop_front();
      episode[i] = 0;
    }
  }
}

double TrainingReturns::Mean() const {
  return recent.empty() ? 0 : std::accumulate(recent.begin(), recent.end(), 0.0) / recent.size();
}

std::string PpoStatePath(const std::string& policy_path) {
  const std::filesystem::path p(policy_path);
  return (p.parent_path() / (p.stem().string() + ".state.pt")).string();
}

void SavePpoState(const std::string& path, const scene::RunCommandLine& command_line, const ActorCritic& net,
                  const torch::optim::Adam& adam, const torch::Generator& generator, const PpoProgress& progress,
                  const VecEnv& env, const std::vector<VecEnv*>& scorers) {
  torch::serialize::OutputArchive archive, net_archive, adam_archive;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("command", c10::IValue(json({{"command", command_line.command},
                                             {"directory", command_line.directory},
                                             {"arguments", command_line.arguments}}).dump()));
  net->save(net_archive);
  archive.write("net", net_archive);
  adam.save(adam_archive);
  archive.write("adam", adam_archive);
  archive.write("generator", generator.get_state());
  archive.write("progress", c10::IValue(ProgressJson(progress).dump()));
  archive.write("env", c10::IValue(env.SaveState()));
  json scored = json::array();
  for (const VecEnv* s : scorers) scored.push_back(s->SaveState());
  archive.write("scorers", c10::IValue(scored.dump()));
  const std::string partial = PartialPathFor(path);
  std::string error;
  try {
    archive.save_to(partial);
  } catch (const std::exception& e) {
    std::remove(partial.c_str());
    throw std::runtime_error("cannot write '" + path + "'");
  }
  if (!CommitPartial(partial, path, &error)) throw std::runtime_error("cannot write '" + path + "': " + error);
}

void LoadPpoState(const std::string& path, ActorCritic& net, torch::optim::Adam& adam, torch::Generator& generator,
                  PpoProgress* progress, VecEnv* env, const std::vector<VecEnv*>& scorers) {
  torch::serialize::InputArchive archive;
  LoadArchive(path, &archive);
  try {
    torch::serialize::InputArchive net_archive, adam_archive;
    archive.read("net", net_archive);
    net->load(net_archive);
    archive.read("adam", adam_archive);
    adam.load(adam_archive);
    torch::Tensor state;
    archive.read("generator", state);
    generator.set_state(state);
    ProgressFromJson(json::parse(ReadString(archive, "progress")), progress);
    env->RestoreState(ReadString(archive, "env"));
    const json scored = json::parse(ReadString(archive, "scorers"));
    if (scored.size() != scorers.size()) throw std::runtime_error("it has another number of scoring environments");
    for (size_t i = 0; i < scorers.size(); ++i) scorers[i]->RestoreState(scored[i].get<std::string>());
  } catch (const std::exception& e) {
    throw std::runtime_error("training state '" + path + "' does not fit this run: " +
                             std::string(e.what()).substr(0, 200));
  }
}

scene::RunCommandLine ReadPpoStateCommandLine(const std::string& path) {
  torch::serialize::InputArchive archive;
  LoadArchive(path, &archive);
  try {
    const json j = json::parse(ReadString(archive, "command"));
    return {j.at("command").get<std::string>(), j.at("directory").get<std::string>(),
            j.at("arguments").get<std::vector<std::string>>()};
  } catch (const std::exception& e) {
    throw std::runtime_error("training state '" + path + "' has no command line: " + e.what());
  }
}

}  // namespace mjhybrid::rl
