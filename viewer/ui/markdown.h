// Just enough Markdown for the texts the viewer shows (a scene README's hidden effects, a
// residual's model card): headings, paragraphs, bullets and pipe tables, wrapped to the
// window. Emphasis and code markers are dropped rather than interpreted.

#ifndef MJHYBRID_VIEWER_UI_MARKDOWN_H_
#define MJHYBRID_VIEWER_UI_MARKDOWN_H_

#include <string>

namespace mjhybrid::viewer {

// `id` tells apart two texts in one window (their tables would otherwise share ImGui ids)
void MarkdownText(const char* id, const std::string& text);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_UI_MARKDOWN_H_
