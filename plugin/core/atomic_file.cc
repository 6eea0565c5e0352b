#include "plugin/core/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace mjhybrid {

std::string PartialPathFor(const std::string& path) {
  const std::filesystem::path p(path);
  return (p.parent_path() / ("." + p.filename().string() + ".partial-" + std::to_string(getpid()))).string();
}

bool CommitPartial(const std::string& partial, const std::string& path, std::string* error) {
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    *error = std::string("cannot move the written file into place: ") + std::strerror(errno);
    std::remove(partial.c_str());
    return false;
  }
  return true;
}

bool WriteFileAtomically(const std::string& path, const std::function<bool(std::ostream&)>& write,
                         std::string* error) {
  const std::string partial = PartialPathFor(path);
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) {
      *error = "cannot open file for writing";
      return false;
    }
    bool ok = false;
    try {
      ok = write(out);
    } catch (...) {
      out.close();
      std::remove(partial.c_str());
      throw;
    }
    out.flush();
    if (!ok || !out) {
      out.close();
      std::remove(partial.c_str());
      *error = "write failed";
      return false;
    }
  }
  return CommitPartial(partial, path, error);
}

}  // namespace mjhybrid
