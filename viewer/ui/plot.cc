#include "viewer/ui/plot.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>

namespace mjhybrid::viewer {

namespace {

constexpr ImU32 kFrame = IM_COL32(255, 255, 255, 60);
constexpr ImU32 kGrid = IM_COL32(255, 255, 255, 22);
constexpr ImU32 kText = IM_COL32(200, 200, 200, 255);

struct Range {
  double lo = INFINITY, hi = -INFINITY;
  bool empty() const { return !(lo <= hi); }
  void Add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  double span() const { return hi - lo; }
};

// a flat or empty range still needs a height to be drawn in
Range Padded(Range r) {
  if (r.empty()) return {0, 1};
  if (r.span() <= 1e-12 * std::max(std::abs(r.lo), std::abs(r.hi))) {
    const double pad = r.lo == 0 ? 1 : 0.1 * std::abs(r.lo);
    return {r.lo - pad, r.hi + pad};
  }
  return r;
}

// 1, 2 or 5 times a power of ten: about `count` steps over `span`
double TickStep(double span, double count) {
  const double raw = span / std::max(count, 1.0);
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * decade >= raw) return m * decade;
  }
  return 10 * decade;
}

std::vector<double> Ticks(const Range& r, double count) {
  const double step = TickStep(r.span(), count);
  std::vector<double> ticks;
  for (double t = std::ceil(r.lo / step) * step; t <= r.hi + 1e-9 * step && ticks.size() < 50; t += step) {
    ticks.push_back(std::abs(t) < 1e-9 * step ? 0.0 : t);  // no "-0" or "1e-17" at the origin
  }
  return ticks;
}

std::string TickLabel(double v) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.4g", v);
  return text;
}

// maps data to pixels inside the plot frame
struct Mapping {
  ImVec2 min, max;
  Range x, y;
  float X(double v) const { return min.x + static_cast<float>((v - x.lo) / x.span()) * (max.x - min.x); }
  float Y(double v) const { return max.y - static_cast<float>((v - y.lo) / y.span()) * (max.y - min.y); }
};

void Stroke(ImDrawList* draw, const std::vector<ImVec2>& points, ImU32 color) {
  if (points.size() == 1) {
    draw->AddCircleFilled(points[0], 1.5f, color);
  } else if (points.size() > 1) {
    draw->AddPolyline(points.data(), static_cast<int>(points.size()), color, 0, 1.5f);
  }
}

// one series: per pixel column only its first extreme and then the other, in the order they
// occurred, so spikes survive thinning; NaN ends a stroke
void DrawSeries(ImDrawList* draw, const Mapping& map, const std::vector<double>& x, const PlotSeries& series) {
  std::vector<ImVec2> points;
  int column = INT_MIN;
  size_t lo = 0, hi = 0;
  auto flush = [&]() {
    if (column == INT_MIN) return;
    const float px = static_cast<float>(column) + 0.5f;
    const size_t first = std::min(lo, hi), second = std::max(lo, hi);
    points.push_back({px, map.Y(series.y[first])});
    if (second != first) points.push_back({px, map.Y(series.y[second])});
    column = INT_MIN;
  };
  const size_t n = std::min(x.size(), series.y.size());
  for (size_t i = 0; i < n; ++i) {
    const double v = series.y[i];
    if (!std::isfinite(v) || !std::isfinite(x[i])) {
      flush();
      Stroke(draw, points, series.color);
      points.clear();
      continue;
    }
    const int c = static_cast<int>(std::floor(map.X(x[i])));
    if (c != column) {
      flush();
      column = c;
      lo = hi = i;
    } else if (v < series.y[lo]) {
      lo = i;
    } else if (v > series.y[hi]) {
      hi = i;
    }
  }
  flush();
  Stroke(draw, points, series.color);
}

void DrawLegend(ImDrawList* draw, ImVec2 at, const std::vector<PlotSeries>& series) {
  const float line = ImGui::GetTextLineHeight();
  float width = 0;
  for (const PlotSeries& s : series) width = std::max(width, ImGui::CalcTextSize(s.label.c_str()).x);
  const ImVec2 box(width + line + 12, line * series.size() + 6);
  draw->AddRectFilled(at, {at.x + box.x, at.y + box.y}, IM_COL32(20, 20, 24, 200), 3);
  for (size_t i = 0; i < series.size(); ++i) {
    const float y = at.y + 3 + line * i;
    draw->AddLine({at.x + 4, y + line / 2}, {at.x + 4 + line, y + line / 2}, series[i].color, 2.5f);
    draw->AddText({at.x + 8 + line, y}, kText, series[i].label.c_str());
  }
}

// under the cursor: every series' value at the nearest sample
void DrawHover(ImDrawList* draw, const Mapping& map, const std::vector<double>& x,
               const std::vector<PlotSeries>& series, const PlotAxes& axes) {
  const double at = map.x.lo + (ImGui::GetIO().MousePos.x - map.min.x) / (map.max.x - map.min.x) * map.x.span();
  size_t i = std::lower_bound(x.begin(), x.end(), at) - x.begin();
  if (i == x.size() || (i > 0 && at - x[i - 1] < x[i] - at)) i = i > 0 ? i - 1 : 0;
  if (i >= x.size()) return;
  draw->AddLine({map.X(x[i]), map.min.y}, {map.X(x[i]), map.max.y}, IM_COL32(255, 255, 255, 90));
  ImGui::BeginTooltip();
  ImGui::Text("%s %.4g", axes.x_label, x[i]);
  for (const PlotSeries& s : series) {
    const double v = i < s.y.size() ? s.y[i] : NAN;
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.color), "%s: %s", s.label.c_str(),
                       std::isfinite(v) ? TickLabel(v).c_str() : "-");
  }
  ImGui::EndTooltip();
}

}  // namespace

void LinePlot(const char* title, const std::vector<double>& x, const std::vector<PlotSeries>& series,
              const PlotAxes& axes, ImVec2 size) {
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (size.x <= 0) size.x = avail.x;
  if (size.y <= 0) size.y = avail.y;
  size.x = std::max(size.x, 1.0f);
  size.y = std::max(size.y, 1.0f);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::PushID(title);
  ImGui::InvisibleButton("plot", size);
  const bool hovered = ImGui::IsItemHovered();
  ImGui::PopID();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float line = ImGui::GetTextLineHeight();
  draw->AddText(origin, kText, title);
  if (axes.y_label[0]) {
    draw->AddText({origin.x + ImGui::CalcTextSize(title).x + 8, origin.y}, IM_COL32(150, 150, 150, 255), axes.y_label);
  }

  Range xr, yr;
  for (double v : x) xr.Add(v);
  for (const PlotSeries& s : series) {
    for (double v : s.y) yr.Add(v);
  }
  const bool empty = yr.empty() || xr.empty();
  if (axes.y_from_zero && !yr.empty()) yr.Add(0);
  Mapping map;
  map.x = Padded(xr);
  map.y = Padded(yr);
  if (axes.y_from_zero && map.y.lo < 0 && yr.lo >= 0) map.y = {0, map.y.hi};  // all zero: 0..1
  if (!empty && !axes.y_from_zero) {  // a little air above and below the curves
    const double air = 0.05 * map.y.span();
    map.y = {map.y.lo - air, map.y.hi + air};
  } else if (!empty) {
    map.y.hi += 0.05 * map.y.span();
  }

  // the frame leaves room for the tick labels: left of it, below it, and the title above it
  const float frame_height = size.y - 2 * line - 4;
  const std::vector<double> yticks = Ticks(map.y, frame_height / (2.5f * line));
  float label_width = 0;
  for (double t : yticks) label_width = std::max(label_width, ImGui::CalcTextSize(TickLabel(t).c_str()).x);
  map.min = {origin.x + label_width + 6, origin.y + line + 2};
  map.max = {origin.x + size.x - 4, origin.y + size.y - line - 2};
  if (map.max.x - map.min.x < 4 || map.max.y - map.min.y < 4) return;  // too small to say anything

  draw->PushClipRect({origin.x, origin.y}, {origin.x + size.x, origin.y + size.y}, true);
  for (double t : yticks) {
    const float y = map.Y(t);
    if (y < map.min.y - 1 || y > map.max.y + 1) continue;
    draw->AddLine({map.min.x, y}, {map.max.x, y}, kGrid);
    const std::string label = TickLabel(t);
    draw->AddText({map.min.x - 4 - ImGui::CalcTextSize(label.c_str()).x, y - line / 2}, kText, label.c_str());
  }
  for (double t : Ticks(map.x, (map.max.x - map.min.x) / 70)) {
    const float px = map.X(t);
    draw->AddLine({px, map.min.y}, {px, map.max.y}, kGrid);
    const std::string label = TickLabel(t);
    draw->AddText({px - ImGui::CalcTextSize(label.c_str()).x / 2, map.max.y + 1}, kText, label.c_str());
  }
  draw->PopClipRect();
  draw->AddRect(map.min, map.max, kFrame);

  if (empty) {
    const char* none = "no data";
    const ImVec2 text = ImGui::CalcTextSize(none);
    draw->AddText({(map.min.x + map.max.x - text.x) / 2, (map.min.y + map.max.y - text.y) / 2}, kText, none);
    return;
  }
  draw->PushClipRect(map.min, map.max, true);
  for (const PlotSeries& s : series) DrawSeries(draw, map, x, s);
  draw->PopClipRect();
  DrawLegend(draw, {map.min.x + 4, map.min.y + 4}, series);
  if (hovered) DrawHover(draw, map, x, series, axes);
}

}  // namespace mjhybrid::viewer
