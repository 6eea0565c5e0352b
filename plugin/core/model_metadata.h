// The parts of a model file's "mjhybrid" metadata JSON that every model kind shares: the scene
// signature the model was made for and the geom pairs it names (docs/MODEL_FORMAT.md). Used by
// residual models (residual_model.h) and contact-parameter models (contact_params.h).

#ifndef MJHYBRID_PLUGIN_CORE_MODEL_METADATA_H_
#define MJHYBRID_PLUGIN_CORE_MODEL_METADATA_H_

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "plugin/core/contact.h"
#include "plugin/core/state_layout.h"

namespace mjhybrid {

nlohmann::json SignatureJson(const StateLayout& signature);
// false with *error set on an inconsistent signature; throws nlohmann::json::exception on a
// missing key or a wrong type (the callers turn it into one line)
bool ParseSignature(const nlohmann::json& sig, StateLayout* signature, std::string* error);

nlohmann::json ContactPairsJson(const std::vector<ContactPair>& pairs);
// [[{name, type, size}, {...}], ...]; false with *error set when an entry is not a pair
bool ParseContactPairs(const nlohmann::json& pairs, std::vector<ContactPair>* out, std::string* error);

// Empty when a model made for `model` fits `scene`; otherwise one line saying what differs and
// what the model expects (another nq/nv/nu, joint or actuator names, joint types, timestep).
std::string CheckSignature(const StateLayout& model, const StateLayout& scene);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_MODEL_METADATA_H_
