// Training targets: for each recorded real transition (s_t, u_t, s_t+1), the correction that,
// applied to the analytic model at s_t, makes its step land on the recorded velocity v_t+1.
// When the data's control period is k timesteps of the analytic model, "its step" is k
// mj_steps with the control and the correction held, and everything below is through them.
//
// Without contact a generalized force does that exactly: M * (v_real - v_sim) / h. Under
// contact the solver reacts to whatever we add (a push into the floor is cancelled), so we
// linearize the analytic step itself: B = d v_t+1 / d qfrc by finite differences through
// mj_step (nv extra steps per transition). The unknowns enter through a jacobian J: J = I for
// a whole-state residual (augment), the stacked pair jacobians for the wrenches of the contact
// pairs within range (replace; the model then has their native contact switched off).
//
// The solve is done in "free effect" coordinates: y = W h M^-1 J' w, the inertia-weighted
// velocity change (W = diag(sqrt(dof_M0))) the unknowns would cause if nothing resisted them.
// In y the analytic step's response R = W B J' (W h M^-1 J')^+ has singular values ~1 where
// motion is free and ~0 where the constraints block it. We solve R y = W dv, dv = v_real -
// v_sim, through R's SVD with each direction's singular value s filtered by s^4 / (s^4 +
// alpha^4), alpha = 0.3: free directions are solved almost exactly (1 % shrink), a direction
// the solver cancels gets no huge force that only happens to be cancelled (and that the next,
// slightly different contact state would not cancel). This uses only the analytic model and
// the recorded data (black-box rule).
//
// What it cannot do: a force added before the solver cannot make a contact softer or bouncier
// than the analytic one (the solver cancels it). A velocity residual (output dqvel) can: it is
// applied after the step, so its targets need no linearization (velocity_targets.h).

#ifndef MJHYBRID_PIPELINE_TARGETS_H_
#define MJHYBRID_PIPELINE_TARGETS_H_

#include <mujoco/mujoco.h>

#include <Eigen/Dense>
#include <string>
#include <vector>

#include "scene/dataset.h"
#include "plugin/core/features.h"
#include "plugin/core/state_layout.h"

namespace mjhybrid::pipeline {

struct TrainingSet {
  int feature_count = 0;
  int output_count = 0;
  std::vector<double> features;  // rows x feature_count
  std::vector<double> targets;   // rows x output_count (generalized force, velocity change or pair wrench)
  std::vector<int> episode;      // episode of each row
  int episodes = 0;              // in the dataset (rows may skip some)
  int rows() const { return static_cast<int>(episode.size()); }
  // the rows of `more` (same layout) after these
  void Append(const TrainingSet& more) {
    features.insert(features.end(), more.features.begin(), more.features.end());
    targets.insert(targets.end(), more.targets.begin(), more.targets.end());
    episode.insert(episode.end(), more.episode.begin(), more.episode.end());
  }
  std::vector<long long> pair_rows;  // contact models: rows per pair
};

// The contact pairs seen most in the data, for whole-state features: geom pairs in contact in
// at least `min_share` of the recorded states of the analytic model, most frequent first, at
// most `max_pairs`. Unnamed geoms are skipped (a model refers to geoms by name).
std::vector<ContactPair> FrequentContactPairs(const mjModel* sim, const scene::TrajectoryDataset& data,
                                              int max_pairs, double min_share);

// "a:b" -> the pair of geoms named a and b in `m`, with their shapes; throws on unknown names
ContactPair NamedContactPair(const mjModel* m, const std::string& text);

// The unknowns w that make `response` * w match `gap`, solved in "free effect" coordinates
// (see above): y = free * w is the weighted velocity change the unknowns would cause in free
// motion. In y the response has singular values ~1 where motion is free and ~0 where the
// constraints block it; each direction is kept by s^4 / (s^4 + alpha^4), so blocked ones fade
// out smoothly. Unknowns with no free effect at all get 0.
Eigen::VectorXd FilteredSolve(const Eigen::MatrixXd& response, const Eigen::MatrixXd& free,
                              const Eigen::VectorXd& gap, double alpha);

// `sim` for a whole-state spec; for a contact spec, the analytic model with the pairs' native
// contact switched off
TrainingSet BuildTrainingSet(const mjModel* sim, const scene::TrajectoryDataset& data,
                             const FeatureSpec& spec, bool progress);

}  // namespace mjhybrid::pipeline

#endif  // MJHYBRID_PIPELINE_TARGETS_H_
