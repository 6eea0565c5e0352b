// What the viewer's windows share besides the simulation: the clock, the user's choices, and
// the outcome of the last action of each kind (shown beside the button that took it).

#ifndef MJHYBRID_VIEWER_UI_VIEW_STATE_H_
#define MJHYBRID_VIEWER_UI_VIEW_STATE_H_

#include <cstdint>
#include <string>

#include "viewer/gfx/renderer.h"
#include "viewer/sim/residual_settings.h"
#include "viewer/ui/app.h"

namespace mjhybrid::viewer {

// what became of an action, for the window that offered it
struct Outcome {
  std::string text;  // "" before the first attempt
  bool failed = false;
};

struct ViewState {
  // the clock
  bool paused = false;
  double speed = 1;           // simulated seconds per wall second
  int single_steps = 0;       // steps asked for one at a time (button or right arrow)
  std::string stopped;        // why the clock stopped by itself, "" while it did not
  double achieved_speed = 0;  // measured simulated seconds per wall second
  double frame_rate = 0;      // measured frames per second

  // the view
  Layout layout = Layout::kSideBySide;
  bool panels = true;
  bool reset_camera = false;
  RenderEffects effects;

  // the controls
  int selected_actuator = 0;  // the one the up and down arrows nudge
  uint64_t random_seed = 0;
  std::string replay_path;
  int replay_episode = 0;
  std::string control_error;

  // the residual, as being edited (the hybrid world's own settings are what runs)
  ResidualSettings residual;
  bool residual_loaded = false;
  ResidualMode residual_on_mode = ResidualMode::kAugment;  // what "residual on" switches back to
  std::string residual_error;
  bool hybrid_recompiled = false;  // the renderer remakes the hybrid world's graphics

  // the plots
  int channel = 0;

  // the info window: the model card of the residual the hybrid world runs, read again only
  // when the residual file or its mode changes
  std::string model_card_of;
  std::string model_card;

  // files written, or why not
  bool screenshot_requested = false;
  Outcome screenshot;
  Outcome csv;
};

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_UI_VIEW_STATE_H_
