// Applying a contact-parameter model (plugin/core/contact_params.h) inside mj_step. The plugin's
// compute runs in mj_passive, after collision has filled d->contact and mj_makeConstraint has
// built the constraint rows, and before mj_referenceConstraint and the solver. There the
// rewrite sets each of the model's pairs' contacts to the model's values (friction, solref,
// solimp) and rebuilds the constraint rows from them with MuJoCo's own public functions
// (mj_makeConstraint, mj_island, mj_projectConstraint), so that every derived quantity (the
// pyramidal Jacobian, which bakes friction in; efc_KBIP, efc_R, efc_D and their island copies;
// the regularized cone's mu; efc_AR) is MuJoCo's for those parameters, for every cone, solver
// and integrator. The rebuild costs a second pass of constraint making on the steps that have
// such a contact, and nothing on the others (docs/CONTACT.md).
//
// Values are written absolutely: a stage that runs again (an RK4 stage, a finite difference)
// finds the same parameters, never scaled twice. The contact's dimension (condim) stays as the
// scene made it, except that a positive friction_torsional makes a condim-3 contact condim 4
// (torsional friction, one more row: MuJoCo's collision has no other way to express it). The
// rebuild then makes more rows than the first pass; mj_makeConstraint lays the rows out again
// from the end of the contact array, and the island and projection arrays follow them, so no
// array the step still reads is left behind. The one exception is flex's effective metric,
// built after the projection: a scene with flexes refuses friction_torsional.
//
// A pair that the scene declares as an explicit <contact><pair> already holding the model's
// values (what `mjhybrid attach` writes, native_pairs.h) is left alone: its contacts come out
// of collision as the rewrite would leave them, and a step whose contacts are all such pairs
// costs no rebuild.

#ifndef MJHYBRID_PLUGIN_MUJOCO_CONTACT_REWRITE_H_
#define MJHYBRID_PLUGIN_MUJOCO_CONTACT_REWRITE_H_

#include <mujoco/mujoco.h>

#include <optional>
#include <string>
#include <vector>

#include "plugin/core/contact_params.h"
#include "plugin/mujoco/contact_pairs.h"
#include "plugin/mujoco/native_pairs.h"

namespace mjhybrid {

class ContactRewrite {
 public:
  // Resolves the model's pairs in scene `m` and takes its values, clamped into their stable
  // range at m's timestep (*clamped counts how many were outside). Returns "" or one line
  // saying what does not fit: a pair the scene lacks or whose geoms changed shape, a pair that
  // never collides, a solref parameter on a pair whose scene uses the direct (negative) form,
  // friction_torsional in a scene with flexes.
  std::string Prepare(const mjModel* m, const ContactParamsModel& model, int* clamped);

  // Writes the values into every contact of the model's pairs that the scene does not already
  // give them (native()); when any of them is in the constraint, rebuilds the constraint rows.
  // Returns the number of contacts written.
  int Apply(const mjModel* m, mjData* d) const;

  int pairs() const { return static_cast<int>(pairs_.size()); }
  const std::vector<ContactParameter>& parameters() const { return parameters_; }
  // pairs x parameters, row-major; whoever changes them keeps them within StableRange
  const std::vector<double>& values() const { return values_; }
  void set_values(const std::vector<double>& values);

  // whether pair i's contacts come from an explicit pair of the scene holding the values
  bool native(int i) const { return native_[i]; }

  // pair index of geoms (g1, g2) in either order, -1 when not one of the model's pairs
  int PairOf(int g1, int g2) const;

 private:
  std::vector<ResolvedPair> pairs_;
  std::vector<ContactParameter> parameters_;
  std::vector<double> values_;
  // per pair: the parameters of the scene's explicit pair for it, if it has one
  std::vector<std::optional<PairParameters>> explicit_;
  std::vector<bool> native_;
  bool any_rewritten_ = false;
};

// the value of parameter p in contact c as MuJoCo made it
double ContactValue(const mjContact& c, ContactParameter p);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_MUJOCO_CONTACT_REWRITE_H_
