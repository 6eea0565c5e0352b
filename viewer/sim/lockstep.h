// The viewer's simulation side, with no ImGui and no OpenGL: the real, analytic and hybrid
// worlds of one scene, stepped in lockstep from the same initial state under the same controls,
// with re-syncs, history and k-step metrics. `mjhybrid-viewer --headless` runs it alone, and
// the tests drive it directly.

#ifndef MJHYBRID_VIEWER_SIM_LOCKSTEP_H_
#define MJHYBRID_VIEWER_SIM_LOCKSTEP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scene/collect.h"
#include "viewer/sim/control_source.h"
#include "viewer/sim/history.h"
#include "viewer/sim/metrics.h"
#include "viewer/sim/scene_files.h"
#include "viewer/sim/world.h"

namespace mjhybrid::viewer {

struct LockstepOptions {
  int history = 4000;      // samples kept for the plots and the CSV
  int sync_every = 0;      // re-sync analytic and hybrid to real every N steps; 0: never
  uint64_t seed = 0;       // random excitation and random starts
};

class Lockstep {
 public:
  // loads the scene's worlds. Throws with one line only when no world can be drawn at all (no
  // analytic and no hybrid world loads); a failing world is kept with its error.
  Lockstep(const SceneFiles& files, const LockstepOptions& options);

  const SceneFiles& files() const { return files_; }
  World& world(WorldKind kind) { return *worlds_[static_cast<int>(kind)]; }
  const World& world(WorldKind kind) const { return *worlds_[static_cast<int>(kind)]; }
  // the live world whose model defines the layout (analytic, else hybrid, else real)
  const World& reference() const { return *reference_; }

  ControlSource& controls() { return *controls_; }
  const ControlSource& controls() const { return *controls_; }
  const std::vector<Channel>& channels() const { return channels_; }  // positions then velocities
  const History& history() const { return history_; }
  const Metrics& metrics() const { return metrics_; }

  long steps() const { return steps_; }      // physics steps since the last reset
  double time() const { return time_; }      // simulated seconds since the last reset
  double timestep() const;
  int sync_every() const { return sync_every_; }
  void set_sync_every(int n) { sync_every_ = n < 0 ? 0 : n; }

  // one physics step of every live world under the same controls; then a periodic re-sync if
  // one is due. Returns false (and does nothing) when a replay has run out of controls.
  bool Step();
  // analytic and hybrid take the real world's qpos and qvel; k-step counting restarts
  void Sync();
  // every world back to the same initial state: a replay's first recorded state, else the
  // scene's random placement (random = true, scene.json's protocol), else qpos0 at rest
  void Reset(bool random = false);
  // the hybrid world's residual settings (see World::Configure)
  bool Configure(const ResidualSettings& settings, std::string* error);

  // whole history to CSV (see History::WriteCsv)
  void WriteCsv(const std::string& path) const { history_.WriteCsv(path, channels_); }

 private:
  // appends the worlds' current state to the history; errors[w] against real
  void Record(StepErrors errors[kWorldCount]);

  SceneFiles files_;
  std::unique_ptr<World> worlds_[kWorldCount];
  const World* reference_ = nullptr;
  std::unique_ptr<ControlSource> controls_;
  std::vector<Channel> channels_;
  History history_;
  Metrics metrics_;
  scene::CollectOptions protocol_;  // where a random reset may place things (scene.json)
  std::vector<double> ctrl_, scratch_;
  int sync_every_;
  uint64_t seed_;
  int resets_ = 0;
  long steps_ = 0;
  double time_ = 0;
};

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_SIM_LOCKSTEP_H_
