// Where things go in the window: the worlds in the largest rectangle, the panels tiled around
// it (control, residual and info down the left; plots and metrics along the bottom). A window
// too small for panels shows the worlds alone.

#ifndef MJHYBRID_VIEWER_UI_TILING_H_
#define MJHYBRID_VIEWER_UI_TILING_H_

#include <imgui.h>

#include "viewer/ui/windows.h"

namespace mjhybrid::viewer {

struct Tiling {
  bool panels = false;
  ImVec2 scene_min, scene_max;  // the worlds' rectangle, window coordinates
  PanelRect control, residual, info, plots, metrics;
};

// for a window of width x height (window coordinates); `panels` false: the worlds alone
Tiling Tile(float width, float height, bool panels);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_UI_TILING_H_
