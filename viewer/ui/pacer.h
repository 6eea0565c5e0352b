// How many physics steps each frame takes. Interactive, the worlds follow the wall clock at the
// chosen speed; a frame that cannot keep up (a slow machine, a high speed) lets the simulation
// fall behind instead of owing ever more steps to the next frame, the "spiral of death".
// Fixed, every frame advances the same simulated time (speed / 60 s), so that a recorded run
// (--frames) is the same on every machine.

#ifndef MJHYBRID_VIEWER_UI_PACER_H_
#define MJHYBRID_VIEWER_UI_PACER_H_

namespace mjhybrid::viewer {

class Pacer {
 public:
  static constexpr double kNominalFrameRate = 60;
  static constexpr double kLongestFrame = 0.1;  // wall seconds; a longer frame counts as this

  Pacer(double timestep, bool fixed) : timestep_(timestep), fixed_(fixed) {}

  // the steps due this frame, `wall_seconds` after the previous one. Steps due but not taken
  // (the frame ran out of time) are dropped: the next frame owes only its own.
  long Due(double wall_seconds, double speed);
  // paused: nothing is owed when the clock runs again
  void Clear() { owed_ = 0; }

 private:
  double timestep_;
  bool fixed_;
  double owed_ = 0;  // simulated seconds (interactive) or steps (fixed) not yet taken
};

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_UI_PACER_H_
