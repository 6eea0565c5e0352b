// The viewer's one GLFW window and its OpenGL context. Input arrives through GLFW callbacks;
// the window gathers what happened between two frames (keys pressed, mouse motion while a
// button is held, wheel turns) for the frame loop to act on. Nothing outside viewer/gfx
// includes GLFW: the keys the viewer reacts to are named here.

#ifndef MJHYBRID_VIEWER_GFX_WINDOW_H_
#define MJHYBRID_VIEWER_GFX_WINDOW_H_

#include <memory>
#include <string>
#include <vector>

struct GLFWwindow;

namespace mjhybrid::viewer {

enum class Key {
  kOther, kSpace, kRight, kUp, kDown, kPageUp, kPageDown, kBackspace, kS, kP, kG, kH, kF12,
};

struct KeyPress {
  Key key = Key::kOther;
  bool repeat = false;  // held down: the keyboard's auto-repeat
};

// the mouse between two frames, in window coordinates (y down)
struct MouseInput {
  double x = 0, y = 0;               // where the cursor is now
  double dx = 0, dy = 0;             // its motion while a button was held
  double scroll = 0;                 // wheel turns, up positive
  bool left = false, right = false, middle = false;  // held now
  bool shift = false;
};

struct WindowConfig {
  int width = 1600, height = 900;
  std::string title = "mjhybrid-viewer";
  bool vsync = true;
};

class Window {
 public:
  // a window with a current OpenGL context; nullptr and a one-line *error (GLFW's own words)
  // when there is no display or no usable OpenGL
  static std::unique_ptr<Window> Open(const WindowConfig& config, std::string* error);
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  GLFWwindow* glfw() const { return window_; }  // for the ImGui backend
  bool ShouldClose() const;
  void Close();

  // handles pending events; what they did is in keys() and mouse() until the next call
  void PollEvents();
  // sleeps until an event arrives or `seconds` pass (a minimized window)
  void WaitEvents(double seconds);
  const std::vector<KeyPress>& keys() const { return keys_; }
  const MouseInput& mouse() const { return mouse_; }

  // sizes in window coordinates and in framebuffer pixels (differ on high-DPI screens; a
  // minimized window's framebuffer is 0 x 0)
  void Size(int* width, int* height) const;
  void FramebufferSize(int* width, int* height) const;

  void SwapBuffers();
  static double Seconds();  // a monotonic clock

 private:
  explicit Window(GLFWwindow* window);
  static Window* From(GLFWwindow* window);
  static void OnKey(GLFWwindow* window, int key, int scancode, int action, int mods);
  static void OnMouseButton(GLFWwindow* window, int button, int action, int mods);
  static void OnCursor(GLFWwindow* window, double x, double y);
  static void OnScroll(GLFWwindow* window, double dx, double dy);

  GLFWwindow* window_;
  std::vector<KeyPress> keys_;
  MouseInput mouse_;
};

// facts about the current OpenGL context the frame loop adapts to
// true on a software rasterizer (Mesa's llvmpipe or softpipe), where every pixel costs CPU time
bool SoftwareRasterizer();
// nearest-texel sampling for `texture`: a font atlas drawn at whole pixels looks the same, and a
// software rasterizer then reads one texel per pixel instead of four
void UseNearestTexels(unsigned int texture);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_GFX_WINDOW_H_
