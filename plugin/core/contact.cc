#include "plugin/core/contact.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mjhybrid {

void PairFeatures(const PairState& s, double range, double* out) {
  out[0] = std::clamp(s.distance, -range, range);
  for (int i = 0; i < 3; ++i) out[1 + i] = s.near ? s.normal[i] : 0.0;
  for (int i = 0; i < 6; ++i) out[4 + i] = s.near ? s.velocity[i] : 0.0;
}

std::vector<std::string> PairFeatureNames(const ContactPair& p) {
  const std::string tag = "(" + p.geom1.name + "|" + p.geom2.name + ")";
  std::vector<std::string> names = {"distance" + tag};
  for (const char* c : {"x", "y", "z"}) names.push_back(std::string("normal_") + c + tag);
  for (const char* c : {"x", "y", "z"}) names.push_back(std::string("vel_") + c + tag);
  for (const char* c : {"x", "y", "z"}) names.push_back(std::string("angvel_") + c + tag);
  return names;
}

std::string CompareShapes(const GeomShape& model, const GeomShape& scene) {
  auto describe = [](const GeomShape& g) {
    char buf[160];
    std::snprintf(buf, sizeof(buf), "%s of size %g %g %g", g.type.c_str(), g.size[0], g.size[1],
                  g.size[2]);
    return std::string(buf);
  };
  bool same = model.type == scene.type;
  // a plane's size only sets how it is drawn; for contact it is infinite
  for (int i = 0; i < 3 && same && model.type != "plane"; ++i) {
    same = std::abs(model.size[i] - scene.size[i]) <= 1e-6 * std::max(std::abs(model.size[i]), 1e-9);
  }
  if (same) return "";
  return "geom '" + scene.name + "' is a " + describe(scene) + " in the scene but a " +
         describe(model) + " in the model";
}

}  // namespace mjhybrid
