// What the viewer opens: a scene folder (real.xml, sim.xml, hybrid.xml, README.md) or one
// hybrid.xml, whose folder then supplies the other two worlds. Any of the three may be absent;
// the viewer shows the worlds that exist.

#ifndef MJHYBRID_VIEWER_SIM_SCENE_FILES_H_
#define MJHYBRID_VIEWER_SIM_SCENE_FILES_H_

#include <string>

namespace mjhybrid::viewer {

struct SceneFiles {
  std::string name;    // the folder's name, e.g. "push"
  std::string folder;  // absolute
  // paths, "" when the file does not exist
  std::string real, sim, hybrid, scene_json;
  std::string hidden_effects;  // the README's "hidden effects" section, "" when there is none
};

// throws std::runtime_error with one line when `path` is neither a folder holding sim.xml or
// hybrid.xml nor an existing .xml file
SceneFiles FindSceneFiles(const std::string& path);

// the text of the model card beside a residual file (MODEL_CARD.md, or MODEL_CARD-replace.md
// for a contact model), or a line saying there is none
std::string ModelCardFor(const std::string& residual_path, bool contact_model);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_SIM_SCENE_FILES_H_
