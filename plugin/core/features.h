// Features: the network's view of one instant of the system. One function computes them for
// the plugin (inside mj_passive) and for the trainer, so both always agree.
//
// Per joint, in joint order:
//   hinge  sin(q), cos(q)            (angles wrap; the residual should not see 2*pi jumps)
//   slide  q
//   ball   the joint quaternion, sign chosen so that w >= 0 (4)
//   free   gravity direction in the body frame (3); the position is left out on purpose,
//          the physics of a free body does not depend on where it is
// then qvel (nv), ctrl (nu), and the `ctrl_history` previous controls, most recent first
// (nu each): u[t-1], u[t-2], ... They let the network infer hidden actuator state such as a
// first-order motor lag. Then kPairFeatureCount features per contact pair (contact.h). A
// velocity model may end with nv more: the velocity change the constraint solver imposed in
// the step being corrected, h * (qacc - qacc_smooth) ("constraint response"). They exist only
// once the solver has run, which is when a velocity model is applied; they show the network
// what the analytic contact did (a kick out of a real state it would not be in, friction, an
// impact), so that it can learn the real contact's answer relative to it.
//
// A contact residual (kind kContact) sees one pair at a time instead: that pair's features,
// then, when there are several pairs, a one-hot code of which pair it is.

#ifndef MJHYBRID_PLUGIN_CORE_FEATURES_H_
#define MJHYBRID_PLUGIN_CORE_FEATURES_H_

#include <string>
#include <vector>

#include "plugin/core/contact.h"
#include "plugin/core/state_layout.h"

namespace mjhybrid {

// what the network predicts: a generalized force for the whole system (mode augment), or the
// wrench of each contact pair (mode replace)
enum class ResidualKind { kWholeState, kContact };

// where a whole-state residual acts (the file's output.kind):
//   kForce     "qfrc": a generalized force added in mj_passive, before the constraint solver.
//              The solver reacts to it: a push into a contact or a joint limit is cancelled.
//   kVelocity  "dqvel": a velocity change added once the step is integrated (qvel += dv, and
//              qpos moves on by h*dv, as if the step's acceleration had been dv/h larger). It
//              comes after the solver, so a contact cannot cancel it: it can make a contact
//              bouncier, softer or slipperier than the analytic one.
enum class ResidualOutput { kForce, kVelocity };

struct FeatureSpec {
  ResidualKind kind = ResidualKind::kWholeState;
  int ctrl_history = 0;  // number of previous control vectors fed to the network
  std::vector<ContactPair> contact_pairs;
  double contact_range = 0.05;  // m; pairs farther apart read as "nothing near"
  ResidualOutput output = ResidualOutput::kForce;  // whole-state models only
  bool constraint_response = false;  // velocity models only: the nv solver features at the end
};

// number of network inputs for a system (per pair for kContact)
int FeatureCount(const FeatureSpec& spec, const StateLayout& layout);

// number of network outputs: nv, or kWrenchSize for kContact
int OutputCount(const FeatureSpec& spec, const StateLayout& layout);

// human-readable names, e.g. "sin(shoulder)", "qvel[1]", "ctrl[elbow](t-2)"
std::vector<std::string> FeatureNames(const FeatureSpec& spec, const StateLayout& layout);

// whole-state features: fills out[FeatureCount], all but the constraint response; history holds
// ctrl_history*nu values, most recent first; pairs holds one PairState per spec.contact_pairs
// (may be null without pairs)
void ComputeFeatures(const FeatureSpec& spec, const StateLayout& layout, const double* qpos,
                     const double* qvel, const double* ctrl, const double* history,
                     const PairState* pairs, double* out);

// the constraint-response features (spec.constraint_response): writes dv[nv] into their place
// at the end of the whole feature vector `out`
void SetConstraintFeatures(const FeatureSpec& spec, const StateLayout& layout, const double* dv,
                           double* out);

// contact-residual input for pair `index`: fills out[FeatureCount]
void ComputePairInput(const FeatureSpec& spec, int index, const PairState& pair, double* out);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_FEATURES_H_
