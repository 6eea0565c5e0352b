// The control window: the clock (play, step, speed, re-syncs, resets), where the worlds'
// common controls come from, and how the worlds are shown.

#include <imgui.h>
#include <imgui_stdlib.h>  // needs imgui.h first

#include <algorithm>

#include "viewer/ui/windows.h"

namespace mjhybrid::viewer {

namespace {

void ClockSection(Lockstep* sim, ViewState* state) {
  if (ImGui::Button(state->paused ? "Play (space)" : "Pause (space)", {110, 0})) state->paused = !state->paused;
  ImGui::SameLine();
  if (ImGui::Button("Step (right)")) {
    state->paused = true;
    ++state->single_steps;
  }
  ImGui::SameLine();
  ImGui::Text("t = %.3f s", sim->time());

  double speed = state->speed;
  const double slowest = 0.05, fastest = 8;
  ImGui::SetNextItemWidth(-70);
  if (ImGui::SliderScalar("speed", ImGuiDataType_Double, &speed, &slowest, &fastest, "%.2fx",
                          ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp)) {
    state->speed = speed;
  }
  ImGui::TextDisabled("step %ld, running at %.2fx, %.0f frames/s", sim->steps(),
                      state->paused ? 0.0 : state->achieved_speed, state->frame_rate);

  if (ImGui::Button("Re-sync (S)")) sim->Sync();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("analytic and hybrid take the real world's state");
  ImGui::SameLine();
  if (ImGui::Button("Reset (bksp)")) {
    sim->Reset();
    state->stopped.clear();
  }
  ImGui::SameLine();
  if (ImGui::Button("Random reset")) {
    sim->Reset(true);
    state->stopped.clear();
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("a random start, placed as the scene's data collection does");
  int every = sim->sync_every();
  ImGui::SetNextItemWidth(120);
  if (ImGui::InputInt("re-sync every N steps", &every, 10, 100)) sim->set_sync_every(std::max(every, 0));
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("0: never");
  if (!state->stopped.empty()) ImGui::TextColored({1, 0.8f, 0.3f, 1}, "%s", state->stopped.c_str());
}

void Replay(Lockstep* sim, ViewState* state) {
  std::string error;
  if (state->replay_path.empty()) {
    state->control_error = "give the path of a dataset written by `mjhybrid collect`";
  } else if (sim->controls().UseReplay(state->replay_path, state->replay_episode, &error)) {
    sim->Reset();  // the worlds start from the episode's first recorded state
    state->control_error.clear();
    state->stopped.clear();
  } else {
    state->control_error = error;
  }
}

void ControlsSection(Lockstep* sim, ViewState* state) {
  ControlSource& controls = sim->controls();
  const ControlKind kind = controls.kind();
  if (ImGui::RadioButton("manual", kind == ControlKind::kManual) && kind != ControlKind::kManual) {
    TakeOverControls(sim);
  }
  ImGui::SameLine();
  if (ImGui::RadioButton("random", kind == ControlKind::kRandom) && kind != ControlKind::kRandom) {
    controls.UseRandom(state->random_seed);
  }
  ImGui::SameLine();
  if (ImGui::RadioButton("replay", kind == ControlKind::kReplay) && kind != ControlKind::kReplay) Replay(sim, state);
  // a policy only when one was given (--policy)
  if (controls.has_policy()) {
    ImGui::SameLine();
    if (ImGui::RadioButton("policy", kind == ControlKind::kPolicy) && kind != ControlKind::kPolicy) {
      controls.UsePolicy();
    }
  }

  switch (kind) {
    case ControlKind::kManual:
      for (int a = 0; a < controls.nu(); ++a) {
        ImGui::PushID(a);
        if (ImGui::RadioButton("##selected", state->selected_actuator == a)) state->selected_actuator = a;
        ImGui::SameLine();
        double value = controls.manual(a);
        const double lo = controls.lo(a), hi = controls.hi(a);
        ImGui::SetNextItemWidth(-110);
        if (ImGui::SliderScalar(controls.actuator(a).c_str(), ImGuiDataType_Double, &value, &lo, &hi, "%.3f")) {
          controls.SetManual(a, value);
          state->selected_actuator = a;
        }
        ImGui::PopID();
      }
      ImGui::TextDisabled("up/down: nudge, page up/down: select");
      break;
    case ControlKind::kRandom: {
      ImGui::SetNextItemWidth(120);
      ImGui::InputScalar("seed", ImGuiDataType_U64, &state->random_seed);
      ImGui::SameLine();
      if (ImGui::Button("Restart signal")) controls.UseRandom(state->random_seed);
      break;
    }
    case ControlKind::kReplay:
      ImGui::TextDisabled("episode %d of %d, %s", controls.replay_episode(), controls.replay_episodes(),
                          controls.finished() ? "ended" : "playing");
      break;
    case ControlKind::kPolicy:
      ImGui::TextDisabled("%s, acting on what it sees of real", controls.policy_name().c_str());
      break;
  }
  // the recorded episode to replay: always editable, so a first replay can be chosen
  ImGui::SetNextItemWidth(-70);
  const std::string hint = "e.g. runs/" + sim->files().name + "/test.h5";
  ImGui::InputTextWithHint("dataset", hint.c_str(), &state->replay_path);
  ImGui::SetNextItemWidth(100);
  ImGui::InputInt("episode", &state->replay_episode);
  state->replay_episode = std::max(state->replay_episode, 0);
  ImGui::SameLine();
  if (ImGui::Button("Replay")) Replay(sim, state);
  if (!state->control_error.empty()) OutcomeText({state->control_error, true});
}

void ViewSection(ViewState* state) {
  int layout = static_cast<int>(state->layout);
  ImGui::RadioButton("side by side", &layout, static_cast<int>(Layout::kSideBySide));
  ImGui::SameLine();
  ImGui::RadioButton("ghosts (G)", &layout, static_cast<int>(Layout::kGhosts));
  state->layout = static_cast<Layout>(layout);
  ImGui::SameLine();
  ImGui::TextDisabled("(H: panels)");
  ImGui::Checkbox("shadows", &state->effects.shadows);
  ImGui::SameLine();
  ImGui::Checkbox("reflections", &state->effects.reflections);
  ImGui::SameLine();
  ImGui::Checkbox("skybox", &state->effects.skybox);
  ImGui::Checkbox("fine floors", &state->effects.fine_planes);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("floors lit through the model's grid (size[2]); costly in software");
  if (ImGui::Button("Reset camera")) state->reset_camera = true;
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("left drag: rotate, right drag: move, wheel or middle drag: zoom; shift: horizontal");
  }
  ImGui::SameLine();
  if (ImGui::Button("Screenshot (F12)")) state->screenshot_requested = true;
  OutcomeText(state->screenshot);
}

}  // namespace

void TakeOverControls(Lockstep* sim) {
  ControlSource& controls = sim->controls();
  if (controls.kind() == ControlKind::kManual) return;
  const mjData* d = sim->reference().data();
  for (int a = 0; a < controls.nu(); ++a) controls.SetManual(a, d->ctrl[a]);
  controls.UseManual();
}

void ControlWindow(Lockstep* sim, ViewState* state, const PanelRect& rect) {
  if (BeginPanel("Control", rect)) {
    if (ImGui::CollapsingHeader("Time", ImGuiTreeNodeFlags_DefaultOpen)) ClockSection(sim, state);
    if (ImGui::CollapsingHeader("Controls", ImGuiTreeNodeFlags_DefaultOpen)) ControlsSection(sim, state);
    if (ImGui::CollapsingHeader("View", ImGuiTreeNodeFlags_DefaultOpen)) ViewSection(state);
  }
  ImGui::End();
}

}  // namespace mjhybrid::viewer
