#include "scene/scene_config.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "scene/episode_start.h"
#include "plugin/core/printable.h"

namespace mjhybrid::scene {

namespace {

using nlohmann::json;

void OnlyKeys(const json& object, const std::set<std::string>& allowed, const std::string& where,
              const std::string& path) {
  if (!object.is_object()) throw std::runtime_error(path + ": '" + where + "' must be a JSON object");
  for (const auto& [key, value] : object.items()) {
    if (!allowed.count(key)) {
      std::string list;
      for (const std::string& k : allowed) list += (list.empty() ? "" : ", ") + k;
      throw std::runtime_error(path + ": unknown key '" + key + "' in '" + where + "' (known: " + list + ")");
    }
  }
}

double ReadNumber(const json& v, const std::string& where, const std::string& path, double lo) {
  if (!v.is_number() || v.get<double>() < lo) {
    throw std::runtime_error(path + ": '" + where + "' must be a number >= " + std::to_string(lo));
  }
  return v.get<double>();
}

int ReadIntInRange(const json& v, const std::string& where, const std::string& path, int lo, int hi) {
  if (!v.is_number_integer() || v.get<int>() < lo || v.get<int>() > hi) {
    throw std::runtime_error(path + ": '" + where + "' must be an integer from " + std::to_string(lo) + " to " +
                             std::to_string(hi));
  }
  return v.get<int>();
}

int ReadCount(const json& v, const std::string& where, const std::string& path) {
  if (!v.is_number_integer() || v.get<int>() < 1) {
    throw std::runtime_error(path + ": '" + where + "' must be an integer >= 1");
  }
  return v.get<int>();
}

SceneConfig ReadSceneConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read scene config '" + path + "'");
  json root = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) throw std::runtime_error(path + ": not valid JSON");
  OnlyKeys(root, {"collect", "replace", "fit_params", "sysid", "train"}, "top level", path);

  SceneConfig config;
  CollectOptions& c = config.collect;
  const json collect = root.value("collect", json::object());
  OnlyKeys(collect, {"dt", "steps", "episodes", "eval_episodes", "noise", "joints", "qvel", "init_qvel", "free"},
           "collect", path);
  if (collect.contains("dt")) c.dt = ReadNumber(collect["dt"], "collect.dt", path, 1e-9);
  if (collect.contains("steps")) c.steps = ReadCount(collect["steps"], "collect.steps", path);
  if (collect.contains("episodes")) c.episodes = ReadCount(collect["episodes"], "collect.episodes", path);
  if (collect.contains("eval_episodes")) config.eval_episodes = ReadCount(collect["eval_episodes"], "collect.eval_episodes", path);
  if (collect.contains("noise")) c.noise = ReadNumber(collect["noise"], "collect.noise", path, 0);
  // where episodes start: the grammar task.json's "reset" shares (scene/episode_start.h)
  ReadEpisodeStart(collect, "collect", path, &c.start, /*qvel_alias=*/"init_qvel");

  if (root.contains("fit_params")) {
    if (!root["fit_params"].is_boolean()) throw std::runtime_error(path + ": 'fit_params' must be true or false");
    config.fit_params = root["fit_params"].get<bool>();
  }
  if (root.contains("sysid")) {
    // true, false, or the options of an identification that runs
    const json& sysid = root["sysid"];
    if (sysid.is_object()) {
      OnlyKeys(sysid, {"actuator_lag", "step_doublings", "polish_sweeps", "rounds", "contact_rounds"}, "sysid", path);
      if (sysid.contains("actuator_lag")) {
        if (!sysid["actuator_lag"].is_boolean()) {
          throw std::runtime_error(path + ": 'sysid.actuator_lag' must be true or false");
        }
        config.sysid_options.actuator_lag = sysid["actuator_lag"].get<bool>();
      }
      if (sysid.contains("step_doublings")) {
        config.sysid_options.step_doublings = ReadIntInRange(sysid["step_doublings"], "sysid.step_doublings", path, 0, 10);
      }
      if (sysid.contains("polish_sweeps")) {
        config.sysid_options.polish_sweeps = ReadIntInRange(sysid["polish_sweeps"], "sysid.polish_sweeps", path, 0, 50);
      }
      if (sysid.contains("rounds")) {
        config.sysid_options.rounds = ReadIntInRange(sysid["rounds"], "sysid.rounds", path, 1, 5);
      }
      if (sysid.contains("contact_rounds")) {
        config.sysid_options.contact_rounds = ReadIntInRange(sysid["contact_rounds"], "sysid.contact_rounds", path, 0, 5);
      }
    } else if (!sysid.is_boolean()) {
      throw std::runtime_error(path + ": 'sysid' must be true, false or an object of sysid options");
    } else {
      config.sysid = sysid.get<bool>();
    }
  }
  if (config.sysid_options.contact_rounds > 0 && config.fit_params == false) {
    throw std::runtime_error(path + ": 'sysid.contact_rounds' needs the contact parameters, which 'fit_params': false switches off");
  }
  const json replace = root.value("replace", json::array());
  if (!replace.is_array()) throw std::runtime_error(path + ": 'replace' must be a list of [geom1, geom2]");
  for (const json& pair : replace) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      throw std::runtime_error(path + ": 'replace' must be a list of [geom1, geom2] name pairs");
    }
    config.replace.push_back({pair[0], pair[1]});
  }

  if (root.contains("train")) {
    const json& train = root["train"];
    OnlyKeys(train, {"output", "target_window", "huber"}, "train", path);
    if (train.contains("output")) {
      const json& output = train["output"];
      if (!output.is_string() || (output != "force" && output != "velocity")) {
        throw std::runtime_error(path + ": 'train.output' must be \"force\" or \"velocity\"");
      }
      config.train.output = output;
    }
    if (train.contains("target_window")) {
      config.train.target_window = ReadCount(train["target_window"], "train.target_window", path);
    }
    if (train.contains("huber")) {
      const json& huber = train["huber"];
      if (!huber.is_number() || huber.get<double>() < 0 || !std::isfinite(huber.get<double>())) {
        throw std::runtime_error(path + ": 'train.huber' must be a number >= 0 (0: mean squared error)");
      }
      config.train.huber = huber;
    }
  }
  return config;
}

}  // namespace

SceneConfig LoadSceneConfig(const std::string& path) {
  // every message names what the file held; Printable keeps it one line whatever that was
  try {
    return ReadSceneConfig(path);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(Printable(e.what()));
  }
}

}  // namespace mjhybrid::scene
