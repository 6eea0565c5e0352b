// The windowed viewer: one GLFW window, the worlds of a Lockstep drawn with MuJoCo's renderer
// (side by side, or real with translucent ghosts of the other two), and one ImGui window per
// concern (ui/*_window.cc). Everything it changes in the simulation goes through Lockstep.

#ifndef MJHYBRID_VIEWER_UI_APP_H_
#define MJHYBRID_VIEWER_UI_APP_H_

#include <string>

#include "viewer/sim/lockstep.h"

namespace mjhybrid::viewer {

enum class Layout { kSideBySide = 0, kGhosts = 1 };

struct WindowOptions {
  int width = 1600, height = 900;
  int frames = 0;             // > 0: render this many frames, then exit (with --screenshot)
  std::string screenshot;     // PNG written after the last frame when frames > 0
  Layout layout = Layout::kSideBySide;
  double speed = 1;           // simulated seconds per wall second
  bool paused = false;
  bool vsync = true;          // off for --frames runs, so they measure the frame rate
};

// runs until the window closes (or `frames` frames); returns the process exit code. No display
// or no OpenGL context: one line on stderr and a non-zero code, never a crash.
int RunWindow(Lockstep* sim, const WindowOptions& options);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_UI_APP_H_
