#include "viewer/gfx/screenshot.h"

#include <GL/gl.h>
#include <stb_image_write.h>  // the implementation is in libstb, linked through imgui.pc

#include <algorithm>
#include <vector>

namespace mjhybrid::viewer {

bool WriteScreenshot(const std::string& path, int width, int height, std::string* error) {
  if (width < 1 || height < 1) {
    *error = "the window has no pixels to capture (" + std::to_string(width) + "x" + std::to_string(height) + ")";
    return false;
  }
  const size_t row = 3 * static_cast<size_t>(width);
  std::vector<unsigned char> pixels(row * height);
  // rows packed tightly: the default alignment of 4 would pad widths that are not a multiple
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  // errors raised earlier belong to the frame (the caller counts them), not to this read
  for (int i = 0; i < 100 && glGetError() != GL_NO_ERROR; ++i) continue;
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  if (glGetError() != GL_NO_ERROR) {
    *error = "OpenGL could not read the window's pixels";
    return false;
  }
  // OpenGL's first row is the bottom one, PNG's the top one
  for (int top = 0, bottom = height - 1; top < bottom; ++top, --bottom) {
    std::swap_ranges(pixels.begin() + top * row, pixels.begin() + (top + 1) * row, pixels.begin() + bottom * row);
  }
  if (!stbi_write_png(path.c_str(), width, height, 3, pixels.data(), static_cast<int>(row))) {
    *error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}

}  // namespace mjhybrid::viewer
