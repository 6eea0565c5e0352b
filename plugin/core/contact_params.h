// A contact-parameter model: for each geom pair it names, the contact parameters MuJoCo's solver
// obeys for that pair's contacts (plugin mode "params"). MuJoCo mixes a contact's parameters
// from its two geoms (friction: the larger; solref, solimp: weighted by solmix), so a scene
// cannot give the box-floor contact one softness and the box-pusher contact another without
// rewriting geoms; this model can. The values are absolute: the plugin writes them over what
// collision computed, never scaling what is there (finite differences and RK4 stages re-run
// the stage, docs/CONTACT.md).
//
// File: safetensors with no tensors and the metadata JSON under __metadata__["mjhybrid"]:
//   format      "mjhybrid.contact_params/1"
//   signature   as a residual model's (model_metadata.h): nq, nv, nu, timestep, joints, ...
//   pairs       [[{name, type, size}, {...}], ...]  the geom pairs, as features.contact_pairs
//   parameters  names, from kContactParameterNames, each at most once
//   values      one row per pair, one value per parameter (SI units: friction is a coefficient,
//               solref_timeconst seconds, solimp_width and friction_torsional metres)
//   nominal     the same table as the analytic scene has it (what the fit started from), for
//               reports; optional
//   provenance  free-form
//
// MuJoCo's core knows nothing of this file: plugin/mujoco/contact_rewrite.h applies it.

#ifndef MJHYBRID_PLUGIN_CORE_CONTACT_PARAMS_H_
#define MJHYBRID_PLUGIN_CORE_CONTACT_PARAMS_H_

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "plugin/core/contact.h"
#include "plugin/core/state_layout.h"

namespace mjhybrid {

inline constexpr char kContactParamsFormat[] = "mjhybrid.contact_params/1";

enum class ContactParameter {
  kFriction,       // sliding friction coefficient, both tangent directions
  kSolrefTime,     // solref[0]: the contact's time constant (s)
  kSolrefDamping,  // solref[1]: its damping ratio (1 critical, < 1 bounces)
  kSolimpMin,      // solimp[0]: impedance at zero penetration
  kSolimpMax,      // solimp[1]: impedance at `width` penetration
  kSolimpWidth,    // solimp[2]: the penetration (m) over which impedance goes from min to max
  kTorsion,        // friction[2]: torsional friction (m), resistance to spinning about the normal;
                   // 0 = none (a condim-3 contact stays condim 3), > 0 on a condim-3 contact
                   // makes it condim 4 (one more constraint row, docs/CONTACT.md)
};
inline constexpr int kContactParameterCount = 7;
inline constexpr const char* kContactParameterNames[kContactParameterCount] = {
    "friction", "solref_timeconst", "solref_dampratio", "solimp_dmin", "solimp_dmax", "solimp_width",
    "friction_torsional"};

const char* ContactParameterName(ContactParameter p);
// false for a name not in kContactParameterNames
bool ParseContactParameter(const std::string& name, ContactParameter* p);
// "friction, solref_timeconst, ...": the valid names, for error messages
std::string ContactParameterList();

// The range the solver stays stable and meaningful in, for a model stepped at `timestep`:
// friction [1e-5, 10]; solref_timeconst >= 2 timesteps (MuJoCo's own safety clamp) and
// <= 1 s; solref_dampratio [0.01, 100]; solimp_dmin, solimp_dmax [1e-4, 0.9999] (impedance is
// in (0, 1)); solimp_width [0, 1] m; friction_torsional [0, 1] m (0: none).
struct ParameterRange {
  double low, high;
};
ParameterRange StableRange(ContactParameter p, double timestep);

struct ContactParamsModel {
  StateLayout signature;
  std::vector<ContactPair> pairs;
  std::vector<ContactParameter> parameters;
  std::vector<double> values;   // pairs x parameters, row-major, absolute
  std::vector<double> nominal;  // same shape, or empty
  nlohmann::json provenance = nlohmann::json::object();

  int columns() const { return static_cast<int>(parameters.size()); }
  double value(int pair, int k) const { return values[pair * columns() + k]; }
  nlohmann::json Metadata() const;
};

// Loads and validates a contact-parameter file: a non-finite value is refused. Returns null and
// sets *error to one line naming the file on failure.
std::shared_ptr<const ContactParamsModel> LoadContactParams(const std::string& path, std::string* error);
// shared like SharedResidualModel: one read-only copy per file, reloaded when it changes
std::shared_ptr<const ContactParamsModel> SharedContactParams(const std::string& path, std::string* error);
bool SaveContactParams(const std::string& path, const ContactParamsModel& model, std::string* error);
// parses metadata into *model; checks the table's shape and that every value is finite
bool ParseContactParamsMetadata(const nlohmann::json& meta, ContactParamsModel* model, std::string* error);
// whether a model file is a contact-parameter model (reads only its metadata)
bool IsContactParamsFile(const std::string& path);

// values clamped into their StableRange at `timestep`; returns how many were outside
int ClampToStableRange(const std::vector<ContactParameter>& parameters, double timestep,
                       std::vector<double>* values);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_CONTACT_PARAMS_H_
