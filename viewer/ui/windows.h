// The viewer's ImGui windows, one file each. The frame loop (app.cc) tiles them around the
// worlds: each is drawn at the rectangle it is given, every frame.

#ifndef MJHYBRID_VIEWER_UI_WINDOWS_H_
#define MJHYBRID_VIEWER_UI_WINDOWS_H_

#include <imgui.h>

#include "viewer/sim/lockstep.h"
#include "viewer/ui/view_state.h"

namespace mjhybrid::viewer {

// window coordinates, as ImGui uses them
struct PanelRect {
  ImVec2 pos, size;
};

// the clock, the control source, the layout and the screenshot
void ControlWindow(Lockstep* sim, ViewState* state, const PanelRect& rect);
// the hybrid world's residual: on/off, scale, mode, ensemble member
void ResidualWindow(Lockstep* sim, ViewState* state, const PanelRect& rect);
// the gap over time: a channel in the three worlds, their errors, the ensemble's spread
void PlotsWindow(Lockstep* sim, ViewState* state, const PanelRect& rect);
// the errors now and k steps after each sync
void MetricsWindow(const Lockstep& sim, const PanelRect& rect);
// the scene's worlds, its hidden effects and the residual's model card
void InfoWindow(const Lockstep& sim, ViewState* state, const PanelRect& rect);

// the controls become manual, starting from those the worlds have now (so they do not jump)
void TakeOverControls(Lockstep* sim);

// helpers the windows share
// Begin() at a fixed place: the tiling decides where windows go, not the user
bool BeginPanel(const char* title, const PanelRect& rect);
// a one-line outcome: grey when it went well, red when it failed
void OutcomeText(const Outcome& outcome);
// ImGui's color for a world: the same in labels, plots and ghosts
ImU32 WorldColorU32(WorldKind kind);
ImVec4 WorldColorVec(WorldKind kind);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_UI_WINDOWS_H_
