#include "scene/episode_start.h"

#include <cmath>
#include <set>
#include <stdexcept>

namespace mjhybrid::scene {

namespace {

using nlohmann::json;

const std::set<std::string> kPlacementKeys = {"xy", "z", "yaw", "vel", "angvel"};

// "PATH: 'KEY' WHAT", or "PATH: 'KEY': WHAT" when what starts with ": "
[[noreturn]] void Fail(const std::string& path, const std::string& key, const std::string& what) {
  throw std::runtime_error(path + ": '" + key + "'" + (what.rfind(": ", 0) == 0 ? "" : " ") + what);
}

double Deviation(const json& v, const std::string& key, const std::string& path) {
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0) {
    Fail(path, key, "must be a standard deviation: a finite number >= 0");
  }
  return v.get<double>();
}

Range ReadRange(const json& v, const std::string& key, const std::string& path) {
  if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number() ||
      !std::isfinite(v[0].get<double>()) || !std::isfinite(v[1].get<double>())) {
    Fail(path, key, "must be [lo, hi] with finite numbers");
  }
  const Range r{v[0].get<double>(), v[1].get<double>()};
  if (r.lo > r.hi) Fail(path, key, "is an empty range (lo > hi); give [lo, hi] with lo <= hi");
  return r;
}

FreePlacement ReadPlacement(const json& v, const std::string& key, const std::string& path) {
  if (!v.is_object()) Fail(path, key, "must be an object with xy, z, yaw, vel, angvel");
  FreePlacement p;
  for (const auto& [k, value] : v.items()) {
    const std::string here = key + "." + k;
    if (k == "xy") p.xy = ReadRange(value, here, path);
    else if (k == "z") p.z = ReadRange(value, here, path);
    else if (k == "yaw") p.yaw = ReadRange(value, here, path);
    else if (k == "vel") p.vel = Deviation(value, here, path);
    else if (k == "angvel") p.angvel = Deviation(value, here, path);
    else Fail(path, here, "is an unknown key; valid keys here: angvel, vel, xy, yaw, z");
  }
  return p;
}

bool IsJointType(const mjModel* m, const std::string& name, bool free) {
  const int j = mj_name2id(m, mjOBJ_JOINT, name.c_str());
  if (j < 0) return false;
  const int type = m->jnt_type[j];
  return free ? type == mjJNT_FREE : type == mjJNT_HINGE || type == mjJNT_SLIDE;
}

}  // namespace

FreePlacement EpisodeStart::PlacementOf(const char* name) const {
  if (name) {
    auto it = free.find(name);
    if (it != free.end()) return it->second;
  }
  return every_free.value_or(FreePlacement{});
}

void ReadEpisodeStart(const json& section, const std::string& where, const std::string& path,
                      EpisodeStart* start, const char* qvel_alias) {
  if (section.contains("joints")) {
    const json& joints = section["joints"];
    if (!joints.is_object()) Fail(path, where + ".joints", "must map joint names to [lo, hi]");
    for (const auto& [name, range] : joints.items()) {
      start->joints[name] = ReadRange(range, where + ".joints." + name, path);
    }
  }
  for (const char* key : {"qvel", qvel_alias}) {
    if (key && section.contains(key)) start->qvel = Deviation(section[key], where + "." + key, path);
  }
  if (section.contains("free")) {
    const json& free = section["free"];
    const std::string key = where + ".free";
    if (!free.is_object()) Fail(path, key, "must be a placement {xy, z, yaw, vel, angvel} or map free joint names to one");
    int placement_keys = 0;
    for (const auto& [k, value] : free.items()) placement_keys += kPlacementKeys.count(k);
    if (placement_keys == static_cast<int>(free.size())) {
      start->every_free = ReadPlacement(free, key, path);
    } else if (placement_keys == 0) {
      for (const auto& [name, placement] : free.items()) start->free[name] = ReadPlacement(placement, key + "." + name, path);
    } else {
      Fail(path, key, "mixes placement keys (xy, z, yaw, vel, angvel) with joint names; give one placement "
                      "for every free joint, or one per free joint name");
    }
  }
}

void CheckEpisodeStart(const EpisodeStart& start, const mjModel* m, const std::string& where,
                       const std::string& path, const std::string& model) {
  for (const auto& [name, range] : start.joints) {
    if (!IsJointType(m, name, false)) Fail(path, where + ".joints." + name, ": " + model + " has no hinge or slide joint of that name");
  }
  for (const auto& [name, placement] : start.free) {
    if (!IsJointType(m, name, true)) Fail(path, where + ".free." + name, ": " + model + " has no free joint of that name");
  }
}

}  // namespace mjhybrid::scene
