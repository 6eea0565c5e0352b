#include "viewer/sim/control_source.h"

#include <algorithm>
#include <cmath>
#include <exception>

namespace mjhybrid::viewer {

using scene::Episode;
using scene::LoadDataset;
using scene::TrajectoryDataset;

const char* ControlLabel(ControlKind kind) {
  switch (kind) {
    case ControlKind::kManual: return "manual";
    case ControlKind::kRandom: return "random";
    case ControlKind::kReplay: return "replay";
    case ControlKind::kPolicy: return "policy";
  }
  return "?";
}

ControlSource::ControlSource(const mjModel* m) : nu_(m->nu), timestep_(m->opt.timestep) {
  for (int a = 0; a < nu_; ++a) {
    const char* name = mj_id2name(m, mjOBJ_ACTUATOR, a);
    names_.push_back(name ? name : "actuator " + std::to_string(a));
    const bool limited = m->actuator_ctrllimited[a];
    lo_.push_back(limited ? m->actuator_ctrlrange[2 * a] : -1);
    hi_.push_back(limited ? m->actuator_ctrlrange[2 * a + 1] : 1);
    // manual control starts at rest: zero where the range allows it
    manual_.push_back(std::clamp(0.0, lo_.back(), hi_.back()));
  }
}

void ControlSource::UseManual() { kind_ = ControlKind::kManual; }

void ControlSource::SetPolicy(Controller controller, int hold_steps, std::string name) {
  policy_ = std::move(controller);
  policy_hold_ = std::max(1, hold_steps);
  policy_name_ = std::move(name);
  policy_ctrl_ = manual_;
}

void ControlSource::UsePolicy() {
  if (!policy_) return;
  kind_ = ControlKind::kPolicy;
  Restart();
}

void ControlSource::SetManual(int a, double value) {
  if (a < 0 || a >= nu_ || !std::isfinite(value)) return;
  manual_[a] = std::clamp(value, lo_[a], hi_[a]);
}

void ControlSource::UseRandom(uint64_t seed) {
  kind_ = ControlKind::kRandom;
  seed_ = seed;
  Restart();
}

bool ControlSource::UseReplay(const std::string& dataset_path, int episode, std::string* error) {
  TrajectoryDataset data;
  try {
    data = LoadDataset(dataset_path);
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
  if (data.nu != nu_) {
    *error = "'" + dataset_path + "' was recorded with " + std::to_string(data.nu) + " actuators, the scene has " +
             std::to_string(nu_);
    return false;
  }
  for (int a = 0; a < nu_ && a < static_cast<int>(data.actuators.size()); ++a) {
    if (data.actuators[a] != names_[a]) {
      *error = "'" + dataset_path + "': actuator " + std::to_string(a) + " is '" + data.actuators[a] +
               "', the scene's is '" + names_[a] + "'";
      return false;
    }
  }
  const long substeps = std::lround(data.timestep / timestep_);
  if (substeps < 1 || std::abs(substeps * timestep_ - data.timestep) > 1e-9 * data.timestep) {
    *error = "'" + dataset_path + "' was recorded every " + std::to_string(data.timestep) +
             " s, not a multiple of the scene's timestep " + std::to_string(timestep_) + " s";
    return false;
  }
  if (episode < 0 || episode >= static_cast<int>(data.episodes.size())) {
    *error = "'" + dataset_path + "' has " + std::to_string(data.episodes.size()) + " episodes, no episode " +
             std::to_string(episode);
    return false;
  }
  data_ = std::move(data);
  replay_path_ = dataset_path;
  episode_ = episode;
  substeps_ = static_cast<int>(substeps);
  kind_ = ControlKind::kReplay;
  Restart();
  return true;
}

const double* ControlSource::start_qpos() const {
  return kind_ == ControlKind::kReplay ? data_.episodes[episode_].qpos.data() : nullptr;
}

const double* ControlSource::start_qvel() const {
  return kind_ == ControlKind::kReplay ? data_.episodes[episode_].qvel.data() : nullptr;
}

bool ControlSource::finished() const {
  return kind_ == ControlKind::kReplay && replay_step_ >= static_cast<long>(data_.episodes[episode_].steps()) * substeps_;
}

void ControlSource::Next(double* ctrl) {
  switch (kind_) {
    case ControlKind::kManual:
      std::copy(manual_.begin(), manual_.end(), ctrl);
      break;
    case ControlKind::kRandom:
      for (int a = 0; a < nu_; ++a) ctrl[a] = excitation_[a].Next();
      break;
    case ControlKind::kReplay: {
      const Episode& ep = data_.episodes[episode_];
      // a control is held for the dataset's control period; the last one holds on after the end
      const long t = std::min<long>(replay_step_ / substeps_, ep.steps() - 1);
      std::copy(ep.ctrl.begin() + t * nu_, ep.ctrl.begin() + (t + 1) * nu_, ctrl);
      ++replay_step_;
      break;
    }
    case ControlKind::kPolicy:
      // the policy decides at the start of each control period and its action holds
      if (policy_step_ % policy_hold_ == 0) policy_(policy_ctrl_.data());
      std::copy(policy_ctrl_.begin(), policy_ctrl_.end(), ctrl);
      ++policy_step_;
      break;
  }
}

void ControlSource::Restart() {
  replay_step_ = 0;
  policy_step_ = 0;
  if (kind_ == ControlKind::kRandom) {
    rng_.seed(seed_);
    excitation_.clear();
    // the collect command's default noise: the motion the residual was trained on
    for (int a = 0; a < nu_; ++a) excitation_.emplace_back(lo_[a], hi_[a], timestep_, 0.15, &rng_);
  }
}

}  // namespace mjhybrid::viewer
