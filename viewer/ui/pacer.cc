#include "viewer/ui/pacer.h"

#include <algorithm>
#include <cmath>

namespace mjhybrid::viewer {

long Pacer::Due(double wall_seconds, double speed) {
  // the fraction of a step left over is kept, so a slow speed still advances (0.05x at 60
  // frames per second and a 2 ms timestep is one step every 2.4 frames)
  if (fixed_) {
    owed_ += speed / kNominalFrameRate / timestep_;
    const double due = std::floor(owed_);
    owed_ -= due;
    return static_cast<long>(due);
  }
  owed_ += speed * std::clamp(wall_seconds, 0.0, kLongestFrame);
  const double due = std::floor(owed_ / timestep_);
  owed_ -= due * timestep_;
  return static_cast<long>(due);
}

}  // namespace mjhybrid::viewer
