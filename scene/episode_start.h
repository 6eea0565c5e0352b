// Where an episode starts: the states a robot can be placed in (joint positions and
// velocities; objects set down, turned and thrown). One grammar, read by one reader and checked
// against a model by one validator, for both places that describe it: scene.json's "collect"
// section (how data is recorded) and task.json's "reset" (where a policy's episodes start).
//
//   "joints": {"name": [lo, hi]}   hinge/slide positions, uniform in [lo, hi]
//   "qvel": s                      std of every hinge/slide velocity; scene.json's "collect"
//                                  also reads its older name "init_qvel"
//   "free": PLACEMENT              one placement for every free joint, or
//   "free": {"name": PLACEMENT}    one per free joint, by joint name
//   PLACEMENT = {"xy": [lo, hi], "z": [lo, hi], "yaw": [lo, hi], "vel": s, "angvel": s}
//     uniform x, y and z offsets of the joint's qpos0 position and a uniform turn about the
//     world vertical, then Gaussian linear and angular velocities (std); every key optional (0)
//
// What is not named is left to the sampler, which is its user's: collection places every
// other hinge/slide joint anywhere in its range and draws a fixed count of numbers per joint
// (scene/collect.h); a task leaves the others at qpos0 and draws only for what it names
// (rl/task.h). Unknown keys, empty ranges, negative deviations and names the model lacks are
// one-line errors naming the file and the key.

#ifndef MJHYBRID_SCENE_EPISODE_START_H_
#define MJHYBRID_SCENE_EPISODE_START_H_

#include <mujoco/mujoco.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace mjhybrid::scene {

struct Range {
  double lo = 0, hi = 0;
};

struct FreePlacement {
  Range xy, z, yaw;
  double vel = 0, angvel = 0;
};

struct EpisodeStart {
  std::map<std::string, Range> joints;  // by hinge/slide joint name
  double qvel = 0;
  std::optional<FreePlacement> every_free;      // "free": PLACEMENT
  std::map<std::string, FreePlacement> free;    // "free": {"name": PLACEMENT}

  // the placement of the free joint `name`: its own, else the one for every free joint, else
  // none (all zero)
  FreePlacement PlacementOf(const char* name) const;
};

// the keys an episode start takes in a JSON section (besides a caller's alias for "qvel")
inline const char* const kEpisodeStartKeys[] = {"joints", "qvel", "free"};

// Reads the episode-start keys of `section` (a JSON object named `where` in file `path`) into
// *start, leaving the keys it does not know to the caller; `qvel_alias`, when given, is read
// as "qvel". Throws "PATH: 'WHERE.KEY' ..." on anything malformed.
void ReadEpisodeStart(const nlohmann::json& section, const std::string& where, const std::string& path,
                      EpisodeStart* start, const char* qvel_alias = nullptr);

// Throws "PATH: 'WHERE.joints.NAME': MODEL has no hinge or slide joint of that name" (and the
// same for free joints) when `m` lacks a joint the start names; `model` names m in the message.
void CheckEpisodeStart(const EpisodeStart& start, const mjModel* m, const std::string& where,
                       const std::string& path, const std::string& model);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_EPISODE_START_H_
