// The window as an image: the back buffer read after everything of a frame (worlds and panels)
// was drawn and before it is shown, written as an RGB PNG.

#ifndef MJHYBRID_VIEWER_GFX_SCREENSHOT_H_
#define MJHYBRID_VIEWER_GFX_SCREENSHOT_H_

#include <string>

namespace mjhybrid::viewer {

// reads width x height framebuffer pixels and writes them to `path`, top row first; false with
// a one-line *error when there is nothing to read or the file cannot be written
bool WriteScreenshot(const std::string& path, int width, int height, std::string* error);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_GFX_SCREENSHOT_H_
