#include "viewer/gfx/window.h"

#include <GLFW/glfw3.h>

#include <cstdlib>
#include <cstring>

namespace mjhybrid::viewer {

namespace {

// GLFW reports failures through a callback, not a return value: the last message is kept so
// that a failed glfwInit or glfwCreateWindow can say why (e.g. "The DISPLAY environment
// variable is missing")
std::string& LastGlfwError() {
  static std::string message;
  return message;
}

void OnGlfwError(int code, const char* description) {
  LastGlfwError() = description ? description : "GLFW error " + std::to_string(code);
}

std::string GlfwFailure(const char* fallback) {
  return LastGlfwError().empty() ? fallback : LastGlfwError();
}

Key KeyOf(int glfw_key) {
  switch (glfw_key) {
    case GLFW_KEY_SPACE: return Key::kSpace;
    case GLFW_KEY_RIGHT: return Key::kRight;
    case GLFW_KEY_UP: return Key::kUp;
    case GLFW_KEY_DOWN: return Key::kDown;
    case GLFW_KEY_PAGE_UP: return Key::kPageUp;
    case GLFW_KEY_PAGE_DOWN: return Key::kPageDown;
    case GLFW_KEY_BACKSPACE: return Key::kBackspace;
    case GLFW_KEY_S: return Key::kS;
    case GLFW_KEY_P: return Key::kP;
    case GLFW_KEY_G: return Key::kG;
    case GLFW_KEY_H: return Key::kH;
    case GLFW_KEY_F12: return Key::kF12;
    default: return Key::kOther;
  }
}

}  // namespace

std::unique_ptr<Window> Window::Open(const WindowConfig& config, std::string* error) {
  glfwSetErrorCallback(OnGlfwError);
  if (!glfwInit()) {
    *error = GlfwFailure("GLFW could not be initialized");
    return nullptr;
  }
  // MuJoCo's renderer draws with the compatibility profile; multisampling would multiply the
  // cost of every pixel on a software rasterizer, and the worlds read well without it
  glfwWindowHint(GLFW_SAMPLES, 0);
  glfwWindowHint(GLFW_DOUBLEBUFFER, GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(config.width, config.height, config.title.c_str(), nullptr, nullptr);
  if (!window) {
    *error = GlfwFailure("no window with an OpenGL context could be created");
    glfwTerminate();
    return nullptr;
  }
  glfwMakeContextCurrent(window);
  // ImGui's renderer needs GLSL 1.30: refused here with the version found, not later with a
  // shader compiler's complaint
  const char* version = reinterpret_cast<const char*>(glGetString(GL_VERSION));
  if (!version || std::atoi(version) < 3) {
    *error = std::string("OpenGL 3.0 or newer is needed, the display offers ") + (version ? version : "none");
    glfwDestroyWindow(window);
    glfwTerminate();
    return nullptr;
  }
  glfwSwapInterval(config.vsync ? 1 : 0);
  std::unique_ptr<Window> opened(new Window(window));
  glfwSetWindowUserPointer(window, opened.get());
  // installed before ImGui's backend, which chains to these callbacks
  glfwSetKeyCallback(window, OnKey);
  glfwSetMouseButtonCallback(window, OnMouseButton);
  glfwSetCursorPosCallback(window, OnCursor);
  glfwSetScrollCallback(window, OnScroll);
  glfwGetCursorPos(window, &opened->mouse_.x, &opened->mouse_.y);
  return opened;
}

Window::Window(GLFWwindow* window) : window_(window) {}

Window::~Window() {
  glfwDestroyWindow(window_);
  glfwTerminate();
}

Window* Window::From(GLFWwindow* window) { return static_cast<Window*>(glfwGetWindowUserPointer(window)); }

bool Window::ShouldClose() const { return glfwWindowShouldClose(window_); }

void Window::Close() { glfwSetWindowShouldClose(window_, GLFW_TRUE); }

void Window::PollEvents() {
  keys_.clear();
  mouse_.dx = mouse_.dy = mouse_.scroll = 0;
  glfwPollEvents();
  mouse_.shift = glfwGetKey(window_, GLFW_KEY_LEFT_SHIFT) == GLFW_PRESS ||
                 glfwGetKey(window_, GLFW_KEY_RIGHT_SHIFT) == GLFW_PRESS;
}

void Window::WaitEvents(double seconds) {
  keys_.clear();
  mouse_.dx = mouse_.dy = mouse_.scroll = 0;
  glfwWaitEventsTimeout(seconds);
}

void Window::Size(int* width, int* height) const { glfwGetWindowSize(window_, width, height); }

void Window::FramebufferSize(int* width, int* height) const { glfwGetFramebufferSize(window_, width, height); }

void Window::SwapBuffers() { glfwSwapBuffers(window_); }

double Window::Seconds() { return glfwGetTime(); }

bool SoftwareRasterizer() {
  const char* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  if (!renderer) return false;
  for (const char* name : {"llvmpipe", "softpipe", "Software Rasterizer", "SWR"}) {
    if (std::strstr(renderer, name)) return true;
  }
  return false;
}

void UseNearestTexels(unsigned int texture) {
  glBindTexture(GL_TEXTURE_2D, texture);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glBindTexture(GL_TEXTURE_2D, 0);
}

void Window::OnKey(GLFWwindow* window, int key, int scancode, int action, int mods) {
  if (action == GLFW_RELEASE) return;
  const Key named = KeyOf(key);
  if (named != Key::kOther) From(window)->keys_.push_back({named, action == GLFW_REPEAT});
}

void Window::OnMouseButton(GLFWwindow* window, int button, int action, int mods) {
  MouseInput& mouse = From(window)->mouse_;
  const bool down = action == GLFW_PRESS;
  if (button == GLFW_MOUSE_BUTTON_LEFT) mouse.left = down;
  if (button == GLFW_MOUSE_BUTTON_RIGHT) mouse.right = down;
  if (button == GLFW_MOUSE_BUTTON_MIDDLE) mouse.middle = down;
}

void Window::OnCursor(GLFWwindow* window, double x, double y) {
  MouseInput& mouse = From(window)->mouse_;
  // only a drag moves the camera: motion with no button held is not accumulated
  if (mouse.left || mouse.right || mouse.middle) {
    mouse.dx += x - mouse.x;
    mouse.dy += y - mouse.y;
  }
  mouse.x = x;
  mouse.y = y;
}

void Window::OnScroll(GLFWwindow* window, double dx, double dy) { From(window)->mouse_.scroll += dy; }

}  // namespace mjhybrid::viewer
