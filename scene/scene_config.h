// A scene's scene.json: how a lab collects data from its system (where it places things at the
// start of an episode, how long it records) and which contact pairs a contact model may
// replace. Optional; everything has a default. Unknown keys are errors, so a typo never
// silently falls back to a default.
//
//   {
//     "collect": {
//       "dt": 0.005,           control period, s (the model's timestep by default)
//       "steps": 1200,         control steps per episode
//       "episodes": 32,        training episodes
//       "eval_episodes": 8,    held-out episodes (collect --held-out)
//       "noise": 0.15,         OU noise, fraction of the control range
//       "joints": {"name": [lo, hi]},   where episodes start: the grammar of
//       "qvel": 0.5,                    scene/episode_start.h, shared with task.json's
//       "free": {"xy": [lo, hi], ...}   "reset" ("init_qvel" is read as "qvel")
//     },
//     "replace": [["geom1", "geom2"]],
//     "fit_params": true,      fit contact parameters per geom pair first (fit-params) and
//                              train the residual on the scene that uses them; absent: where
//                              the training data hold contacts; false: never
//     "sysid": false,          the demo identifies sim.xml's physical parameters first
//                              (mjhybrid sysid) and builds the hybrid on the identified model;
//                              false: on sim.xml as written. Default true. An object
//                              means true, with options (scene/sysid.h; default false and 0):
//                              {"actuator_lag": true,   try a first-order lag on every actuator
//                                                       sim.xml declares without dynamics
//                               "step_doublings": 3,    Levenberg-Marquardt lengthens a step
//                                                       that helps up to 2^3 times
//                               "polish_sweeps": 6,     then compass search, 6 sweeps
//                               "rounds": 2,            all of it again from its own result
//                                                       (default 1)
//                               "contact_rounds": 1}    after the contact parameters, the
//                                                       physical ones again with them in
//                                                       place (sysid --params), then the
//                                                       contact ones again from where they
//                                                       were (fit-params --start); default 0
//     "train": {
//       "output": "velocity",  force | velocity: what the whole-state residual outputs
//       "target_window": 10,   velocity targets: steps per analytic rollout window
//       "huber": 0.02          Huber loss with this delta (normalized units); 0: MSE
//     }
//   }
//
// "train" holds what `mjhybrid train --protocol` and `study` use for this scene instead of
// the defaults (options given on train's command line win).

#ifndef MJHYBRID_SCENE_SCENE_CONFIG_H_
#define MJHYBRID_SCENE_SCENE_CONFIG_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scene/collect.h"

namespace mjhybrid::scene {

struct SceneTraining {
  std::string output;     // "" (the train default), "force" or "velocity"
  int target_window = 0;  // 0: the train default
  double huber = -1;      // < 0: the train default (Huber 0.05); 0: MSE; > 0: Huber with this delta
};

struct SceneConfig {
  CollectOptions collect;  // model_path and seed are left to the caller
  int eval_episodes = 8;
  std::vector<std::pair<std::string, std::string>> replace;
  // absent: fit where the training data hold contacts (the demo's default); true: always;
  // false: never
  std::optional<bool> fit_params;
  bool sysid = true;  // the hybrid's analytic model is sim.xml identified on the data
  struct SysidChoices {
    bool actuator_lag = false;  // sysid --actuator-lag
    int step_doublings = 0;     // sysid --step-doublings
    int polish_sweeps = 0;      // sysid --polish-sweeps
    int rounds = 1;             // sysid --rounds
    int contact_rounds = 0;     // sysid --params, then fit-params --start, this many times
  } sysid_options;
  SceneTraining train;
};

// throws a one-line error naming the file and the key on anything malformed or unknown
SceneConfig LoadSceneConfig(const std::string& path);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_SCENE_CONFIG_H_
