// The info window: what the scene is made of, what its real world has that the analytic model
// lacks (the README's hidden effects), and the model card of the residual the hybrid runs.

#include "viewer/ui/markdown.h"
#include "viewer/ui/windows.h"

namespace mjhybrid::viewer {

namespace {

void Worlds(const Lockstep& sim) {
  ImGui::Text("scene %s", sim.files().name.c_str());
  ImGui::TextDisabled("%s", sim.files().folder.c_str());
  for (WorldKind kind : {WorldKind::kReal, WorldKind::kAnalytic, WorldKind::kHybrid}) {
    const World& world = sim.world(kind);
    ImGui::TextColored(WorldColorVec(kind), "%-9s", world.label());
    ImGui::SameLine();
    if (!world.present()) {
      ImGui::TextDisabled("absent (no file)");
    } else if (world.live()) {
      ImGui::TextDisabled("%s", world.path().c_str());
    } else {
      OutcomeText({world.error(), true});
    }
  }
}

const std::string& ModelCard(const Lockstep& sim, ViewState* state) {
  const ResidualSettings& settings = sim.world(WorldKind::kHybrid).settings();
  const bool contact = settings.config.mode == ResidualMode::kReplace;
  const std::string of = settings.model + (contact ? " (replace)" : "");
  if (of != state->model_card_of || state->model_card.empty()) {
    state->model_card = ModelCardFor(settings.model, contact);
    state->model_card_of = of;
  }
  return state->model_card;
}

}  // namespace

void InfoWindow(const Lockstep& sim, ViewState* state, const PanelRect& rect) {
  if (BeginPanel("Info", rect)) {
    Worlds(sim);
    if (ImGui::CollapsingHeader("Hidden effects (what real.xml has)", ImGuiTreeNodeFlags_DefaultOpen)) {
      const std::string& effects = sim.files().hidden_effects;
      if (effects.empty()) {
        ImGui::TextDisabled("The scene's README has no hidden-effects section.");
      } else {
        MarkdownText("effects", effects);
      }
    }
    if (ImGui::CollapsingHeader("Model card", ImGuiTreeNodeFlags_DefaultOpen)) {
      if (sim.world(WorldKind::kHybrid).has_residual()) {
        MarkdownText("card", ModelCard(sim, state));
      } else {
        ImGui::TextDisabled("The hybrid world has no residual.");
      }
    }
  }
  ImGui::End();
}

}  // namespace mjhybrid::viewer
