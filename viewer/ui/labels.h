// The names written over the worlds' viewports (real / analytic / hybrid, in each world's
// color, with the hybrid's residual settings), and a world's error where it cannot be drawn.

#ifndef MJHYBRID_VIEWER_UI_LABELS_H_
#define MJHYBRID_VIEWER_UI_LABELS_H_

#include <imgui.h>

#include <vector>

#include "viewer/gfx/renderer.h"
#include "viewer/sim/lockstep.h"

namespace mjhybrid::viewer {

// drawn into ImGui's background list: over the worlds, under the panels. `scale` converts
// window coordinates to framebuffer pixels; `font` may be null (ImGui's current font).
void DrawViewportLabels(const Lockstep& sim, const std::vector<Viewport>& viewports, ImVec2 scale,
                        int framebuffer_height, ImFont* font);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_UI_LABELS_H_
