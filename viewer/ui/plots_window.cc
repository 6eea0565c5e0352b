// The plots window: the gap between the worlds over the history the simulation keeps. One
// chosen channel in all three worlds, the analytic and hybrid errors against real (positions
// and velocities), and the ensemble's disagreement; the series can be exported as CSV.

#include <algorithm>
#include <exception>

#include "viewer/ui/output_file.h"
#include "viewer/ui/plot.h"
#include "viewer/ui/windows.h"

namespace mjhybrid::viewer {

namespace {

constexpr WorldKind kCompared[] = {WorldKind::kAnalytic, WorldKind::kHybrid};

void ChannelCombo(const std::vector<Channel>& channels, int* chosen) {
  ImGui::SetNextItemWidth(180);
  if (!ImGui::BeginCombo("channel", channels[*chosen].name.c_str(), ImGuiComboFlags_HeightLarge)) return;
  for (int c = 0; c < static_cast<int>(channels.size()); ++c) {
    if (ImGui::Selectable(channels[c].name.c_str(), c == *chosen)) *chosen = c;
    if (c == *chosen) ImGui::SetItemDefaultFocus();
  }
  ImGui::EndCombo();
}

void ExportCsv(const Lockstep& sim, ViewState* state) {
  const std::string path = FreshOutputPath(sim.files().name, ".csv");
  try {
    sim.WriteCsv(path);
    state->csv = {"wrote " + path, false};
  } catch (const std::exception& e) {
    state->csv = {e.what(), true};
  }
}

// the history as plot series: time, and per world (or per compared world) one value a sample
struct Series {
  std::vector<double> time;
  std::vector<PlotSeries> channel, position_error, velocity_error, disagreement;
};

Series Gather(const Lockstep& sim, const Channel& channel) {
  const History& history = sim.history();
  const int n = history.size();
  Series s;
  s.time.resize(n);
  for (int i = 0; i < n; ++i) s.time[i] = history.time(i);
  for (WorldKind kind : {WorldKind::kReal, WorldKind::kAnalytic, WorldKind::kHybrid}) {
    if (!sim.world(kind).present()) continue;
    const int w = static_cast<int>(kind);
    PlotSeries values{WorldLabel(kind), WorldColorU32(kind), std::vector<double>(n)};
    for (int i = 0; i < n; ++i) values.y[i] = history.value(w, i, channel);
    s.channel.push_back(std::move(values));
  }
  for (WorldKind kind : kCompared) {
    if (!sim.world(kind).present()) continue;
    const int w = static_cast<int>(kind);
    PlotSeries pos{WorldLabel(kind), WorldColorU32(kind), std::vector<double>(n)};
    PlotSeries vel = pos;
    for (int i = 0; i < n; ++i) {
      pos.y[i] = history.errors(w, i).qpos;
      vel.y[i] = history.errors(w, i).qvel;
    }
    s.position_error.push_back(std::move(pos));
    s.velocity_error.push_back(std::move(vel));
  }
  PlotSeries spread{"hybrid ensemble", IM_COL32(200, 120, 255, 255), std::vector<double>(n)};
  for (int i = 0; i < n; ++i) spread.y[i] = history.disagreement(i);
  s.disagreement.push_back(std::move(spread));
  return s;
}

}  // namespace

void PlotsWindow(Lockstep* sim, ViewState* state, const PanelRect& rect) {
  if (BeginPanel("Plots", rect)) {
    const std::vector<Channel>& channels = sim->channels();
    if (channels.empty()) {
      ImGui::TextDisabled("The model has no joints to plot.");
    } else {
      state->channel = std::clamp(state->channel, 0, static_cast<int>(channels.size()) - 1);
      ChannelCombo(channels, &state->channel);
      ImGui::SameLine();
      if (ImGui::Button("Export CSV")) ExportCsv(*sim, state);
      ImGui::SameLine();
      if (state->csv.text.empty()) {
        ImGui::TextDisabled("the last %d steps", sim->history().size());
      } else {
        OutcomeText(state->csv);
      }

      const Channel& channel = channels[state->channel];
      const Series series = Gather(*sim, channel);
      const float gap = ImGui::GetStyle().ItemSpacing.x;
      const ImVec2 avail = ImGui::GetContentRegionAvail();
      const ImVec2 cell((avail.x - gap) / 2, (avail.y - ImGui::GetStyle().ItemSpacing.y) / 2);
      const char* units = channel.qpos >= 0 ? "position" : "velocity";
      LinePlot(channel.name.c_str(), series.time, series.channel, {"t", units, false}, cell);
      ImGui::SameLine();
      LinePlot("ensemble disagreement", series.time, series.disagreement, {"t", "spread", true}, cell);
      LinePlot("position error vs real", series.time, series.position_error, {"t", "RMSE", true}, cell);
      ImGui::SameLine();
      LinePlot("velocity error vs real", series.time, series.velocity_error, {"t", "RMSE", true}, cell);
    }
  }
  ImGui::End();
}

}  // namespace mjhybrid::viewer
