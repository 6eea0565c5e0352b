// Helpers the viewer's windows share (declared in windows.h).

#include "viewer/gfx/renderer.h"
#include "viewer/ui/windows.h"

namespace mjhybrid::viewer {

bool BeginPanel(const char* title, const PanelRect& rect) {
  ImGui::SetNextWindowPos(rect.pos, ImGuiCond_Always);
  ImGui::SetNextWindowSize(rect.size, ImGuiCond_Always);
  // fixed: a collapsed panel would leave a hole in the tiling, a moved one would cover a world.
  // No background: the renderer cleared the window to the same color (kWindowBackground) at
  // no cost, while a software rasterizer would blend every pixel of ImGui's.
  return ImGui::Begin(title, nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                          ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
                                          ImGuiWindowFlags_NoBackground);
}

void OutcomeText(const Outcome& outcome) {
  if (outcome.text.empty()) return;
  const ImVec4 color = outcome.failed ? ImVec4(1.0f, 0.35f, 0.3f, 1) : ImVec4(0.6f, 0.6f, 0.6f, 1);
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::TextWrapped("%s", outcome.text.c_str());
  ImGui::PopStyleColor();
}

ImVec4 WorldColorVec(WorldKind kind) {
  const Rgb c = ColorOf(kind);
  return {c.r, c.g, c.b, 1};
}

ImU32 WorldColorU32(WorldKind kind) { return ImGui::ColorConvertFloat4ToU32(WorldColorVec(kind)); }

}  // namespace mjhybrid::viewer
