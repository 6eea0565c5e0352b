// The contact-parameter fit: one set of contact parameters per geom pair (friction, solref,
// solimp; plugin/core/contact_params.h), identified from real trajectories by
// compass search on the multi-step error (scene/least_squares.h: on contact-rich rollouts the
// residual vector is too rough for Levenberg-Marquardt, which takes no step), with every
// rollout run through the plugin in mode params. What system identification cannot do with MuJoCo's own
// parameters: a contact's parameters are mixed from its two geoms, so the box cannot be
// slippery on the table and grippy against the pusher; per pair, it can.
//
// Which pairs: those in contact in at least `min_contact_share` of the recorded states (a rule
// fixed before any fit was run: a pair touched more rarely has too few data to identify six
// values). The search starts from the scene's own values (what MuJoCo's collision gives the
// pair), moves friction, time constant, damping ratio, width and torsional friction in ratios
// (a factor of 100 either way) and the impedances in logit (inside (0, 1)), and keeps every
// value in its stable range (StableRange).
//
// Torsional friction is also a choice of structure: on a condim-3 pair it adds a constraint row
// per contact. The search starts with it on (the geoms' declared coefficient); afterwards each
// pair's torsional friction is switched off again unless keeping it lowers the cost by at least
// 1 % (a rule fixed before the fit was run on any scene): a pair keeps the simpler, cheaper
// contact unless the data ask for the row.

#ifndef MJHYBRID_SCENE_PARAMS_FIT_H_
#define MJHYBRID_SCENE_PARAMS_FIT_H_

#include <mujoco/mujoco.h>

#include <memory>
#include <string>
#include <vector>

#include "plugin/core/contact_params.h"
#include "scene/dataset.h"

namespace mjhybrid::scene {

struct ParamsFitOptions {
  std::vector<ContactParameter> parameters = {
      ContactParameter::kFriction,  ContactParameter::kSolrefTime, ContactParameter::kSolrefDamping,
      ContactParameter::kSolimpMin, ContactParameter::kSolimpMax,  ContactParameter::kSolimpWidth,
      ContactParameter::kTorsion};
  double min_contact_share = 0.02;
  int horizon = 20;
  int stride = 50;      // windows: every 50th recorded step (contact is in most of them)
  int iterations = 6;   // sweeps of the compass search
  int threads = 2;
  bool progress = false;
  // where to start instead of the scene's values: an earlier fit (its pairs and parameters
  // that this fit also has; the rest start from the scene)
  std::shared_ptr<const ContactParamsModel> start;
};

// a geom pair seen in contact in the data
struct PairInData {
  int geom1 = -1, geom2 = -1;  // geom1 < geom2
  double share = 0;            // of the sampled recorded states with a contact of the pair
  std::vector<double> nominal;  // the scene's value of each fitted parameter for this pair
  // where the search starts: the nominal, except friction_torsional on a condim-3 pair (nominal
  // 0: none), which starts at the geoms' declared torsional coefficient (MuJoCo's default 0.005)
  std::vector<double> start;
};

// the geom pairs in contact in the recorded states of `data` (every 5th state of each
// episode), most frequent first
std::vector<PairInData> PairsInContact(const mjModel* m, const TrajectoryDataset& data,
                                       const std::vector<ContactParameter>& parameters);

// whether `data` holds a pair of named geoms in contact often enough to fit (the rule above)
bool HasContactToFit(const mjModel* m, const TrajectoryDataset& data, const ParamsFitOptions& options);

struct ParamsFitResult {
  ContactParamsModel model;
  double initial_cost = 0, final_cost = 0;  // mean squared normalized error per residual
  int iterations = 0;
  long long rollouts = 0;             // windows per cost evaluation
  std::vector<std::string> skipped;   // pairs left out, each with why
};

// Fits the pairs of sim_path's scene to the training episodes of `data`. `scratch` is a file
// path the fit may write its working model to (removed when it returns).
ParamsFitResult FitContactParams(const std::string& sim_path, const TrajectoryDataset& data,
                                 const ParamsFitOptions& options, const std::string& scratch);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_PARAMS_FIT_H_
