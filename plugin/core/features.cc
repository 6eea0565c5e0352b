#include "plugin/core/features.h"

#include <cmath>

namespace mjhybrid {

int WholeSteps(double period, double timestep) {
  if (!(period > 0) || !(timestep > 0)) return 0;
  const double ratio = period / timestep;
  if (!(ratio < 1e9)) return 0;
  const long steps = std::lround(ratio);
  // recorded periods are written with a few digits: 0.005 / 0.001 is 4.999999999999999
  return steps >= 1 && std::abs(ratio - steps) <= 1e-6 * ratio ? static_cast<int>(steps) : 0;
}

int StateLayout::ControlSubsteps() const { return control_period > 0 ? WholeSteps(control_period, timestep) : 1; }

const char* JointKindName(JointKind kind) {
  switch (kind) {
    case JointKind::kFree: return "free";
    case JointKind::kBall: return "ball";
    case JointKind::kSlide: return "slide";
    case JointKind::kHinge: return "hinge";
  }
  return "?";
}

namespace {

int PositionFeatureCount(JointKind kind) {
  switch (kind) {
    case JointKind::kHinge: return 2;
    case JointKind::kSlide: return 1;
    case JointKind::kBall: return 4;
    case JointKind::kFree: return 3;
  }
  return 0;
}

// gravity direction (0, 0, -1) expressed in the frame of unit quaternion q = (w, x, y, z):
// the third row of R(q), negated
void GravityInFrame(const double q[4], double out[3]) {
  double w = q[0], x = q[1], y = q[2], z = q[3];
  double n = std::sqrt(w * w + x * x + y * y + z * z);
  if (n > 0) { w /= n; x /= n; y /= n; z /= n; }
  out[0] = -2 * (x * z - w * y);
  out[1] = -2 * (y * z + w * x);
  out[2] = -(1 - 2 * (x * x + y * y));
}

}  // namespace

int FeatureCount(const FeatureSpec& spec, const StateLayout& layout) {
  const int pairs = static_cast<int>(spec.contact_pairs.size());
  if (spec.kind == ResidualKind::kContact) return kPairFeatureCount + (pairs > 1 ? pairs : 0);
  int n = 0;
  for (const JointInfo& j : layout.joints) n += PositionFeatureCount(j.kind);
  return n + layout.nv + layout.nu * (1 + spec.ctrl_history) + kPairFeatureCount * pairs +
         (spec.constraint_response ? layout.nv : 0);
}

int OutputCount(const FeatureSpec& spec, const StateLayout& layout) {
  return spec.kind == ResidualKind::kContact ? kWrenchSize : layout.nv;
}

std::vector<std::string> FeatureNames(const FeatureSpec& spec, const StateLayout& layout) {
  std::vector<std::string> names;
  if (spec.kind == ResidualKind::kContact) {
    names = PairFeatureNames({{"geom1"}, {"geom2"}});
    if (spec.contact_pairs.size() > 1) {
      for (const ContactPair& p : spec.contact_pairs) names.push_back("is(" + p.geom1.name + "|" + p.geom2.name + ")");
    }
    return names;
  }
  for (const JointInfo& j : layout.joints) {
    switch (j.kind) {
      case JointKind::kHinge:
        names.push_back("sin(" + j.name + ")");
        names.push_back("cos(" + j.name + ")");
        break;
      case JointKind::kSlide:
        names.push_back(j.name);
        break;
      case JointKind::kBall:
        for (const char* c : {"w", "x", "y", "z"}) names.push_back("quat_" + std::string(c) + "(" + j.name + ")");
        break;
      case JointKind::kFree:
        for (const char* c : {"x", "y", "z"}) names.push_back("gravity_" + std::string(c) + "(" + j.name + ")");
        break;
    }
  }
  for (int i = 0; i < layout.nv; ++i) names.push_back("qvel[" + std::to_string(i) + "]");
  for (int t = 0; t <= spec.ctrl_history; ++t) {
    for (int i = 0; i < layout.nu; ++i) {
      std::string base = "ctrl[" + layout.actuators[i] + "]";
      names.push_back(t == 0 ? base : base + "(t-" + std::to_string(t) + ")");
    }
  }
  for (const ContactPair& p : spec.contact_pairs) {
    for (std::string& n : PairFeatureNames(p)) names.push_back(std::move(n));
  }
  if (spec.constraint_response) {
    for (int i = 0; i < layout.nv; ++i) names.push_back("dv_constraint[" + std::to_string(i) + "]");
  }
  return names;
}

void ComputeFeatures(const FeatureSpec& spec, const StateLayout& layout, const double* qpos,
                     const double* qvel, const double* ctrl, const double* history,
                     const PairState* pairs, double* out) {
  int k = 0;
  for (const JointInfo& j : layout.joints) {
    const double* q = qpos + j.qposadr;
    switch (j.kind) {
      case JointKind::kHinge: {
        // the network sees float32 anyway: reduce the angle to [-pi, pi] in double, then one
        // float sincos, several times cheaper than double sin and cos inside every mj_step
        constexpr double kTwoPi = 6.283185307179586;
        const double wrapped = q[0] - kTwoPi * std::nearbyint(q[0] / kTwoPi);
        float s, c;
        sincosf(static_cast<float>(wrapped), &s, &c);
        out[k++] = s;
        out[k++] = c;
        break;
      }
      case JointKind::kSlide:
        out[k++] = q[0];
        break;
      case JointKind::kBall: {
        // q and -q are the same rotation: pick the one with w >= 0 so the map is continuous
        double sign = q[0] < 0 ? -1 : 1;
        for (int c = 0; c < 4; ++c) out[k++] = sign * q[c];
        break;
      }
      case JointKind::kFree:
        GravityInFrame(q + 3, out + k);
        k += 3;
        break;
    }
  }
  for (int i = 0; i < layout.nv; ++i) out[k++] = qvel[i];
  for (int i = 0; i < layout.nu; ++i) out[k++] = ctrl[i];
  for (int i = 0; i < spec.ctrl_history * layout.nu; ++i) out[k++] = history[i];
  for (size_t p = 0; p < spec.contact_pairs.size(); ++p) {
    PairFeatures(pairs[p], spec.contact_range, out + k);
    k += kPairFeatureCount;
  }
}

void SetConstraintFeatures(const FeatureSpec& spec, const StateLayout& layout, const double* dv,
                           double* out) {
  if (!spec.constraint_response) return;
  double* at = out + FeatureCount(spec, layout) - layout.nv;
  for (int i = 0; i < layout.nv; ++i) at[i] = dv[i];
}

void ComputePairInput(const FeatureSpec& spec, int index, const PairState& pair, double* out) {
  PairFeatures(pair, spec.contact_range, out);
  const int pairs = static_cast<int>(spec.contact_pairs.size());
  if (pairs > 1) {
    for (int p = 0; p < pairs; ++p) out[kPairFeatureCount + p] = p == index ? 1.0 : 0.0;
  }
}

}  // namespace mjhybrid
