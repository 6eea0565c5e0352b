// Fuzz target: the plugin's MJCF config (model, mode, scale, member; the input split at NUL
// bytes) through its parser. A config that parses must come back the same through the
// formatter attach and the viewer write with (FormatPluginConfig), and a refusal is one line.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "plugin/core/plugin_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mjhybrid;  // NOLINT: a fuzz entry point outside any namespace
  std::vector<std::string> values(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      if (values.size() == 4) break;
      values.emplace_back();
    } else {
      values.back() += static_cast<char>(data[i]);
    }
  }
  values.resize(4);
  std::map<std::string, std::string> config;
  for (int i = 0; i < kConfigKeyCount; ++i) config[kConfigKeys[i]] = values[i];
  const auto get = [&](const std::map<std::string, std::string>& c) {
    return [&c](const char* key) {
      auto it = c.find(key);
      return it == c.end() ? std::string() : it->second;
    };
  };
  const std::string root = "/opt/mjhybrid";
  PluginConfig parsed;
  std::string error;
  if (!ParsePluginConfig(get(config), {root}, &parsed, &error)) {
    if (error.empty() || error.find('\n') != std::string::npos) __builtin_trap();
    return 0;
  }
  // the round trip through the formatter
  const auto entries = FormatPluginConfig(parsed, root);
  const std::map<std::string, std::string> written(entries.begin(), entries.end());
  PluginConfig back;
  if (!ParsePluginConfig(get(written), {root}, &back, &error)) __builtin_trap();
  if (back.mode != parsed.mode || back.member != parsed.member || back.scale != parsed.scale) __builtin_trap();
  return 0;
}
