#include "plugin/mujoco/native_pairs.h"

#include <algorithm>
#include <stdexcept>

namespace mjhybrid {

using P = ContactParameter;

void WriteContactParameter(int* dim, mjtNum friction[5], mjtNum solref[mjNREF], mjtNum solimp[mjNIMP],
                           ContactParameter p, double v) {
  switch (p) {
    case P::kFriction: friction[0] = friction[1] = v; break;
    case P::kSolrefTime: solref[0] = v; break;
    case P::kSolrefDamping: solref[1] = v; break;
    case P::kSolimpMin: solimp[0] = v; break;
    case P::kSolimpMax: solimp[1] = v; break;
    case P::kSolimpWidth: solimp[2] = v; break;
    case P::kTorsion:
      // a frictionless (condim 1) contact stays frictionless; condim 3 gains the torsional row
      if (*dim == 3 && v > 0) *dim = 4;
      if (*dim >= 4) friction[2] = v;
      break;
  }
}

PairParameters MixedContact(const mjModel* m, int g1, int g2) {
  PairParameters out;
  out.margin = std::max(m->geom_margin[g1], m->geom_margin[g2]);
  out.gap = std::max(m->geom_gap[g1], m->geom_gap[g2]);
  const mjtNum* solref1 = m->geom_solref + mjNREF * g1;
  const mjtNum* solref2 = m->geom_solref + mjNREF * g2;
  const mjtNum* solimp1 = m->geom_solimp + mjNIMP * g1;
  const mjtNum* solimp2 = m->geom_solimp + mjNIMP * g2;
  const mjtNum* friction1 = m->geom_friction + 3 * g1;
  const mjtNum* friction2 = m->geom_friction + 3 * g2;
  mjtNum friction[3];
  if (m->geom_priority[g1] != m->geom_priority[g2]) {
    // the geom of higher priority gives everything but margin and gap
    const bool first = m->geom_priority[g1] > m->geom_priority[g2];
    out.condim = m->geom_condim[first ? g1 : g2];
    mju_copy(out.solref, first ? solref1 : solref2, mjNREF);
    mju_copy(out.solimp, first ? solimp1 : solimp2, mjNIMP);
    mju_copy3(friction, first ? friction1 : friction2);
  } else {
    out.condim = std::max(m->geom_condim[g1], m->geom_condim[g2]);
    const mjtNum mix1 = m->geom_solmix[g1], mix2 = m->geom_solmix[g2];
    mjtNum mix;
    if (mix1 >= mjMINVAL && mix2 >= mjMINVAL) {
      mix = mix1 / (mix1 + mix2);
    } else if (mix1 < mjMINVAL && mix2 < mjMINVAL) {
      mix = 0.5;
    } else {
      mix = mix1 < mjMINVAL ? 0.0 : 1.0;
    }
    // standard solref (both positive) mixes; the direct form takes the smaller
    const bool standard = solref1[0] > 0 && solref2[0] > 0;
    for (int i = 0; i < mjNREF; ++i) {
      out.solref[i] = standard ? mix * solref1[i] + (1 - mix) * solref2[i] : std::min(solref1[i], solref2[i]);
    }
    for (int i = 0; i < mjNIMP; ++i) out.solimp[i] = mix * solimp1[i] + (1 - mix) * solimp2[i];
    for (int i = 0; i < 3; ++i) friction[i] = std::max(friction1[i], friction2[i]);
  }
  // a geom's three coefficients are sliding, torsional, rolling; a contact has five
  const mjtNum five[5] = {friction[0], friction[0], friction[1], friction[2], friction[2]};
  mju_copy(out.friction, five, 5);
  return out;
}

PairParameters WithModelValues(PairParameters base, const std::vector<ContactParameter>& parameters,
                               const double* values) {
  for (size_t k = 0; k < parameters.size(); ++k) {
    WriteContactParameter(&base.condim, base.friction, base.solref, base.solimp, parameters[k], values[k]);
  }
  return base;
}

PairParameters ExplicitPairParameters(const mjModel* m, int i) {
  PairParameters out;
  out.condim = m->pair_dim[i];
  mju_copy(out.friction, m->pair_friction + 5 * i, 5);
  mju_copy(out.solref, m->pair_solref + mjNREF * i, mjNREF);
  mju_copy(out.solimp, m->pair_solimp + mjNIMP * i, mjNIMP);
  out.margin = m->pair_margin[i];
  out.gap = m->pair_gap[i];
  return out;
}

bool HoldsModelValues(const PairParameters& pair, const std::vector<ContactParameter>& parameters,
                      const double* values) {
  const PairParameters written = WithModelValues(pair, parameters, values);
  return written.condim == pair.condim && std::equal(pair.friction, pair.friction + 5, written.friction) &&
         std::equal(pair.solref, pair.solref + mjNREF, written.solref) &&
         std::equal(pair.solimp, pair.solimp + mjNIMP, written.solimp);
}

bool OverrideReplacesPairs(const mjModel* m) { return m->opt.enableflags & mjENBL_OVERRIDE; }

std::vector<NativePair> NativePairsFor(const mjModel* m, const ContactParamsModel& model) {
  std::vector<NativePair> out;
  if (OverrideReplacesPairs(m)) return out;
  std::vector<ResolvedPair> pairs;
  const std::string why = ResolveContactPairs(m, model.pairs, &pairs);
  if (!why.empty()) throw std::runtime_error(why);
  std::vector<double> values = model.values;
  ClampToStableRange(model.parameters, m->opt.timestep, &values);
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (ExplicitPair(m, pairs[i]) >= 0) continue;  // the scene's own pair: the rewrite sets its values
    NativePair pair;
    pair.geom1 = model.pairs[i].geom1.name;
    pair.geom2 = model.pairs[i].geom2.name;
    pair.parameters = WithModelValues(MixedContact(m, pairs[i].geom1, pairs[i].geom2), model.parameters,
                                      values.data() + i * model.columns());
    out.push_back(pair);
  }
  return out;
}

}  // namespace mjhybrid
