// Files written whole or not at all. The content goes to a temporary name beside the target
// (".NAME.partial-PID", so a folder listing shows what it is and whose), and is renamed over
// the target only after every byte was written and flushed; rename is atomic on one file
// system. A failure, an exception or a kill at any moment leaves the target as it was (absent,
// or its old content), never truncated; at worst a stray .partial file remains.

#ifndef MJHYBRID_PLUGIN_CORE_ATOMIC_FILE_H_
#define MJHYBRID_PLUGIN_CORE_ATOMIC_FILE_H_

#include <functional>
#include <ostream>
#include <string>

namespace mjhybrid {

// the temporary name a write of `path` goes through
std::string PartialPathFor(const std::string& path);

// renames `partial` over `path`; false with *error set (one line) when it cannot, after
// removing `partial`
bool CommitPartial(const std::string& partial, const std::string& path, std::string* error);

// writes `path` through `write` (which returns false, or leaves the stream bad, on failure)
// and commits it; false with *error set on failure, and the target untouched
bool WriteFileAtomically(const std::string& path, const std::function<bool(std::ostream&)>& write,
                         std::string* error);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_ATOMIC_FILE_H_
