// Decision-time planning: predictive sampling (as in MuJoCo MPC) with a scene's model as the
// planner's internal model. Every control step the planner perturbs its current plan (knots of
// a piecewise-linear action sequence over the horizon), rolls every candidate out on the
// internal model from the state the system is observed in, keeps the best, and applies the
// plan's first action. The best plan is shifted in time and becomes the next nominal.
//
// The internal model's own state (the residual's control history) is tracked by a shadow copy
// that steps with the actions actually applied and is put back into the observed qpos/qvel
// every control step: the planner sees the system only through what sensors would report.
//
// With an ensemble residual, `uncertainty_weight` adds the members' disagreement, summed over
// each candidate's steps, to its cost: plans through states the model has not learned are
// avoided.

#ifndef MJHYBRID_RL_MPC_H_
#define MJHYBRID_RL_MPC_H_

#include <mujoco/mujoco.h>

#include <cstdint>
#include <random>
#include <vector>

#include "scene/mujoco_util.h"
#include "rl/task.h"
#include "rl/thread_pool.h"

namespace mjhybrid::rl {

struct MpcOptions {
  int horizon = 25;       // actions planned ahead
  int knots = 5;          // of the piecewise-linear plan
  int samples = 32;       // candidates per control step, the nominal among them
  double noise = 0.3;     // std of knot perturbations, in action units ([-1, 1] range)
  double uncertainty_weight = 0;
  int threads = 1;
  uint64_t seed = 0;
};

class PredictiveSampling {
 public:
  // the internal model (not owned; outlives the planner) and the task it plans for
  PredictiveSampling(const mjModel* internal, const TaskSpec& task, const MpcOptions& options);

  // a new episode: forget the plan and the tracked state
  void Reset();
  // the action to apply now, given the observed qpos[nq] and qvel[nv] of the system
  void Act(const double* qpos, const double* qvel, double* action);

  double last_best_cost() const { return best_cost_; }

 private:
  // the plan's action at step t of the horizon (linear between knots)
  void PlanAction(const std::vector<double>& knots, int t, double* action) const;
  double Rollout(int sample, const std::vector<double>& knots);

  const mjModel* m_;
  Task task_;
  MpcOptions o_;
  std::vector<DataPtr> rollout_data_;
  DataPtr shadow_;       // the internal model tracking the system
  bool started_ = false;
  std::vector<double> nominal_;                  // knots x nu
  std::vector<std::vector<double>> candidates_;  // samples x (knots x nu)
  std::vector<double> costs_;
  std::vector<std::vector<double>> scratch_;     // per sample: one action
  std::mt19937_64 rng_;
  ThreadPool pool_;
  int residual_instance_ = -1;
  double best_cost_ = 0;
};

}  // namespace mjhybrid::rl

#endif  // MJHYBRID_RL_MPC_H_
