// Made-up networks, layouts and residual models shared by the test folders. No MuJoCo here:
// tests/core includes this too. Header-only, so no test target needs another library.

#ifndef MJHYBRID_TESTS_COMMON_RANDOM_NETWORK_H_
#define MJHYBRID_TESTS_COMMON_RANDOM_NETWORK_H_

#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "plugin/core/features.h"
#include "plugin/core/mlp.h"
#include "plugin/core/residual_model.h"
#include "plugin/core/state_layout.h"

namespace mjhybrid::testutil {

// one member with the given layer widths (widths[0] inputs), weights and biases uniform in
// [-scale, scale]; the draw order is fixed, so a seed always gives the same network
inline std::vector<DenseLayer> RandomMember(const std::vector<int>& widths, std::mt19937* rng,
                                            float scale = 1) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<DenseLayer> layers;
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    DenseLayer layer;
    layer.weight.resize(widths[l + 1], widths[l]);
    layer.bias.resize(widths[l + 1]);
    for (int i = 0; i < layer.weight.size(); ++i) layer.weight.data()[i] = u(*rng);
    for (int i = 0; i < layer.bias.size(); ++i) layer.bias[i] = u(*rng);
    layers.push_back(std::move(layer));
  }
  return layers;
}

// `members` random members of the same widths, drawn one after the other from *rng
inline std::shared_ptr<MlpEnsemble> RandomEnsemble(const std::vector<int>& widths, int members,
                                                   std::mt19937* rng) {
  std::vector<std::vector<DenseLayer>> all;
  for (int e = 0; e < members; ++e) all.push_back(RandomMember(widths, rng));
  return std::make_shared<MlpEnsemble>(std::move(all));
}

// a layout written out by hand, one actuator per name
inline StateLayout MakeLayout(int nq, int nv, double timestep, std::vector<JointInfo> joints,
                              std::vector<std::string> actuators) {
  StateLayout layout;
  layout.nq = nq;
  layout.nv = nv;
  layout.nu = static_cast<int>(actuators.size());
  layout.timestep = timestep;
  layout.joints = std::move(joints);
  layout.actuators = std::move(actuators);
  return layout;
}

// the arm2 scene (scenes/arm2): two hinges, two motors
inline StateLayout Arm2Layout() {
  return MakeLayout(2, 2, 0.005,
                    {{"shoulder", JointKind::kHinge, 0, 0}, {"elbow", JointKind::kHinge, 1, 1}},
                    {"shoulder", "elbow"});
}

// a model of `layout` and `spec` (its kind, control history and contact pairs) with no network
// yet and the same normalizer for every feature: inputs pass unscaled within
// [-input_range, input_range], outputs are multiplied by output_std and bounded at
// output_bound. The network the caller adds takes input_mean.size() features and gives
// output_mean.size() outputs (FeatureCount and OutputCount of the spec).
inline ResidualModel ConstantNormalizerModel(const StateLayout& layout, const FeatureSpec& spec,
                                             float input_range, float output_std,
                                             float output_bound) {
  ResidualModel model;
  model.signature = layout;
  model.features = spec;
  const int nin = FeatureCount(spec, layout), nout = OutputCount(spec, layout);
  model.input_mean.assign(nin, 0);
  model.input_std.assign(nin, 1);
  model.input_min.assign(nin, -input_range);
  model.input_max.assign(nin, input_range);
  model.output_mean.assign(nout, 0);
  model.output_std.assign(nout, output_std);
  model.output_bound.assign(nout, output_bound);
  return model;
}

// the same for a whole-state model with `ctrl_history` previous controls and no contact pairs
inline ResidualModel ConstantNormalizerModel(const StateLayout& layout, int ctrl_history,
                                             float input_range, float output_std,
                                             float output_bound) {
  FeatureSpec spec;
  spec.ctrl_history = ctrl_history;
  return ConstantNormalizerModel(layout, spec, input_range, output_std, output_bound);
}

// a geom shape as a model file records it
inline GeomShape Shape(const std::string& name, const std::string& type, double s0, double s1,
                       double s2) {
  return GeomShape{name, type, {s0, s1, s2}};
}

// a contact model (kind kContact, mode replace) for `pairs` with no network yet: the constant
// normalizer above over FeatureCount inputs (kPairFeatureCount, plus a one-hot code of the pair
// when there are several) and kWrenchSize outputs
inline ResidualModel ContactModel(const StateLayout& layout, std::vector<ContactPair> pairs,
                                  double contact_range, float input_range, float output_std,
                                  float output_bound) {
  FeatureSpec spec;
  spec.kind = ResidualKind::kContact;
  spec.contact_pairs = std::move(pairs);
  spec.contact_range = contact_range;
  return ConstantNormalizerModel(layout, spec, input_range, output_std, output_bound);
}

}  // namespace mjhybrid::testutil

#endif  // MJHYBRID_TESTS_COMMON_RANDOM_NETWORK_H_
