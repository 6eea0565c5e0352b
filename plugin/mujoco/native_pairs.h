// Constant per-pair contact parameters as MuJoCo's own explicit pairs (<contact><pair>).
//
// A contact-parameter model (plugin/core/contact_params.h) holds one constant set of values per
// geom pair. MuJoCo can carry exactly that itself: an explicit pair gives its contacts its own
// condim, friction, solref and solimp instead of the geoms' mix, and a geom pair that has one is
// left out of the dynamic (contype/conaffinity) pairs. Written into the hybrid scene
// (scene/attach.h), the pairs make the contacts come out of collision with the learned values,
// so the plugin's rewrite (contact_rewrite.h) finds nothing to do and the step costs no second
// pass of constraint making (docs/CONTACT.md: 1.37x -> 1.14x of the analytic step on push).
//
// The plugin stays the one that decides: it checks, when it loads, which of its pairs the scene
// already holds at exactly the model's values, and rewrites the others as before. A model file
// retrained after the scene was written is therefore still obeyed, only more slowly.
//
// What an explicit pair must say beyond the model's values (margin, gap, the rolling friction,
// condim and any parameter the model does not set) is what MuJoCo's collision gives the
// dynamic pair: the geoms' values mixed by MuJoCo's rules (priority, solmix, maximum), which
// MixedContact reproduces and tests/plugin/native_pairs_test.cc checks against MuJoCo's own
// contacts.

#ifndef MJHYBRID_PLUGIN_MUJOCO_NATIVE_PAIRS_H_
#define MJHYBRID_PLUGIN_MUJOCO_NATIVE_PAIRS_H_

#include <mujoco/mujoco.h>

#include <string>
#include <vector>

#include "plugin/core/contact_params.h"
#include "plugin/mujoco/contact_pairs.h"

namespace mjhybrid {

// The parameters of a contact as an explicit pair declares them
struct PairParameters {
  int condim = 3;
  mjtNum friction[5] = {1, 1, 0.005, 0.0001, 0.0001};
  mjtNum solref[mjNREF] = {0.02, 1};
  mjtNum solimp[mjNIMP] = {0.9, 0.95, 0.001, 0.5, 2};
  mjtNum margin = 0, gap = 0;
};

// what MuJoCo's collision gives a contact between geoms g1 and g2 of a dynamic pair (MuJoCo's
// mj_contactParam and margin rule, without the mjENBL_OVERRIDE option)
PairParameters MixedContact(const mjModel* m, int g1, int g2);

// writes parameter p's value v into a contact's (or an explicit pair's) parameters, absolutely:
// friction both tangent directions, solref/solimp one entry; friction_torsional > 0 makes a
// condim-3 contact condim 4, and a condim-1 contact stays frictionless. The rewrite's rule
// (contact_rewrite.h), kept here so that the explicit pairs follow it too
void WriteContactParameter(int* dim, mjtNum friction[5], mjtNum solref[mjNREF], mjtNum solimp[mjNIMP],
                           ContactParameter p, double v);

// `base` with a model's values written over it (WriteContactParameter)
PairParameters WithModelValues(PairParameters base, const std::vector<ContactParameter>& parameters,
                               const double* values);

// the parameters explicit pair `i` of m gives its contacts
PairParameters ExplicitPairParameters(const mjModel* m, int i);

// whether contacts with parameters `pair` already hold `values`: writing them changes nothing
bool HoldsModelValues(const PairParameters& pair, const std::vector<ContactParameter>& parameters,
                      const double* values);

// whether the scene's <flag override> gives every contact, explicit pairs' too, the option's
// parameters (where the rewrite, running after collision, would win): then no pair is native
bool OverrideReplacesPairs(const mjModel* m);

// an explicit pair to declare: the geoms by name and the parameters
struct NativePair {
  std::string geom1, geom2;
  PairParameters parameters;
};

// `model`'s pairs as explicit pairs holding its values (clamped into their stable range at m's
// timestep, as the plugin clamps them), for a scene that includes m; pairs that m already
// declares explicitly are left to the rewrite, and a scene where explicit pairs would not carry
// the values (OverrideReplacesPairs) gets none. Throws one line when a pair does not resolve.
std::vector<NativePair> NativePairsFor(const mjModel* m, const ContactParamsModel& model);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_MUJOCO_NATIVE_PAIRS_H_
