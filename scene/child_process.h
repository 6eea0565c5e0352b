// Running a parser that is not ours to make memory-safe in a child process. Debian's libhdf5
// overflows heap buffers on some corrupt files (found by tests/fuzz, inside H5Aexists'
// object-header walk): in our process that is undefined behaviour, a crash at best. Read in a
// forked child, the worst a corrupt file can do is end the child; the caller gets the bytes
// the child produced, or one line saying why there are none.

#ifndef MJHYBRID_SCENE_CHILD_PROCESS_H_
#define MJHYBRID_SCENE_CHILD_PROCESS_H_

#include <functional>
#include <string>

namespace mjhybrid::scene {

// Runs `produce` in a forked child and returns what it returned. Throws one line: the message
// of what `produce` threw, or "the reader crashed (signal N)" when the child died. The child
// only runs `produce` and ends with _exit (no atexit handlers, no stdio flush), and `produce`
// must not rely on other threads of this process (after fork the child has only this one).
std::string RunInChildProcess(const std::function<std::string()>& produce);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_CHILD_PROCESS_H_
