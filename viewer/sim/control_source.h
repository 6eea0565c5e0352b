// Where the three worlds' common controls come from, one physics step at a time:
//   manual  each actuator's value as set by a slider or the keyboard
//   random  the excitation the pipeline records data with (scene/excitation.h)
//   replay  a recorded episode's controls, held for the dataset's control period; the worlds
//           start from the episode's first state
//   policy  a trained policy (mjhybrid policy-train) acting on what it observes of one world,
//           its action held for the task's control period; handed in by the caller, so that
//           this side of the viewer needs no LibTorch
// Every world receives the same ctrl vector in the same step.

#ifndef MJHYBRID_VIEWER_SIM_CONTROL_SOURCE_H_
#define MJHYBRID_VIEWER_SIM_CONTROL_SOURCE_H_

#include <mujoco/mujoco.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "scene/dataset.h"
#include "scene/excitation.h"

namespace mjhybrid::viewer {

enum class ControlKind { kManual = 0, kRandom = 1, kReplay = 2, kPolicy = 3 };
const char* ControlLabel(ControlKind kind);  // "manual", "random", "replay", "policy"

class ControlSource {
 public:
  // m: the model whose actuators (names, ranges) the controls are for
  explicit ControlSource(const mjModel* m);

  ControlKind kind() const { return kind_; }
  int nu() const { return nu_; }
  double lo(int a) const { return lo_[a]; }
  double hi(int a) const { return hi_[a]; }
  const std::string& actuator(int a) const { return names_[a]; }

  // manual control: values the user sets, clamped to the range
  void UseManual();
  double manual(int a) const { return manual_[a]; }
  void SetManual(int a, double value);

  // the pipeline's excitation, restarted with this seed
  void UseRandom(uint64_t seed);

  // a recorded episode; false with a one-line *error when the file cannot be read or was
  // recorded from a system with another layout or timestep. The control period must be a whole
  // number of the model's timesteps.
  bool UseReplay(const std::string& dataset_path, int episode, std::string* error);
  int replay_episode() const { return episode_; }
  int replay_episodes() const { return static_cast<int>(data_.episodes.size()); }
  const std::string& replay_path() const { return replay_path_; }
  // the episode's first recorded state (replay only)
  const double* start_qpos() const;
  const double* start_qvel() const;
  // replay: no controls left
  bool finished() const;

  // a controller that writes ctrl[nu] for the next control period, from whatever it observes;
  // called every hold_steps physics steps. UsePolicy needs one.
  using Controller = std::function<void(double* ctrl)>;
  void SetPolicy(Controller controller, int hold_steps, std::string name);
  bool has_policy() const { return static_cast<bool>(policy_); }
  const std::string& policy_name() const { return policy_name_; }
  void UsePolicy();

  // the controls for the next physics step into ctrl[nu]
  void Next(double* ctrl);
  // back to the start of the signal (replay: the first control; random: the seed's signal)
  void Restart();

 private:
  int nu_;
  double timestep_;
  std::vector<std::string> names_;
  std::vector<double> lo_, hi_, manual_;
  ControlKind kind_ = ControlKind::kManual;
  // random
  uint64_t seed_ = 0;
  std::mt19937_64 rng_;
  std::vector<scene::Excitation> excitation_;
  // replay
  std::string replay_path_;
  scene::TrajectoryDataset data_;
  int episode_ = 0;
  int substeps_ = 1;
  long replay_step_ = 0;
  // policy
  Controller policy_;
  std::string policy_name_;
  int policy_hold_ = 1;
  long policy_step_ = 0;
  std::vector<double> policy_ctrl_;
};

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_SIM_CONTROL_SOURCE_H_
