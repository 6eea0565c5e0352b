// The residual's one code path: state -> features -> normalize (saturating at the training
// range) -> network -> de-normalize -> bound -> generalized force or velocity change
// (whole-state models) or a contact pair's wrench (contact models). The plugin calls it inside
// mj_passive (and, for velocity models, in advance); nothing else computes hybrid dynamics. One
// evaluator per mjData: it owns the scratch vectors, so no call allocates.
//
// An evaluator runs the ensemble mean, or one member of the ensemble (config member="k"); the
// spread it reports is the whole ensemble's either way.

#ifndef MJHYBRID_PLUGIN_CORE_RESIDUAL_EVALUATOR_H_
#define MJHYBRID_PLUGIN_CORE_RESIDUAL_EVALUATOR_H_

#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

#include "plugin/core/contact.h"
#include "plugin/core/residual_model.h"

namespace mjhybrid {

struct ResidualDiagnostics {
  int saturated = 0;   // features clamped to the training range in this call
  float spread = 0;    // ensemble disagreement (normalized output units), 0 for one member;
                       // the ensemble's also when the evaluator runs a single member
};

// Empty when `member` (kAllMembers or an index) can run on `network`; otherwise one line
// naming the value and what would be valid: an index past the ensemble, or a single member of
// a backend that runs its members only together.
std::string CheckMember(int member, const ResidualNetwork& network);

class ResidualEvaluator {
 public:
  // member: kAllMembers (the ensemble mean) or an index that CheckMember accepts; throws
  // std::invalid_argument with CheckMember's line otherwise
  explicit ResidualEvaluator(std::shared_ptr<const ResidualModel> model,
                             int member = kAllMembers);

  // Whole-state model: out[nv] = scale * residual (a generalized force or a velocity change,
  // as features.output says). Returns false, with out zeroed, when the state or the network
  // output is not finite. history: ctrl_history*nu previous controls, newest first; pairs: one
  // measured PairState per contact pair of the model.
  bool Compute(const double* qpos, const double* qvel, const double* ctrl, const double* history,
               const PairState* pairs, double scale, double* out, ResidualDiagnostics* diagnostics);

  // A velocity model in two halves, as the plugin runs it: BeginStep at the state the step
  // starts from (inside mj_passive; no output yet), then FinishStep once the solver has run,
  // with the velocity change it imposed, constraint_dv[nv] (read only by a model with
  // constraint-response features). Compute refuses a model with those features (it cannot know
  // them), and FinishStep any model that is not a velocity model.
  void BeginStep(const double* qpos, const double* qvel, const double* ctrl, const double* history,
                 const PairState* pairs);
  bool FinishStep(const double* constraint_dv, double scale, double* out,
                  ResidualDiagnostics* diagnostics);

  // Contact model: wrench[6] = scale * the wrench pair `index` exchanges (force and torque on
  // geom2's body at pair.point, world frame; geom1's body gets the opposite). Same failure rule;
  // each method also returns false for the other kind of model.
  bool ComputePairWrench(int index, const PairState& pair, double scale, double* wrench,
                         ResidualDiagnostics* diagnostics);

  const ResidualModel& model() const { return *model_; }

 private:
  // features_ -> out[n] (bounded, scaled); false when anything is not finite
  bool Run(double scale, int n, double* out, ResidualDiagnostics* diagnostics);

  std::shared_ptr<const ResidualModel> model_;
  // kAllMembers, or the member to run alone: never 0 of a one-member network, which is the
  // same as the mean and takes the plain path
  int member_ = kAllMembers;
  std::unique_ptr<NetworkWorkspace> workspace_;
  // the normalizer as vectors, so a step normalizes all features in a few SIMD operations
  Eigen::VectorXf input_min_, input_max_, input_mean_, input_inv_std_;
  Eigen::VectorXd features_;
  Eigen::VectorXf input_;
  Eigen::VectorXf output_;
};

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_RESIDUAL_EVALUATOR_H_
