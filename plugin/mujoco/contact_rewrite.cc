#include "plugin/mujoco/contact_rewrite.h"

#include <algorithm>

namespace mjhybrid {

namespace {

using P = ContactParameter;

std::string PairName(const ContactPair& p) { return "contact pair (" + p.geom1.name + ", " + p.geom2.name + ")"; }

bool SetsSolref(const std::vector<ContactParameter>& parameters) {
  for (ContactParameter p : parameters) {
    if (p == P::kSolrefTime || p == P::kSolrefDamping) return true;
  }
  return false;
}

// whether MuJoCo may give the pair's contacts solref in the direct form (negative stiffness
// and damping), which the standard-form parameters cannot be mixed with
bool DirectSolref(const mjModel* m, const ResolvedPair& p) {
  for (int g : {p.geom1, p.geom2}) {
    if (m->geom_solref[mjNREF * g] <= 0) return true;
  }
  const int pair = ExplicitPair(m, p);
  return pair >= 0 && m->pair_solref[mjNREF * pair] <= 0;
}

}  // namespace

double ContactValue(const mjContact& c, ContactParameter p) {
  switch (p) {
    case P::kFriction: return c.friction[0];
    case P::kSolrefTime: return c.solref[0];
    case P::kSolrefDamping: return c.solref[1];
    case P::kSolimpMin: return c.solimp[0];
    case P::kSolimpMax: return c.solimp[1];
    case P::kSolimpWidth: return c.solimp[2];
    case P::kTorsion: return c.dim >= 4 ? c.friction[2] : 0;  // condim 3: none
  }
  return 0;
}

std::string ContactRewrite::Prepare(const mjModel* m, const ContactParamsModel& model, int* clamped) {
  std::string why = ResolveContactPairs(m, model.pairs, &pairs_);
  if (!why.empty()) return why;
  for (size_t i = 0; i < pairs_.size(); ++i) {
    // with contact disabled (mj_setConst makes an mjData so, and users may) nothing is rewritten
    if (!(m->opt.disableflags & mjDSBL_CONTACT) && NativeContact(m, pairs_[i]).empty()) {
      return PairName(model.pairs[i]) + " never collides in this scene (contype/conaffinity or an exclude): mode 'params' sets the parameters of contacts MuJoCo makes";
    }
    if (SetsSolref(model.parameters) && DirectSolref(m, pairs_[i])) {
      return PairName(model.pairs[i]) + " uses solref in the direct (negative) form in this scene; the model "
             "sets solref_timeconst/solref_dampratio, the standard form: give the geoms a positive solref";
    }
  }
  if (m->nflex > 0 && std::find(model.parameters.begin(), model.parameters.end(), P::kTorsion) != model.parameters.end()) {
    return "the model sets friction_torsional, which may add constraint rows, and this scene has flexes, whose "
           "effective metric MuJoCo builds after the rows: fit without friction_torsional";
  }
  parameters_ = model.parameters;
  std::vector<double> values = model.values;
  *clamped = ClampToStableRange(parameters_, m->opt.timestep, &values);
  explicit_.assign(pairs_.size(), std::nullopt);
  for (size_t i = 0; i < pairs_.size() && !OverrideReplacesPairs(m); ++i) {
    if (const int e = ExplicitPair(m, pairs_[i]); e >= 0) explicit_[i] = ExplicitPairParameters(m, e);
  }
  set_values(values);
  return "";
}

void ContactRewrite::set_values(const std::vector<double>& values) {
  values_ = values;
  const int columns = static_cast<int>(parameters_.size());
  native_.assign(pairs_.size(), false);
  any_rewritten_ = false;
  for (size_t i = 0; i < pairs_.size(); ++i) {
    native_[i] = explicit_[i] && HoldsModelValues(*explicit_[i], parameters_, values_.data() + i * columns);
    any_rewritten_ |= !native_[i];
  }
}

int ContactRewrite::PairOf(int g1, int g2) const {
  for (size_t i = 0; i < pairs_.size(); ++i) {
    const ResolvedPair& p = pairs_[i];
    if ((p.geom1 == g1 && p.geom2 == g2) || (p.geom1 == g2 && p.geom2 == g1)) return static_cast<int>(i);
  }
  return -1;
}

int ContactRewrite::Apply(const mjModel* m, mjData* d) const {
  if (!any_rewritten_) return 0;  // every pair's explicit <pair> gives its contacts the values
  const int columns = static_cast<int>(parameters_.size());
  int written = 0;
  bool in_constraint = false;
  for (int i = 0; i < d->ncon; ++i) {
    mjContact* c = d->contact + i;
    const int pair = PairOf(c->geom[0], c->geom[1]);
    if (pair < 0) continue;
    if (native_[pair]) continue;  // the scene's explicit pair made it so already
    for (int k = 0; k < columns; ++k) {
      WriteContactParameter(&c->dim, c->friction, c->solref, c->solimp, parameters_[k], values_[pair * columns + k]);
    }
    ++written;
    in_constraint |= c->efc_address >= 0;
  }
  // the rows MuJoCo built before this compute hold the old parameters: build them again
  // (with friction_torsional there may be more of them, laid out afresh, contact_rewrite.h)
  if (in_constraint) {
    mj_makeConstraint(m, d);
    mj_island(m, d);
    mj_projectConstraint(m, d);
  }
  return written;
}

}  // namespace mjhybrid
