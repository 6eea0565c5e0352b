#include "viewer/ui/markdown.h"

#include <imgui.h>

#include <algorithm>
#include <sstream>
#include <vector>

namespace mjhybrid::viewer {

namespace {

std::string Trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// `code` and **bold** read fine without their markers
std::string Plain(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '`'), s.end());
  for (size_t at; (at = s.find("**")) != std::string::npos;) s.erase(at, 2);
  return s;
}

std::vector<std::string> Cells(const std::string& row) {
  std::vector<std::string> cells;
  std::string inner = Trim(row);
  if (!inner.empty() && inner.front() == '|') inner.erase(0, 1);
  if (!inner.empty() && inner.back() == '|') inner.pop_back();
  std::stringstream split(inner);
  for (std::string cell; std::getline(split, cell, '|');) cells.push_back(Plain(Trim(cell)));
  return cells;
}

// "| --- | :---: |": the line between a table's header and its body
bool IsRule(const std::string& row) {
  return row.find('-') != std::string::npos && row.find_first_not_of("|-: \t\r") == std::string::npos;
}

void Wrapped(const std::string& text) {
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(text.c_str(), text.c_str() + text.size());
  ImGui::PopTextWrapPos();
}

void Table(const std::vector<std::string>& rows, int id) {
  std::vector<std::vector<std::string>> cells;
  size_t columns = 0;
  for (const std::string& row : rows) {
    if (IsRule(row)) continue;
    cells.push_back(Cells(row));
    columns = std::max(columns, cells.back().size());
  }
  if (columns == 0 || columns > 64) return;
  ImGui::PushID(id);
  if (ImGui::BeginTable("table", static_cast<int>(columns),
                        ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    for (size_t r = 0; r < cells.size(); ++r) {
      ImGui::TableNextRow(r == 0 ? ImGuiTableRowFlags_Headers : 0);
      for (size_t c = 0; c < columns; ++c) {
        ImGui::TableNextColumn();
        if (c < cells[r].size()) Wrapped(cells[r][c]);
      }
    }
    ImGui::EndTable();
  }
  ImGui::PopID();
}

}  // namespace

void MarkdownText(const char* id, const std::string& text) {
  ImGui::PushID(id);
  std::stringstream lines(text);
  std::vector<std::string> table;
  int tables = 0;
  for (std::string line; std::getline(lines, line);) {
    const std::string trimmed = Trim(line);
    if (!trimmed.empty() && trimmed.front() == '|') {
      table.push_back(trimmed);
      continue;
    }
    if (!table.empty()) {
      Table(table, tables++);
      table.clear();
    }
    if (trimmed.empty()) {
      ImGui::Spacing();
    } else if (trimmed.front() == '#') {
      const std::string heading = Plain(Trim(trimmed.substr(trimmed.find_first_not_of('#'))));
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.55f, 0.75f, 1.0f, 1));
      Wrapped(heading);
      ImGui::PopStyleColor();
    } else if (trimmed.rfind("- ", 0) == 0) {
      ImGui::Bullet();
      Wrapped(Plain(trimmed.substr(2)));
    } else {
      Wrapped(Plain(trimmed));
    }
  }
  if (!table.empty()) Table(table, tables);
  ImGui::PopID();
}

}  // namespace mjhybrid::viewer
