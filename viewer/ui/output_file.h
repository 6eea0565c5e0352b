// Names for what the viewer saves on request (screenshots, the plotted series): in the working
// directory, stamped with the local time, and never the name of a file that already exists.

#ifndef MJHYBRID_VIEWER_UI_OUTPUT_FILE_H_
#define MJHYBRID_VIEWER_UI_OUTPUT_FILE_H_

#include <string>

namespace mjhybrid::viewer {

// e.g. "/home/me/mjhybrid-push-20250314-093012.png", then "...-093012-2.png" if that exists
std::string FreshOutputPath(const std::string& scene, const std::string& extension);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_UI_OUTPUT_FILE_H_
