// The training recipe: everything `mjhybrid train` does between reading its inputs and
// writing the model file, as one library function that the command and the study both call.
//
//   1. the residual's feature spec: a whole-state residual (force before the solver, or
//      velocity change after the step) with the contact pairs seen most in the data, or a
//      contact model for named pairs (mode replace, against sim.xml without their contact)
//   2. training targets from the recorded transitions (pipeline/targets.h,
//      pipeline/velocity_targets.h)
//   3. the ensemble fit (pipeline/trainer.h), with `rounds` of velocity targets re-taken along
//      the hybrid's own rollouts
//   4. the do-no-harm output scale, chosen on validation rollouts (pipeline/calibrate.h)
//   5. provenance: data, targets, training report, calibration, versions, git hash
//
// Scratch model files (rounds, calibration) are written beside the model's destination and
// removed; nothing else is written.

#ifndef MJHYBRID_PIPELINE_RESIDUAL_RECIPE_H_
#define MJHYBRID_PIPELINE_RESIDUAL_RECIPE_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "pipeline/trainer.h"
#include "plugin/core/residual_model.h"
#include "scene/scene_config.h"

namespace mjhybrid::pipeline {

struct ResidualRecipe {
  int ctrl_history = 8;
  std::string contacts = "auto";     // whole-state contact features: auto | none | a:b,c:d
  std::vector<std::string> replace;  // geom pairs a:b for a contact model (mode replace)
  std::string output = "force";      // whole-state models: force (qfrc) | velocity (dqvel)
  int target_window = 20;            // velocity targets: steps per analytic rollout window
  bool constraint_features = true;   // velocity models see the solver's response to the step
  int rounds = 1;                    // velocity models: rounds of targets along the last hybrid
  double contact_range = 0;          // 0: 0.05 m for features, 0.01 m for replace
  bool calibrate = true;             // choose the output scale on validation rollouts
  TrainOptions options;
};

// a scene's "train" section over `recipe`, except for the options named in `given` (set by
// the user, who wins); a contact model (replace) keeps its pair wrenches whatever the scene says
void ApplySceneTraining(const scene::SceneTraining& scene, const std::set<std::string>& given,
                        ResidualRecipe* recipe);

struct FittedResidual {
  std::shared_ptr<ResidualModel> model;  // with its provenance
  double target_seconds = 0;             // spent computing the training targets
};

// fits a residual for the analytic model at `sim_path` to the dataset at `data_path`;
// `out_path` is where the caller will save it (scratch files go beside it). Prints progress
// to stderr; throws one line on bad input.
FittedResidual FitResidual(const std::string& sim_path, const std::string& data_path,
                           const ResidualRecipe& recipe, const std::string& out_path);

// writes the fitted model to `out_path` (whole or not at all) and says so on stderr with the
// time spent; throws one line when it cannot
void SaveFittedResidual(const FittedResidual& fitted, const std::string& out_path);

}  // namespace mjhybrid::pipeline

#endif  // MJHYBRID_PIPELINE_RESIDUAL_RECIPE_H_
