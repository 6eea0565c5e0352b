// Text from a user's file, made safe to put in a one-line error message: control bytes
// (newline, tab, escape, ...) become \n or \xNN; everything else, UTF-8 names included, is
// left as it is. Every reader that echoes what it read (a key, a name, a value) passes it
// through here, so an error is always one line (found by tests/fuzz: a JSON key "joi\nts").

#ifndef MJHYBRID_PLUGIN_CORE_PRINTABLE_H_
#define MJHYBRID_PLUGIN_CORE_PRINTABLE_H_

#include <cstdio>
#include <string>

namespace mjhybrid {

inline std::string Printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_PRINTABLE_H_
