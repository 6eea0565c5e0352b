// The residual window: the hybrid world's mjhybrid.residual settings, tuned live. A change is
// applied as soon as an edit is finished (a slider released, a mode picked) through
// Lockstep::Configure, which recompiles the hybrid model through the plugin's own <config>
// path; when the plugin refuses, its one-line reason is shown and the world runs on unchanged.

#include <cstdio>
#include <string>

#include "viewer/ui/windows.h"

namespace mjhybrid::viewer {

namespace {

constexpr ResidualMode kModes[] = {ResidualMode::kOff, ResidualMode::kAugment, ResidualMode::kReplace};

void Apply(Lockstep* sim, ViewState* state) {
  std::string error;
  if (sim->Configure(state->residual, &error)) {
    state->residual = sim->world(WorldKind::kHybrid).settings();
    state->residual_error.clear();
    state->hybrid_recompiled = true;
  } else {
    state->residual_error = error;
  }
}

std::string Describe(const ResidualSettings& s) {
  char scale[32];
  std::snprintf(scale, sizeof(scale), "%.2f", s.config.scale);
  return std::string("mode ") + ResidualModeName(s.config.mode) + ", scale " + scale + ", member " +
         (s.config.member < 0 ? std::string("all") : std::to_string(s.config.member));
}

void Settings(Lockstep* sim, ViewState* state, bool tunable) {
  const World& hybrid = sim->world(WorldKind::kHybrid);
  ResidualSettings& edit = state->residual;
  // "on" brings back the mode the residual had before it was switched off
  PluginConfig& config = edit.config;
  if (config.mode != ResidualMode::kOff) state->residual_on_mode = config.mode;

  bool on = config.mode != ResidualMode::kOff;
  if (ImGui::Checkbox("residual on", &on)) {
    config.mode = on ? state->residual_on_mode : ResidualMode::kOff;
    Apply(sim, state);
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-60);
  if (ImGui::BeginCombo("mode", ResidualModeName(config.mode))) {
    for (ResidualMode mode : kModes) {
      if (ImGui::Selectable(ResidualModeName(mode), config.mode == mode) && config.mode != mode) {
        config.mode = mode;
        Apply(sim, state);
      }
    }
    ImGui::EndCombo();
  }
  const double lo = 0, hi = 2;
  ImGui::SetNextItemWidth(-60);
  ImGui::SliderScalar("scale", ImGuiDataType_Double, &config.scale, &lo, &hi, "%.2f");
  // a recompile per slider frame would stall the worlds: the value applies on release
  if (ImGui::IsItemDeactivatedAfterEdit()) Apply(sim, state);
  // "all" (the ensemble's mean) or one member alone, among those the model has
  const auto member_name = [](int k) { return k < 0 ? std::string("all (mean)") : "member " + std::to_string(k); };
  const int members = hybrid.settings().members;
  ImGui::SetNextItemWidth(-60);
  ImGui::BeginDisabled(members < 2 || !hybrid.settings().can_pick_member);
  if (ImGui::BeginCombo("member", member_name(config.member).c_str())) {
    for (int k = -1; k < members; ++k) {
      if (ImGui::Selectable(member_name(k).c_str(), config.member == k) && config.member != k) {
        config.member = k;
        Apply(sim, state);
      }
    }
    ImGui::EndCombo();
  }
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
    ImGui::SetTooltip(members < 2 ? "this model has a single member" : "%d members: their mean, or one alone", members);
  }

  if (!tunable) return;
  ImGui::TextDisabled("running: %s", Describe(hybrid.settings()).c_str());
  if (!state->residual_error.empty()) {
    OutcomeText({state->residual_error, true});
    if (ImGui::SmallButton("Revert")) {
      edit = hybrid.settings();
      state->residual_error.clear();
    }
  }
  if (hybrid.live()) {
    ImGui::Text("ensemble disagreement %.3g, features clamped %.3g", hybrid.disagreement(), hybrid.saturated());
  }
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("model: %s", hybrid.settings().model.c_str());
  ImGui::PopStyleColor();
}

}  // namespace

void ResidualWindow(Lockstep* sim, ViewState* state, const PanelRect& rect) {
  if (BeginPanel("Residual", rect)) {
    const World& hybrid = sim->world(WorldKind::kHybrid);
    const bool tunable = hybrid.has_residual();
    if (!tunable) {
      ImGui::TextDisabled(hybrid.present() ? "The hybrid world has no residual to tune."
                                           : "This scene has no hybrid world.");
      if (!hybrid.error().empty()) OutcomeText({hybrid.error(), true});
    } else if (!state->residual_loaded) {
      state->residual = hybrid.settings();
      state->residual_loaded = true;
    }
    // shown greyed out without a residual, so the window reads the same in every scene
    ImGui::BeginDisabled(!tunable);
    Settings(sim, state, tunable);
    ImGui::EndDisabled();
  }
  ImGui::End();
}

}  // namespace mjhybrid::viewer
