// A line plot drawn with ImGui's draw lists: several series against one shared x axis, axes
// scaled to the finite data, a legend, and gaps where a value is NaN (a world that is not live,
// or that has no real world to be compared with). Dense series are thinned to the extremes of
// each pixel column, so a plot costs the same for 400 and 40000 samples.

#ifndef MJHYBRID_VIEWER_UI_PLOT_H_
#define MJHYBRID_VIEWER_UI_PLOT_H_

#include <imgui.h>

#include <string>
#include <vector>

namespace mjhybrid::viewer {

struct PlotSeries {
  std::string label;
  ImU32 color = IM_COL32_WHITE;
  std::vector<double> y;  // one value per x; NaN: no value
};

struct PlotAxes {
  const char* x_label = "";  // in the hover tooltip
  const char* y_label = "";  // beside the title (units)
  bool y_from_zero = false;  // errors and spreads: keep 0 on the axis
};

// draws the plot over `size` pixels at the cursor (0 in a dimension: all that is available);
// a title above, "no data" when no series has a finite value
void LinePlot(const char* title, const std::vector<double>& x, const std::vector<PlotSeries>& series,
              const PlotAxes& axes, ImVec2 size);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_UI_PLOT_H_
