#include "scene/scene_config.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

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

Range ReadRange(const json& v, const std::string& where, const std::string& path) {
  if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number() || v[0] > v[1]) {
    throw std::runtime_error(path + ": '" + where + "' must be [lo, hi] with lo <= hi");
  }
  return {v[0].get<double>(), v[1].get<double>()};
}

double ReadNumber(const json& v, const std::string& where, const std::string& path, double lo) {
  if (!v.is_number() || v.get<double>() < lo) {
    throw std::runtime_error(path + ": '" + where + "' must be a number >= " + std::to_string(lo));
  }
  return v.get<double>();
}

int ReadCount(const json& v, const std::string& where, const std::string& path) {
  if (!v.is_number_integer() || v.get<int>() < 1) {
    throw std::runtime_error(path + ": '" + where + "' must be an integer >= 1");
  }
  return v.get<int>();
}

}  // namespace

SceneConfig LoadSceneConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read scene config '" + path + "'");
  json root = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) throw std::runtime_error(path + ": not valid JSON");
  OnlyKeys(root, {"collect", "replace", "train"}, "top level", path);

  SceneConfig config;
  CollectOptions& c = config.collect;
  const json collect = root.value("collect", json::object());
  OnlyKeys(collect, {"dt", "steps", "episodes", "eval_episodes", "init_qvel", "noise", "joints", "free"},
           "collect", path);
  if (collect.contains("dt")) c.dt = ReadNumber(collect["dt"], "collect.dt", path, 1e-9);
  if (collect.contains("steps")) c.steps = ReadCount(collect["steps"], "collect.steps", path);
  if (collect.contains("episodes")) c.episodes = ReadCount(collect["episodes"], "collect.episodes", path);
  if (collect.contains("eval_episodes")) config.eval_episodes = ReadCount(collect["eval_episodes"], "collect.eval_episodes", path);
  if (collect.contains("init_qvel")) c.init_qvel = ReadNumber(collect["init_qvel"], "collect.init_qvel", path, 0);
  if (collect.contains("noise")) c.noise = ReadNumber(collect["noise"], "collect.noise", path, 0);
  const json joints = collect.value("joints", json::object());
  if (!joints.is_object()) throw std::runtime_error(path + ": 'collect.joints' must map joint names to [lo, hi]");
  for (const auto& [name, range] : joints.items()) {
    c.joint_ranges[name] = ReadRange(range, "collect.joints." + name, path);
  }
  if (collect.contains("free")) {
    const json& free = collect["free"];
    OnlyKeys(free, {"xy", "z", "yaw", "vel", "angvel"}, "collect.free", path);
    FreePlacement& f = c.free;
    if (free.contains("xy")) f.xy = ReadRange(free["xy"], "collect.free.xy", path);
    if (free.contains("z")) f.z = ReadRange(free["z"], "collect.free.z", path);
    if (free.contains("yaw")) f.yaw = ReadRange(free["yaw"], "collect.free.yaw", path);
    if (free.contains("vel")) f.vel = ReadNumber(free["vel"], "collect.free.vel", path, 0);
    if (free.contains("angvel")) f.angvel = ReadNumber(free["angvel"], "collect.free.angvel", path, 0);
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

}  // namespace mjhybrid::scene
