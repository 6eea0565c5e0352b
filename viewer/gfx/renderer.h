// The worlds drawn by MuJoCo's own renderer. Each world with a model has its mjvScene and
// mjrContext (the three models differ slightly: real.xml has other materials and contact
// parameters, and the hybrid model is recompiled when its settings change), while the camera
// and the visualization options are shared, so that the viewports always show the same view.
//
// Two layouts: side by side (one viewport per world the scene has), or ghosts (the real world
// drawn normally with the analytic and hybrid bodies overlaid, translucent and tinted).

#ifndef MJHYBRID_VIEWER_GFX_RENDERER_H_
#define MJHYBRID_VIEWER_GFX_RENDERER_H_

#include <mujoco/mujoco.h>

#include <string>
#include <vector>

#include "viewer/sim/lockstep.h"

namespace mjhybrid::viewer {

struct Rgb {
  float r, g, b;
};
// the tints of the ghosts, and of the plots' series (so a world has one color everywhere)
Rgb ColorOf(WorldKind kind);
// what the window is cleared to each frame: behind the panels too, which draw no background
inline constexpr Rgb kWindowBackground = {0.08f, 0.08f, 0.10f};

// one viewport: a world (or, with ghosts, the base world and those overlaid on it)
struct Viewport {
  mjrRect rect = {0, 0, 1, 1};  // framebuffer pixels, origin at the bottom left
  WorldKind world = WorldKind::kReal;
  std::vector<WorldKind> ghosts;   // drawn translucent over `world`
  std::string error;               // the world is not live: this text instead of the world
  std::vector<std::string> notes;  // worlds that cannot be overlaid, and why
};

// where each world goes inside `area`: side by side, or (ghosts) one viewport; never a
// rectangle smaller than 1 x 1
std::vector<Viewport> ArrangeViewports(const Lockstep& sim, bool ghosts, mjrRect area);

// MuJoCo's costly effects, off by default: on a software rasterizer shadows alone (a depth
// pass per light and a shadow-map lookup per pixel) cost more than the scene itself
struct RenderEffects {
  bool shadows = false;
  bool reflections = false;
  bool skybox = true;
  bool fine_planes = true;  // planes as the model's lighting grid (size[2]), else one scaled quad set
};

// OpenGL errors raised since the last call (the frame loop checks that a frame raised none)
int TakeGlErrors();

class Renderer {
 public:
  // needs the window's OpenGL context current; makes a scene and a context per world model
  explicit Renderer(const Lockstep& sim);
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // clears the window, then draws the worlds into `area` of the framebuffer; returns the
  // viewports, for the labels the caller writes over them
  std::vector<Viewport> Draw(Lockstep* sim, bool ghosts, mjrRect area, int framebuffer_width,
                             int framebuffer_height);
  // a world's model was replaced (the hybrid world after Configure): remake its graphics
  void Invalidate(WorldKind kind);

  RenderEffects& effects() { return effects_; }

  // mouse camera control, as in MuJoCo's simulate: `action` is an mjtMouse, dx and dy the
  // motion relative to the viewport's height
  void MoveCamera(const Lockstep& sim, int action, double dx, double dy);
  // the model's default free camera; or, when the reference model declares a tracking camera
  // (mode="trackcom" or "track", as Gymnasium's locomotion models do), a free camera placed as
  // that one, which then follows the tracked body of the real world (see Follow)
  void ResetCamera(const Lockstep& sim);
  // the body the shared camera follows, -1 for none
  int followed_body() const { return follow_body_; }

 private:
  struct WorldGraphics {
    const mjModel* model = nullptr;  // what scene and context were made for
    mjvScene scene;
    mjrContext context;
  };
  // (re)makes a world's scene and context when its model changed (Configure recompiles)
  void Track(const World& world);
  void Release(WorldGraphics* graphics);
  void DrawWorld(World* world, const mjrRect& rect);
  void DrawGhosts(Lockstep* sim, const Viewport& viewport);
  // the shared camera over the followed body of the leading world (real, else the reference),
  // horizontally only, so the ground stays put; the other worlds are seen from the same place,
  // so their drift from real stays visible
  void Follow(const Lockstep& sim);
  // the followed body's point (subtree com or origin) in the leading world; null for none
  const mjtNum* FollowedPoint(const Lockstep& sim) const;

  WorldGraphics graphics_[kWorldCount];
  mjvCamera camera_;
  int follow_body_ = -1;
  bool follow_subtree_ = false;  // trackcom: the subtree's center of mass, else the body
  mjvOption option_;
  mjvPerturb perturb_;
  RenderEffects effects_;
};

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_GFX_RENDERER_H_
