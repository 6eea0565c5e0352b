#include "viewer/gfx/renderer.h"

#include <GL/gl.h>

#include <algorithm>
#include <cmath>

namespace mjhybrid::viewer {

namespace {

constexpr float kGhostAlpha = 0.35f;
constexpr float kGhostInflation = 1.01f;

int Index(WorldKind kind) { return static_cast<int>(kind); }

mjrRect AtLeastOnePixel(mjrRect rect) {
  rect.width = std::max(rect.width, 1);
  rect.height = std::max(rect.height, 1);
  return rect;
}

// MuJoCo draws a plane from a display list made with the context, a grid of quads size[2]
// apart: Gymnasium's 40 x 40 m floors at 0.125 m are 100,000 quads per viewport, most of a
// software rasterizer's frame. The grid only refines per-vertex lighting; without it
// (dataid -1) the plane is MuJoCo's default one, scaled, with the same texture.
void UseSimplePlanes(mjvScene* scene) {
  for (int g = 0; g < scene->ngeom; ++g) {
    if (scene->geoms[g].type == mjGEOM_PLANE) scene->geoms[g].dataid = -1;
  }
}

// room for the model's own geoms and decorations, and for the ghosts of two more worlds
int SceneCapacity(const mjModel* m) { return std::max(2000, 3 * static_cast<int>(m->ngeom) + 1000); }

// a ghost's mesh and height-field geoms index the base world's context: a world is overlaid
// only when the two models have the same assets (they do whenever both come from one scene)
bool SameAssets(const mjModel* a, const mjModel* b) { return a->nmesh == b->nmesh && a->nhfield == b->nhfield; }

// an unreadable world's viewport: a dark red field the caller writes the error over
void ClearTo(const mjrRect& rect, float r, float g, float b) {
  glEnable(GL_SCISSOR_TEST);
  glScissor(rect.left, rect.bottom, rect.width, rect.height);
  glClearColor(r, g, b, 1);
  glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
  glDisable(GL_SCISSOR_TEST);
}

}  // namespace

Rgb ColorOf(WorldKind kind) {
  switch (kind) {
    case WorldKind::kReal: return {0.90f, 0.90f, 0.90f};
    case WorldKind::kAnalytic: return {0.25f, 0.55f, 1.00f};
    case WorldKind::kHybrid: return {1.00f, 0.55f, 0.10f};
  }
  return {1, 1, 1};
}

int TakeGlErrors() {
  int errors = 0;
  // bounded: without a current context glGetError may keep answering with an error
  while (glGetError() != GL_NO_ERROR && errors < 100) ++errors;
  return errors;
}

std::vector<Viewport> ArrangeViewports(const Lockstep& sim, bool ghosts, mjrRect area) {
  area = AtLeastOnePixel(area);
  std::vector<Viewport> viewports;
  if (ghosts) {
    Viewport one;
    one.rect = area;
    // the base is the real world when it can be drawn: the others are judged against it
    const World* base = nullptr;
    for (WorldKind kind : {WorldKind::kReal, WorldKind::kAnalytic, WorldKind::kHybrid}) {
      if (sim.world(kind).live()) {
        base = &sim.world(kind);
        break;
      }
    }
    one.world = base ? base->kind() : sim.reference().kind();
    if (!base) one.error = sim.reference().error();
    for (WorldKind kind : {WorldKind::kReal, WorldKind::kAnalytic, WorldKind::kHybrid}) {
      const World& world = sim.world(kind);
      if (kind == one.world || !world.present()) continue;
      if (!world.live()) {
        one.notes.push_back(world.error());
      } else if (base && !SameAssets(base->model(), world.model())) {
        one.notes.push_back(std::string(world.label()) + " has other meshes than " + base->label() +
                            ": not overlaid");
      } else {
        one.ghosts.push_back(kind);
      }
    }
    viewports.push_back(one);
    return viewports;
  }
  for (WorldKind kind : {WorldKind::kReal, WorldKind::kAnalytic, WorldKind::kHybrid}) {
    const World& world = sim.world(kind);
    if (!world.present()) continue;
    Viewport viewport;
    viewport.world = kind;
    if (!world.live()) viewport.error = world.error();
    viewports.push_back(viewport);
  }
  // equal widths; the last viewport takes the pixels the division leaves over
  const int n = static_cast<int>(viewports.size());
  for (int i = 0; i < n; ++i) {
    const int left = area.left + area.width * i / n;
    const int right = area.left + area.width * (i + 1) / n;
    viewports[i].rect = AtLeastOnePixel({left, area.bottom, right - left, area.height});
  }
  return viewports;
}

Renderer::Renderer(const Lockstep& sim) {
  mjv_defaultOption(&option_);
  mjv_defaultPerturb(&perturb_);
  mjv_defaultCamera(&camera_);
  ResetCamera(sim);
  for (int w = 0; w < kWorldCount; ++w) Track(sim.world(static_cast<WorldKind>(w)));
}

Renderer::~Renderer() {
  for (WorldGraphics& graphics : graphics_) Release(&graphics);
}

void Renderer::Track(const World& world) {
  WorldGraphics& graphics = graphics_[Index(world.kind())];
  if (graphics.model == world.model()) return;
  Release(&graphics);
  const mjModel* m = world.model();
  if (!m) return;
  mjv_defaultScene(&graphics.scene);
  mjv_makeScene(m, &graphics.scene, SceneCapacity(m));
  mjr_defaultContext(&graphics.context);
  mjr_makeContext(m, &graphics.context, mjFONTSCALE_100);
  graphics.model = m;
}

void Renderer::Release(WorldGraphics* graphics) {
  if (!graphics->model) return;
  mjr_freeContext(&graphics->context);
  mjv_freeScene(&graphics->scene);
  graphics->model = nullptr;
}

void Renderer::Invalidate(WorldKind kind) { Release(&graphics_[Index(kind)]); }

void Renderer::ResetCamera(const Lockstep& sim) {
  const mjModel* m = sim.reference().model();
  mjv_defaultFreeCamera(m, &camera_);
  follow_body_ = -1;
  for (int c = 0; c < m->ncam; ++c) {
    const int mode = m->cam_mode[c];
    if (mode != mjCAMLIGHT_TRACK && mode != mjCAMLIGHT_TRACKCOM) continue;
    // the tracking camera sits at cam_pos from its target: the same distance and direction
    const mjtNum* offset = m->cam_pos + 3 * c;
    const double horizontal = std::hypot(offset[0], offset[1]);
    const double distance = std::hypot(horizontal, offset[2]);
    if (distance <= 0) continue;
    follow_body_ = m->cam_bodyid[c];
    follow_subtree_ = mode == mjCAMLIGHT_TRACKCOM;
    camera_.distance = distance;
    camera_.azimuth = std::atan2(-offset[1], -offset[0]) * 180 / mjPI;
    camera_.elevation = std::atan2(-offset[2], horizontal) * 180 / mjPI;
    // the target's height at the start, kept while the camera follows it across the ground
    if (const mjtNum* target = FollowedPoint(sim)) {
      camera_.lookat[2] = target[2];
      Follow(sim);
    }
    break;
  }
}

const mjtNum* Renderer::FollowedPoint(const Lockstep& sim) const {
  if (follow_body_ < 0) return nullptr;
  const World& leader = sim.world(WorldKind::kReal).live() ? sim.world(WorldKind::kReal) : sim.reference();
  if (!leader.live() || follow_body_ >= leader.model()->nbody) return nullptr;
  const mjData* d = leader.data();
  return (follow_subtree_ ? d->subtree_com : d->xpos) + 3 * follow_body_;
}

void Renderer::Follow(const Lockstep& sim) {
  const mjtNum* target = FollowedPoint(sim);
  if (!target) return;
  camera_.lookat[0] = target[0];
  camera_.lookat[1] = target[1];
}

void Renderer::MoveCamera(const Lockstep& sim, int action, double dx, double dy) {
  mjv_moveCamera(sim.reference().model(), action, dx, dy, &camera_);
}

std::vector<Viewport> Renderer::Draw(Lockstep* sim, bool ghosts, mjrRect area, int framebuffer_width,
                                     int framebuffer_height) {
  for (int w = 0; w < kWorldCount; ++w) Track(sim->world(static_cast<WorldKind>(w)));
  Follow(*sim);
  for (WorldGraphics& graphics : graphics_) {
    if (!graphics.model) continue;
    graphics.scene.flags[mjRND_SHADOW] = effects_.shadows;
    graphics.scene.flags[mjRND_REFLECTION] = effects_.reflections;
    graphics.scene.flags[mjRND_SKYBOX] = effects_.skybox;
  }
  // the whole window, which is also the panels' background (a clear is nearly free, while
  // ImGui's window backgrounds would be blended pixel by pixel)
  glDisable(GL_SCISSOR_TEST);
  glViewport(0, 0, framebuffer_width, framebuffer_height);
  glClearColor(kWindowBackground.r, kWindowBackground.g, kWindowBackground.b, 1);
  glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);

  std::vector<Viewport> viewports = ArrangeViewports(*sim, ghosts, area);
  for (const Viewport& viewport : viewports) {
    if (!viewport.error.empty() || !graphics_[Index(viewport.world)].model) {
      ClearTo(viewport.rect, 0.22f, 0.06f, 0.06f);
    } else if (ghosts) {
      DrawGhosts(sim, viewport);
    } else {
      DrawWorld(&sim->world(viewport.world), viewport.rect);
    }
  }
  return viewports;
}

void Renderer::DrawWorld(World* world, const mjrRect& rect) {
  WorldGraphics& graphics = graphics_[Index(world->kind())];
  mjv_updateScene(graphics.model, world->data(), &option_, &perturb_, &camera_, mjCAT_ALL, &graphics.scene);
  if (!effects_.fine_planes) UseSimplePlanes(&graphics.scene);
  mjr_setBuffer(mjFB_WINDOW, &graphics.context);
  mjr_render(rect, &graphics.scene, &graphics.context);
}

void Renderer::DrawGhosts(Lockstep* sim, const Viewport& viewport) {
  World& base = sim->world(viewport.world);
  WorldGraphics& graphics = graphics_[Index(viewport.world)];
  mjvScene& scene = graphics.scene;
  mjv_updateScene(graphics.model, base.data(), &option_, &perturb_, &camera_, mjCAT_ALL, &scene);
  if (!effects_.fine_planes) UseSimplePlanes(&scene);
  for (WorldKind kind : viewport.ghosts) {
    World& ghost = sim->world(kind);
    // only what moves: a second copy of the floor and walls would z-fight with the base's
    const int first = scene.ngeom;
    mjv_addGeoms(ghost.model(), ghost.data(), &option_, &perturb_, mjCAT_DYNAMIC, &scene);
    const Rgb tint = ColorOf(kind);
    for (int g = first; g < scene.ngeom; ++g) {
      mjvGeom& geom = scene.geoms[g];
      geom.rgba[0] = tint.r;
      geom.rgba[1] = tint.g;
      geom.rgba[2] = tint.b;
      geom.rgba[3] = kGhostAlpha;
      // a ghost where its world agrees with the base would share its surfaces and flicker
      // with it in the depth test: a slightly larger ghost stays in front
      for (float& size : geom.size) size *= kGhostInflation;
      geom.matid = -1;  // a texture would hide the tint
      geom.texid = -1;
      geom.emission = 0.3f;
      geom.segid = -1;
    }
  }
  mjr_setBuffer(mjFB_WINDOW, &graphics.context);
  mjr_render(viewport.rect, &scene, &graphics.context);
}

}  // namespace mjhybrid::viewer
