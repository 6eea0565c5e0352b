// MuJoCo side of contact pairs (plugin/core/contact.h): finding a model's named geom pairs in a
// scene, measuring them in a state, and applying a pair's wrench. Used by the plugin and, so
// that both always agree, by the trainer.

#ifndef MJHYBRID_PLUGIN_MUJOCO_CONTACT_PAIRS_H_
#define MJHYBRID_PLUGIN_MUJOCO_CONTACT_PAIRS_H_

#include <mujoco/mujoco.h>

#include <string>
#include <vector>

#include "plugin/core/contact.h"

namespace mjhybrid {

struct ResolvedPair {
  int geom1 = -1, geom2 = -1;
  int body1 = 0, body2 = 0;
};

// the shape of a geom as a model file records it
GeomShape GeomShapeOf(const mjModel* m, int geom);

// Finds every pair's geoms by name and checks they have the shapes the model was trained on
// and can move relative to each other. Returns "" or one line saying what is wrong.
std::string ResolveContactPairs(const mjModel* m, const std::vector<ContactPair>& pairs,
                                std::vector<ResolvedPair>* out);

// the explicit <contact><pair> of m for p's geoms (either order), -1 when it has none
int ExplicitPair(const mjModel* m, const ResolvedPair& p);

// "" when MuJoCo never makes native contacts between the pair's geoms (excluded body pair,
// incompatible contype/conaffinity, no explicit <pair>); else why it does
std::string NativeContact(const mjModel* m, const ResolvedPair& p);

// measures the pair in the current state; needs positions and velocities (mj_fwdVelocity)
void MeasurePair(const mjModel* m, mjData* d, const ResolvedPair& p, double range, PairState* s);

// adds the generalized force of `wrench` (on geom2's body at s.point; the opposite on geom1's)
// to qfrc
void ApplyPairWrench(const mjModel* m, mjData* d, const ResolvedPair& p, const PairState& s,
                     const double wrench[kWrenchSize], mjtNum* qfrc);

// jacobian[6 x nv] of the pair's relative motion at s.point: the map from qvel to the relative
// velocity that MeasurePair reports, whose transpose maps a wrench to a generalized force
void PairJacobian(const mjModel* m, mjData* d, const ResolvedPair& p, const PairState& s,
                  mjtNum* jacobian);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_MUJOCO_CONTACT_PAIRS_H_
