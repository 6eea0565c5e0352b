// Attaching a residual to an analytic scene: hybrid.xml includes sim.xml (so the two never
// drift apart) and declares one mjhybrid.residual instance. The model path is written relative
// to the mjhybrid root when the file lies under it (the form the plugin resolves from any
// working directory, and that survives a clone), absolute otherwise. For a contact model
// (mode replace) it also switches off native contact between the bodies of its geom pairs
// (<contact><exclude>): exclusion is per body pair in MuJoCo. A contact-parameter model gets
// its own instance (mode params), declared first, and its values also as MuJoCo's own explicit
// pairs (<contact><pair>, plugin/mujoco/native_pairs.h), so that collision gives the contacts
// the values and the plugin need not rebuild the constraint rows (docs/CONTACT.md).

#ifndef MJHYBRID_SCENE_ATTACH_H_
#define MJHYBRID_SCENE_ATTACH_H_

#include <string>
#include <vector>

#include "scene/mujoco_util.h"
#include "plugin/core/contact.h"
#include "plugin/core/contact_params.h"
#include "plugin/core/plugin_config.h"

namespace mjhybrid::scene {

struct AttachOptions {
  std::string sim_path;
  // the instance's <config>: model is the residual file (a path from the working directory),
  // with its mode, scale and member (plugin/core/plugin_config.h)
  PluginConfig residual;
  bool mode_from_model = true;  // mode "auto": replace for a contact model, else augment
  // a contact-parameter model (plugin/core/contact_params.h), declared as an instance in mode
  // params before the residual's; optional. With it, the residual may be left out
  std::string params_model;
  // declare the contact-parameter model's pairs as explicit pairs holding its values (the fast
  // path); false leaves every value to the plugin's rewrite (for comparing the two)
  bool native_pairs = true;
};

// "auto" | "off" | "augment" | "replace" into options; throws one line on anything else
void SetAttachMode(const std::string& text, AttachOptions* options);

// the hybrid MJCF text for a file that will live in folder `out_dir`
std::string HybridMjcf(const AttachOptions& options, const std::string& out_dir);

// writes the hybrid scene to out_path after checking that MuJoCo compiles it
void Attach(const AttachOptions& options, const std::string& out_path, bool force);

// the same hybrid model, compiled in memory as if written beside sim.xml, so that sim.xml's
// relative asset paths resolve from its own folder wherever the caller runs (what `eval` uses)
ModelPtr CompileHybrid(const AttachOptions& options);

// sim.xml with the native contact of the pairs' bodies switched off, compiled in memory: the
// analytic model a contact residual is trained against
ModelPtr CompileWithoutContact(const std::string& sim_path, const std::vector<ContactPair>& pairs);

// the <contact> section that declares `model`'s pairs as explicit pairs with its values ("" when
// there are none to declare: NativePairsFor)
std::string NativePairsMjcf(const mjModel* sim, const ContactParamsModel& model);

// the <contact> section that switches off the pairs' native contact
std::string ExclusionMjcf(const mjModel* sim, const std::vector<ContactPair>& pairs);

std::string AbsolutePath(const std::string& path);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_ATTACH_H_
