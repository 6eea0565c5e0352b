// The world-model baseline of the study: a network of the residual's size and inputs that
// predicts the next state with no physics. From the features of state t (the residual's own:
// joint angles as sin/cos, velocities, controls and their history, contact-pair geometry) it
// predicts the mean acceleration (v_t+1 - v_t) / h; the position then follows kinematically,
// q_t+1 = q_t (+) h v_t+1, the way MuJoCo's Euler step moves it. Rolled out autoregressively
// for the k-step error, never through MuJoCo's dynamics.

#ifndef MJHYBRID_PIPELINE_LEARNED_MODEL_H_
#define MJHYBRID_PIPELINE_LEARNED_MODEL_H_

#include <mujoco/mujoco.h>

#include <memory>

#include "scene/dataset.h"
#include "scene/kstep_error.h"
#include "pipeline/trainer.h"
#include "plugin/core/features.h"
#include "plugin/core/residual_model.h"

namespace mjhybrid::pipeline {

struct LearnedModel {
  std::shared_ptr<const ResidualModel> network;  // outputs: nv accelerations
  nlohmann::json report;
};

// m supplies the kinematics only (joint layout, geom shapes for the contact features)
LearnedModel TrainLearnedModel(const mjModel* m, const scene::TrajectoryDataset& data, const FeatureSpec& spec,
                               const TrainOptions& options, bool progress);

// a stepper for KStepOptions::stepper that rolls the learned model out on m's layout
std::function<std::unique_ptr<scene::RolloutStepper>()> LearnedStepper(const mjModel* m, const LearnedModel& model);

}  // namespace mjhybrid::pipeline

#endif  // MJHYBRID_PIPELINE_LEARNED_MODEL_H_
