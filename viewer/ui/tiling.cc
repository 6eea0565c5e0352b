#include "viewer/ui/tiling.h"

#include <algorithm>
#include <cmath>

namespace mjhybrid::viewer {

namespace {

// below this the panels would cover the worlds or be too cramped to read
constexpr float kSmallestWidth = 720, kSmallestHeight = 480;

}  // namespace

Tiling Tile(float width, float height, bool panels) {
  Tiling t;
  t.panels = panels && width >= kSmallestWidth && height >= kSmallestHeight;
  t.scene_min = {0, 0};
  t.scene_max = {std::max(width, 1.0f), std::max(height, 1.0f)};
  if (!t.panels) return t;
  const float left = std::round(std::clamp(0.225f * width, 300.0f, 440.0f));
  const float bottom = std::round(std::clamp(0.42f * height, 240.0f, 440.0f));
  t.scene_min = {left, 0};
  t.scene_max = {width, height - bottom};

  const float control = std::round(0.5f * height);
  const float residual = std::round(0.2f * height);
  t.control = {{0, 0}, {left, control}};
  t.residual = {{0, control}, {left, residual}};
  t.info = {{0, control + residual}, {left, height - control - residual}};

  // the plots get the larger share: four plots side by side in pairs
  const float rest = width - left;
  const float plots = std::round(0.55f * rest);
  t.plots = {{left, height - bottom}, {plots, bottom}};
  t.metrics = {{left + plots, height - bottom}, {rest - plots, bottom}};
  return t;
}

}  // namespace mjhybrid::viewer
