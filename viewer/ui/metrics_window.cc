// The metrics window: how far analytic and hybrid are from real now, and k steps after each
// sync (the live counterpart of `mjhybrid eval`'s k-step table), with the share of the
// analytic model's gap that the residual closes.

#include <cmath>
#include <cstdio>
#include <initializer_list>

#include "viewer/ui/windows.h"

namespace mjhybrid::viewer {

namespace {

constexpr int kAnalytic = static_cast<int>(WorldKind::kAnalytic);
constexpr int kHybrid = static_cast<int>(WorldKind::kHybrid);

void Number(double v) {
  if (std::isfinite(v)) {
    ImGui::Text("%.3g", v);
  } else {
    ImGui::TextDisabled("-");
  }
}

// 1 - hybrid / analytic: positive when the hybrid world is closer to real
void GapClosed(double analytic, double hybrid) {
  const double closed = 1 - hybrid / analytic;
  if (!std::isfinite(closed) || analytic <= 0) {
    ImGui::TextDisabled("-");
    return;
  }
  const ImVec4 color = closed >= 0 ? ImVec4(0.45f, 0.85f, 0.45f, 1) : ImVec4(1.0f, 0.45f, 0.4f, 1);
  ImGui::TextColored(color, "%+.0f%%", 100 * closed);
}

// one row: analytic and hybrid position and velocity errors, each with the gap closed
void ErrorCells(const StepErrors errors[kWorldCount]) {
  const StepErrors& a = errors[kAnalytic];
  const StepErrors& h = errors[kHybrid];
  ImGui::TableNextColumn();
  Number(a.qpos);
  ImGui::TableNextColumn();
  Number(h.qpos);
  ImGui::TableNextColumn();
  GapClosed(a.qpos, h.qpos);
  ImGui::TableNextColumn();
  Number(a.qvel);
  ImGui::TableNextColumn();
  Number(h.qvel);
  ImGui::TableNextColumn();
  GapClosed(a.qvel, h.qvel);
}

void ErrorHeaders(std::initializer_list<const char*> leading) {
  for (const char* name : leading) ImGui::TableSetupColumn(name);
  for (const char* name : {"analytic q", "hybrid q", "closed q", "analytic v", "hybrid v", "closed v"}) {
    ImGui::TableSetupColumn(name);
  }
  ImGui::TableHeadersRow();
}

constexpr ImGuiTableFlags kTable = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                   ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_NoHostExtendX;

}  // namespace

void MetricsWindow(const Lockstep& sim, const PanelRect& rect) {
  if (BeginPanel("Metrics", rect)) {
    const Metrics& metrics = sim.metrics();
    if (!sim.world(WorldKind::kReal).live()) {
      ImGui::TextDisabled("No real world to compare with: the errors are undefined.");
    }
    ImGui::Text("%ld steps since the last sync", metrics.steps_since_sync());
    ImGui::SameLine();
    ImGui::TextDisabled(sim.sync_every() > 0 ? "(re-sync every %d steps)" : "(no periodic re-sync)",
                        sim.sync_every());
    ImGui::TextDisabled("RMSE against real over position (q) and velocity (v) DOFs");

    if (ImGui::BeginTable("now", 7, kTable)) {
      ErrorHeaders({""});
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted("now");
      StepErrors now[kWorldCount];
      for (int w = 0; w < kWorldCount; ++w) now[w] = metrics.current(w);
      ErrorCells(now);
      ImGui::EndTable();
    }

    ImGui::Spacing();
    ImGui::TextUnformatted("k steps after a sync: mean over syncs, and the latest");
    if (ImGui::BeginTable("kstep", 9, kTable)) {
      ErrorHeaders({"k", "syncs", ""});
      for (const KStepRow& row : metrics.rows()) {
        for (bool latest : {false, true}) {
          ImGui::TableNextRow();
          ImGui::TableNextColumn();
          if (!latest) ImGui::Text("%d", row.k);
          ImGui::TableNextColumn();
          if (!latest) ImGui::Text("%d", row.samples);
          ImGui::TableNextColumn();
          ImGui::TextDisabled(latest ? "last" : "mean");
          if (row.samples == 0) {
            for (int c = 0; c < 6; ++c) {
              ImGui::TableNextColumn();
              ImGui::TextDisabled("-");
            }
          } else {
            ErrorCells(latest ? row.last : row.mean);
          }
        }
      }
      ImGui::EndTable();
    }
  }
  ImGui::End();
}

}  // namespace mjhybrid::viewer
