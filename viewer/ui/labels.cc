#include "viewer/ui/labels.h"

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <string>

#include "viewer/ui/windows.h"

namespace mjhybrid::viewer {

namespace {

constexpr ImU32 kTagBackground = IM_COL32(10, 10, 14, 190);
constexpr ImU32 kError = IM_COL32(255, 110, 100, 255);

// text on a dark box, so it reads over a bright floor as well as the dark sky; returns the width
float Tag(ImDrawList* draw, ImFont* font, ImVec2 at, ImU32 color, const std::string& text) {
  const float size = font->FontSize;
  const ImVec2 extent = font->CalcTextSizeA(size, FLT_MAX, 0, text.c_str());
  draw->AddRectFilled(at, {at.x + extent.x + 12, at.y + extent.y + 6}, kTagBackground, 4);
  draw->AddText(font, size, {at.x + 6, at.y + 3}, color, text.c_str());
  return extent.x + 12;
}

std::string Title(const Lockstep& sim, WorldKind kind) {
  std::string title = WorldLabel(kind);
  const World& world = sim.world(kind);
  if (kind == WorldKind::kHybrid && world.has_residual()) {
    const ResidualSettings& s = world.settings();
    char detail[64];
    std::snprintf(detail, sizeof(detail), "  %s \u00d7%.2f", ResidualModeName(s.config.mode), s.config.scale);
    title += detail;
    if (s.config.member >= 0) title += ", member " + std::to_string(s.config.member);
  }
  return title;
}

}  // namespace

void DrawViewportLabels(const Lockstep& sim, const std::vector<Viewport>& viewports, ImVec2 scale,
                        int framebuffer_height, ImFont* font) {
  ImDrawList* draw = ImGui::GetBackgroundDrawList();
  if (!font) font = ImGui::GetFont();
  ImFont* small = ImGui::GetFont();
  for (size_t i = 0; i < viewports.size(); ++i) {
    const Viewport& v = viewports[i];
    // framebuffer pixels from the bottom left to window coordinates from the top left
    const ImVec2 min(v.rect.left / scale.x, (framebuffer_height - v.rect.bottom - v.rect.height) / scale.y);
    const ImVec2 max((v.rect.left + v.rect.width) / scale.x, (framebuffer_height - v.rect.bottom) / scale.y);
    draw->PushClipRect(min, max, true);
    if (i > 0) draw->AddLine(min, {min.x, max.y}, IM_COL32(0, 0, 0, 255), 2);

    ImVec2 at(min.x + 8, min.y + 8);
    at.x += Tag(draw, font, at, WorldColorU32(v.world), Title(sim, v.world)) + 6;
    for (WorldKind ghost : v.ghosts) {
      at.x += Tag(draw, font, at, WorldColorU32(ghost), "+ " + Title(sim, ghost) + " (ghost)") + 6;
    }
    float y = min.y + font->FontSize + 20;
    for (const std::string& note : v.notes) {
      draw->AddText(small, small->FontSize, {min.x + 8, y}, kError, note.c_str(), nullptr, max.x - min.x - 16);
      y += small->FontSize * 2;
    }
    if (!v.error.empty()) {
      const float wrap = std::max(max.x - min.x - 32, 1.0f);
      const ImVec2 text = small->CalcTextSizeA(small->FontSize, FLT_MAX, wrap, v.error.c_str());
      const ImVec2 centered((min.x + max.x - text.x) / 2, (min.y + max.y - text.y) / 2);
      draw->AddText(small, small->FontSize, centered, kError, v.error.c_str(), nullptr, wrap);
    }
    draw->PopClipRect();
  }
}

}  // namespace mjhybrid::viewer
