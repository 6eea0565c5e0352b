// The plugin's MJCF configuration, parsed and validated without MuJoCo.
//
//   key    values                       default   meaning
//   model  path to a residual file      (none)    absolute, or relative (looked up as below)
//   mode   off | augment | replace |    augment   off: present, no effect (bit-identical to sim)
//          params
//                                                 augment: add a whole-state residual force
//                                                 replace: apply a contact model's learned wrench
//                                                 between geom pairs whose native contact the
//                                                 scene switches off (<contact><exclude>)
//                                                 params: set the contact parameters of a
//                                                 contact-parameter model (contact_params.h)
//                                                 for its geom pairs' contacts; scale and
//                                                 member do not apply
//   scale  number >= 0                  1         multiplies the residual force
//   member all | index k >= 0           all       all: the ensemble mean; k: member k's own
//                                                 output alone (to watch one member, e.g. in
//                                                 the viewer). The reported disagreement
//                                                 (spread) stays the whole ensemble's, as with
//                                                 all, so every member still runs: k costs
//                                                 what all costs. k must be below the model's
//                                                 member count (checked when the model loads,
//                                                 CheckMember); a backend that runs its
//                                                 members only together (TorchScript) takes
//                                                 all, or 0 when it has a single member.
//
// A relative model path never resolves against the working directory, so a scene loads the same
// model from any folder. It is looked up in the folders of ModelSearchFolders(), in order: those
// of $MJHYBRID_MODEL_PATH (':'-separated), then the mjhybrid root; the first folder that holds
// the file wins; when none does, the plugin refuses the scene with one line naming them
// (MissingRelativeModel).
// The root is $MJHYBRID_ROOT if set, else found from where libmjhybrid.so lies: the folder
// above the library's folder when that holds models/ (an installed package,
// <site-packages>/mjhybrid/lib/), else the one above that (the repository when built in place,
// <root>/build/lib/). A loader that knows the scene file (the Python package's load_model)
// first tries the scene's own folder, by rewriting the path before MuJoCo compiles the scene
// (python/mjhybrid/_loading.py): MuJoCo does not tell a plugin where its
// scene file was; docs/INSTALL.md has the whole rule.

#ifndef MJHYBRID_PLUGIN_CORE_PLUGIN_CONFIG_H_
#define MJHYBRID_PLUGIN_CORE_PLUGIN_CONFIG_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "plugin/core/residual_network.h"

namespace mjhybrid {

enum class ResidualMode { kOff, kAugment, kReplace, kParams };

inline constexpr const char* kConfigKeys[] = {"model", "mode", "scale", "member"};
inline constexpr int kConfigKeyCount = 4;

struct PluginConfig {
  std::string model;  // resolved path; empty only in mode off
  ResidualMode mode = ResidualMode::kAugment;
  double scale = 1;
  int member = kAllMembers;  // or an index >= 0, not yet checked against the model
};

// get(key) returns the MJCF value, "" when unset; a relative model is looked up in `folders`
// (non-empty; the last is the root, the fallback). On failure returns false and sets *error to
// one line naming the key, the value and what would be valid.
bool ParsePluginConfig(const std::function<std::string(const char*)>& get,
                       const std::vector<std::string>& folders, PluginConfig* config,
                       std::string* error);

// "off", "augment", "replace" -> the mode; false for anything else
bool ParseResidualMode(const std::string& text, ResidualMode* mode);
// the mode as the MJCF writes it
const char* ResidualModeName(ResidualMode mode);

// The <config> entries that ParsePluginConfig reads back as `config`, in the order model,
// mode, scale, member: the model relative to `root` when the file lies under it (the form that
// survives a clone), absolute otherwise, and left out when empty (mode off); member left out
// when it is all (the default). What `attach` writes and what the viewer rewrites a hybrid
// scene with, so the three never disagree.
std::vector<std::pair<std::string, std::string>> FormatPluginConfig(const PluginConfig& config,
                                                                    const std::string& root);

// the mjhybrid root used for relative model paths (see above)
std::string MjhybridRoot();

// where a relative model path is looked up, in order: $MJHYBRID_MODEL_PATH's folders, the root
std::vector<std::string> ModelSearchFolders();

// "" unless `model` (the MJCF value) is a relative path found in none of `folders`; then one
// line naming the folders and how to give the scene's own folder
std::string MissingRelativeModel(const std::string& model, const std::vector<std::string>& folders);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_PLUGIN_CONFIG_H_
