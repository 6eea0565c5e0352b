// The process's peak resident memory, for tests that a loader refuses a file claiming a huge
// size without allocating it: the peak before and after the load differ by little.

#ifndef MJHYBRID_TESTS_COMMON_PEAK_MEMORY_H_
#define MJHYBRID_TESTS_COMMON_PEAK_MEMORY_H_

#include <sys/resource.h>

namespace mjhybrid::testutil {

// the largest resident set this process has had so far, in bytes (Linux reports kB)
inline double PeakRssBytes() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss * 1024.0;
}

}  // namespace mjhybrid::testutil

#endif  // MJHYBRID_TESTS_COMMON_PEAK_MEMORY_H_
