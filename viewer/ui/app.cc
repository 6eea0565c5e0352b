// The frame loop: input, the clock, the panels, the worlds, the labels over them, and what a
// frame may leave behind (a screenshot). Every frame redraws everything: ImGui is immediate
// mode, and the worlds move.

#include "viewer/ui/app.h"

#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "viewer/gfx/renderer.h"
#include "viewer/gfx/screenshot.h"
#include "viewer/gfx/window.h"
#include "viewer/ui/labels.h"
#include "viewer/ui/output_file.h"
#include "viewer/ui/pacer.h"
#include "viewer/ui/tiling.h"
#include "viewer/ui/view_state.h"
#include "viewer/ui/windows.h"

namespace mjhybrid::viewer {

namespace {

// wall seconds a frame may spend stepping before it gives up on keeping pace
constexpr double kSteppingBudget = 0.05;
// how often the measured speed and frame rate are refreshed
constexpr double kMeasurePeriod = 0.5;

// DejaVu has the symbols the READMEs and model cards use (×, −, ≈, →, σ); ImGui's built-in
// font, the fallback, has ASCII only
constexpr ImWchar kGlyphs[] = {0x0020, 0x00FF, 0x0370, 0x03FF, 0x2010, 0x205E, 0x2190, 0x21FF, 0x2200, 0x22FF, 0};
constexpr const char* kFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr const char* kBoldFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

ImFont* AddFont(const char* path, float size) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return nullptr;  // ImGui asserts on a missing file
  return ImGui::GetIO().Fonts->AddFontFromFileTTF(path, size, nullptr, kGlyphs);
}

class App {
 public:
  App(Lockstep* sim, Window* window, const WindowOptions& options);
  ~App();
  int Run();

 private:
  // the window in window coordinates and in framebuffer pixels
  struct Sizes {
    int width, height, framebuffer_width, framebuffer_height;
  };
  // everything of one frame but the swap: input, the clock, the panels, the worlds
  void DrawFrame(const Sizes& sizes, double wall_seconds);
  void HandleKeys();
  void HandleMouse(const Tiling& tiling);
  void Nudge(int direction);
  void Advance(double wall_seconds);
  void DrawPanels(const Tiling& tiling);
  void Measure(double now);
  // one line per viewport of the last frame, in screenshot pixels (origin at the top left), so
  // a recorded run tells a reader (or a test) where each world is in the PNG
  void PrintViewports(int framebuffer_height) const;

  Lockstep* sim_;
  Window* window_;
  WindowOptions options_;
  ViewState state_;
  Pacer pacer_;
  std::unique_ptr<Renderer> renderer_;
  std::vector<Viewport> viewports_;  // as drawn in the last frame
  int framebuffer_height_ = 0;
  ImFont* label_font_ = nullptr;
  // the measured speed and frame rate, over the last kMeasurePeriod
  double measured_since_ = 0, simulated_ = 0;
  long frames_since_ = 0;
};

App::App(Lockstep* sim, Window* window, const WindowOptions& options)
    : sim_(sim), window_(window), options_(options), pacer_(sim->timestep(), options.frames > 0) {
  state_.paused = options.paused;
  state_.speed = options.speed;
  state_.layout = options.layout;
  state_.replay_path = sim->controls().replay_path();
  state_.replay_episode = sim->controls().replay_episode();

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  // the panels are tiled every frame: nothing to remember, and no imgui.ini in the user's folder
  io.IniFilename = nullptr;
  if (!AddFont(kFont, 15)) io.Fonts->AddFontDefault();
  label_font_ = AddFont(kBoldFont, 20);
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  // square corners: a rounded frame is dozens of triangles, a square one two
  style.WindowRounding = style.FrameRounding = style.GrabRounding = style.PopupRounding = 0;
  style.ChildRounding = style.ScrollbarRounding = style.TabRounding = 0;
  style.Colors[ImGuiCol_WindowBg] = {kWindowBackground.r, kWindowBackground.g, kWindowBackground.b, 1};
  ImGui_ImplGlfw_InitForOpenGL(window->glfw(), true);
  ImGui_ImplOpenGL3_Init("#version 130");
  ImGui_ImplOpenGL3_CreateDeviceObjects();  // the font texture, so that it can be tuned below
  if (SoftwareRasterizer()) {
    // measured with Mesa's llvmpipe at 1600x900: these halve ImGui's share of the frame, at
    // the price of slightly coarser lines
    UseNearestTexels(static_cast<unsigned int>(reinterpret_cast<intptr_t>(io.Fonts->TexID)));
    style.AntiAliasedLines = false;
    style.AntiAliasedFill = false;
    // a textured skybox costs hopper's scene a third of its frame rate here, its floor's
    // lighting grid another third (View: skybox, fine floors)
    state_.effects.skybox = false;
    state_.effects.fine_planes = false;
  }
  renderer_ = std::make_unique<Renderer>(*sim);
}

App::~App() {
  renderer_.reset();  // its OpenGL objects go while the context still exists
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
}

int App::Run() {
  const bool recording = options_.frames > 0;
  const double start = Window::Seconds();
  double previous = start, first_frame = start;
  long frames = 0;
  int gl_errors = 0;
  measured_since_ = start;
  while (!window_->ShouldClose() && !(recording && frames >= options_.frames)) {
    window_->PollEvents();
    const double now = Window::Seconds();
    const double wall = now - previous;
    previous = now;
    Sizes sizes;
    window_->Size(&sizes.width, &sizes.height);
    window_->FramebufferSize(&sizes.framebuffer_width, &sizes.framebuffer_height);
    if (sizes.width < 1 || sizes.height < 1 || sizes.framebuffer_width < 1 || sizes.framebuffer_height < 1) {
      // minimized: nothing to draw into, and the worlds wait until they can be seen
      if (recording) {
        ++frames;
      } else {
        window_->WaitEvents(0.1);
      }
      continue;
    }
    DrawFrame(sizes, wall);
    gl_errors += TakeGlErrors();
    ++frames;
    // the back buffer holds the finished frame until it is swapped
    std::string error;
    if (recording && frames == options_.frames && !options_.screenshot.empty() &&
        !WriteScreenshot(options_.screenshot, sizes.framebuffer_width, sizes.framebuffer_height, &error)) {
      std::fprintf(stderr, "mjhybrid-viewer: error: %s\n", error.c_str());
      return 1;
    }
    window_->SwapBuffers();
    if (frames == 1) first_frame = Window::Seconds();
    Measure(Window::Seconds());
  }

  if (gl_errors > 0) std::fprintf(stderr, "[viewer] %d OpenGL errors\n", gl_errors);
  if (recording) {
    // the rate leaves out the first frame, which pays for shaders, the font atlas and textures
    const long counted = frames > 1 ? frames - 1 : frames;
    const double seconds = Window::Seconds() - (frames > 1 ? first_frame : start);
    int width, height;
    window_->Size(&width, &height);
    std::printf("frames %ld, %.2f s, %.1f frames/s (render), window %dx%d, first frame after %.2f s\n", frames,
                seconds, seconds > 0 ? counted / seconds : 0.0, width, height, first_frame - start);
    PrintViewports(framebuffer_height_);
  }
  return 0;
}

void App::DrawFrame(const Sizes& sizes, double wall_seconds) {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  const Tiling tiling = Tile(static_cast<float>(sizes.width), static_cast<float>(sizes.height), state_.panels);
  HandleKeys();
  HandleMouse(tiling);
  Advance(wall_seconds);
  if (tiling.panels) DrawPanels(tiling);

  // the worlds' rectangle in framebuffer pixels, whose origin is at the bottom left
  const ImVec2 scale(static_cast<float>(sizes.framebuffer_width) / sizes.width,
                     static_cast<float>(sizes.framebuffer_height) / sizes.height);
  const int left = static_cast<int>(tiling.scene_min.x * scale.x);
  const int right = static_cast<int>(tiling.scene_max.x * scale.x);
  const int top = static_cast<int>(tiling.scene_min.y * scale.y);
  const int bottom = static_cast<int>(tiling.scene_max.y * scale.y);
  const mjrRect area = {left, sizes.framebuffer_height - bottom, right - left, bottom - top};
  if (state_.hybrid_recompiled) {
    renderer_->Invalidate(WorldKind::kHybrid);
    state_.hybrid_recompiled = false;
  }
  if (state_.reset_camera) {
    renderer_->ResetCamera(*sim_);
    state_.reset_camera = false;
  }
  renderer_->effects() = state_.effects;
  viewports_ = renderer_->Draw(sim_, state_.layout == Layout::kGhosts, area, sizes.framebuffer_width,
                               sizes.framebuffer_height);
  framebuffer_height_ = sizes.framebuffer_height;
  DrawViewportLabels(*sim_, viewports_, scale, sizes.framebuffer_height, label_font_);
  ImGui::Render();
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

  if (state_.screenshot_requested) {
    state_.screenshot_requested = false;
    const std::string path = FreshOutputPath(sim_->files().name, ".png");
    std::string error;
    state_.screenshot = WriteScreenshot(path, sizes.framebuffer_width, sizes.framebuffer_height, &error)
                            ? Outcome{"wrote " + path, false}
                            : Outcome{error, true};
  }
}

void App::HandleKeys() {
  // typing into a field is not a command
  if (ImGui::GetIO().WantCaptureKeyboard) return;
  for (const KeyPress& press : window_->keys()) {
    switch (press.key) {
      case Key::kSpace:
        if (!press.repeat) state_.paused = !state_.paused;
        break;
      case Key::kRight:  // held down, it steps at the keyboard's repeat rate
        state_.paused = true;
        ++state_.single_steps;
        break;
      case Key::kUp: Nudge(+1); break;
      case Key::kDown: Nudge(-1); break;
      case Key::kPageUp:
      case Key::kPageDown: {
        const int nu = sim_->controls().nu();
        if (nu > 0) {
          state_.selected_actuator = (state_.selected_actuator + (press.key == Key::kPageDown ? 1 : nu - 1)) % nu;
        }
        break;
      }
      case Key::kBackspace:
        sim_->Reset();
        state_.stopped.clear();
        break;
      case Key::kS:
        if (!press.repeat) sim_->Sync();
        break;
      case Key::kP:
      case Key::kF12:
        if (!press.repeat) state_.screenshot_requested = true;
        break;
      case Key::kG:
        if (!press.repeat) {
          state_.layout = state_.layout == Layout::kGhosts ? Layout::kSideBySide : Layout::kGhosts;
        }
        break;
      case Key::kH:
        if (!press.repeat) state_.panels = !state_.panels;
        break;
      case Key::kOther: break;
    }
  }
}

// a twentieth of the actuator's range per press; manual control takes over from the current one
void App::Nudge(int direction) {
  ControlSource& controls = sim_->controls();
  if (controls.nu() == 0) return;
  TakeOverControls(sim_);
  const int a = std::clamp(state_.selected_actuator, 0, controls.nu() - 1);
  controls.SetManual(a, controls.manual(a) + direction * 0.05 * (controls.hi(a) - controls.lo(a)));
}

// as in MuJoCo's simulate: left drag rotates, right drag moves, middle drag and the wheel zoom;
// shift rotates and moves in the horizontal plane
void App::HandleMouse(const Tiling& tiling) {
  const MouseInput& mouse = window_->mouse();
  if (ImGui::GetIO().WantCaptureMouse) return;
  const double height = std::max(1.0f, tiling.scene_max.y - tiling.scene_min.y);
  if (mouse.dx != 0 || mouse.dy != 0) {
    int action = mjMOUSE_ZOOM;
    if (mouse.right) {
      action = mouse.shift ? mjMOUSE_MOVE_H : mjMOUSE_MOVE_V;
    } else if (mouse.left) {
      action = mouse.shift ? mjMOUSE_ROTATE_H : mjMOUSE_ROTATE_V;
    }
    renderer_->MoveCamera(*sim_, action, mouse.dx / height, mouse.dy / height);
  }
  if (mouse.scroll != 0) renderer_->MoveCamera(*sim_, mjMOUSE_ZOOM, 0, -0.05 * mouse.scroll);
}

void App::Advance(double wall_seconds) {
  long due;
  if (state_.paused) {
    pacer_.Clear();
    due = state_.single_steps;
  } else {
    due = pacer_.Due(wall_seconds, state_.speed);
  }
  state_.single_steps = 0;
  // a recorded run takes every step due, however long it takes: it must be reproducible
  const bool budgeted = options_.frames == 0;
  const double start = Window::Seconds();
  long taken = 0;
  for (; taken < due; ++taken) {
    if (budgeted && Window::Seconds() - start > kSteppingBudget) break;
    if (!sim_->Step()) {
      state_.paused = true;
      state_.stopped = "The replayed episode ended: reset to see it again.";
      break;
    }
  }
  simulated_ += taken * sim_->timestep();
}

void App::Measure(double now) {
  ++frames_since_;
  if (now - measured_since_ < kMeasurePeriod) return;
  state_.achieved_speed = simulated_ / (now - measured_since_);
  state_.frame_rate = frames_since_ / (now - measured_since_);
  measured_since_ = now;
  simulated_ = 0;
  frames_since_ = 0;
}

void App::PrintViewports(int framebuffer_height) const {
  for (const Viewport& v : viewports_) {
    const char* name = WorldLabel(v.world);
    if (!v.error.empty()) {
      std::printf("viewport %s not drawn: %s\n", name, v.error.c_str());
      continue;
    }
    const mjrRect& r = v.rect;
    std::printf("viewport %s %d %d %d %d", name, r.left, framebuffer_height - (r.bottom + r.height), r.width, r.height);
    for (WorldKind ghost : v.ghosts) std::printf(" +%s", WorldLabel(ghost));
    std::printf("\n");
  }
}

void App::DrawPanels(const Tiling& tiling) {
  ControlWindow(sim_, &state_, tiling.control);
  ResidualWindow(sim_, &state_, tiling.residual);
  InfoWindow(*sim_, &state_, tiling.info);
  PlotsWindow(sim_, &state_, tiling.plots);
  MetricsWindow(*sim_, tiling.metrics);
}

}  // namespace

int RunWindow(Lockstep* sim, const WindowOptions& options) {
  WindowConfig config;
  config.width = options.width;
  config.height = options.height;
  config.title = "mjhybrid-viewer: " + sim->files().name;
  // a recorded run measures the frame rate, which waiting for the display would cap
  config.vsync = options.vsync && options.frames == 0;
  std::string error;
  std::unique_ptr<Window> window = Window::Open(config, &error);
  if (!window) {
    std::fprintf(stderr, "mjhybrid-viewer: cannot open a window (%s); use --headless to run without a display\n",
                 error.c_str());
    return 2;
  }
  return App(sim, window.get(), options).Run();
}

}  // namespace mjhybrid::viewer
