// Contact pairs: named geom pairs whose geometry and relative motion the residual sees. The
// MuJoCo glue measures each pair once per evaluation (signed distance, nearest points, relative
// velocity); the core turns that into features here, with no MuJoCo types.
//
// A whole-state residual (augment) appends kPairFeatureCount features per pair to its state
// features, so it can tell whether and how bodies touch. A contact residual (replace) runs its
// network once per pair that is within `range`, on that pair's features alone (plus which pair
// it is), and outputs the wrench the pair exchanges in place of MuJoCo's native contact.
//
// Per pair, all vectors in the world frame (translation-invariant; gravity fixes the vertical):
//   distance            signed distance in m, clamped to [-range, range]
//   normal (3)          unit vector from geom1 to geom2
//   linear velocity (3) of geom2's body relative to geom1's body, at geom2's nearest point
//   angular velocity(3) of geom2's body relative to geom1's body
// A pair farther apart than `range` reads distance = range and zeros: nothing is near.

#ifndef MJHYBRID_PLUGIN_CORE_CONTACT_H_
#define MJHYBRID_PLUGIN_CORE_CONTACT_H_

#include <array>
#include <string>
#include <vector>

namespace mjhybrid {

inline constexpr int kPairFeatureCount = 10;
inline constexpr int kWrenchSize = 6;  // force (3) then torque (3), world frame

// a geom as the model saw it in training, to refuse a scene whose geom changed shape
struct GeomShape {
  std::string name;
  std::string type;                 // MuJoCo's name for the type: "box", "sphere", ...
  std::array<double, 3> size = {};  // MuJoCo's geom_size
};

struct ContactPair {
  GeomShape geom1, geom2;
};

// one pair, measured in the current state
struct PairState {
  double distance = 0;
  double normal[3] = {0, 0, 0};
  double point[3] = {0, 0, 0};     // nearest point on geom2 (where a wrench is applied)
  double velocity[6] = {0, 0, 0, 0, 0, 0};  // linear (3), angular (3)
  bool near = false;               // distance < range
};

// fills out[kPairFeatureCount]
void PairFeatures(const PairState& s, double range, double* out);

// "geom1|geom2" style names of the features of pair `p`
std::vector<std::string> PairFeatureNames(const ContactPair& p);

// empty when the two shapes agree (type, and each size within 1e-6 relative); else one line
std::string CompareShapes(const GeomShape& model, const GeomShape& scene);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_CONTACT_H_
