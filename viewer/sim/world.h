// One of the viewer's three worlds: an MJCF file, its compiled model and its mjData. A world
// that fails to load (or later diverges) keeps its one-line error and stops stepping; the
// others go on. The hybrid world can be reconfigured live (see residual_settings.h).

#ifndef MJHYBRID_VIEWER_SIM_WORLD_H_
#define MJHYBRID_VIEWER_SIM_WORLD_H_

#include <mujoco/mujoco.h>

#include <string>

#include "scene/mujoco_util.h"
#include "viewer/sim/residual_settings.h"

namespace mjhybrid::viewer {

enum class WorldKind { kReal = 0, kAnalytic = 1, kHybrid = 2 };
inline constexpr int kWorldCount = 3;
const char* WorldLabel(WorldKind kind);  // "real", "analytic", "hybrid"

class World {
 public:
  // path "" means the scene has no such file: the world is absent (not an error)
  World(WorldKind kind, std::string path);

  WorldKind kind() const { return kind_; }
  const char* label() const { return WorldLabel(kind_); }
  const std::string& path() const { return path_; }
  bool present() const { return !path_.empty(); }
  // loaded and not diverged: it steps and is drawn
  bool live() const { return model_ && error_.empty(); }
  // why the world is not live ("" when it is, or when it is absent)
  const std::string& error() const { return error_; }

  const mjModel* model() const { return model_.get(); }
  mjData* data() { return data_.get(); }
  const mjData* data() const { return data_.get(); }

  // refuses (sets the error) a model whose nq, nv or nu differ from the reference world's, or
  // whose timestep does not divide the reference's. A world with a finer timestep (a real
  // system simulated more finely than the nominal model) takes several steps per lockstep step.
  void CheckLayout(const World& reference);
  int substeps() const { return substeps_; }

  // one lockstep step (substeps() physics steps) under ctrl[nu]; a non-finite state or a
  // MuJoCo instability warning makes the world not live, with the time in the error
  void Step(const double* ctrl);
  // back to the initial state, then qpos/qvel (nullptr: the model's own qpos0 and zero); a
  // world that had diverged becomes live again
  void Reset(const double* qpos, const double* qvel);
  // puts the world in the given qpos/qvel (what a robot can be placed in); everything else
  // (actuator activations, the residual's control history) carries on
  void Place(const double* qpos, const double* qvel);

  // hybrid world: the residual's settings and live diagnostics
  bool has_residual() const { return has_residual_; }
  const ResidualSettings& settings() const { return settings_; }
  // recompiles with the new settings, keeping the simulation state; on failure the world keeps
  // running as before and *error says why (the plugin's own message)
  bool Configure(const ResidualSettings& settings, std::string* error);
  double disagreement() const;  // ensemble spread in the last step (0 without a residual)
  double saturated() const;     // features clamped in the last step

 private:
  void Load();
  void Adopt(ModelPtr model);

  WorldKind kind_;
  std::string path_;
  std::string error_;
  ModelPtr model_;
  DataPtr data_;
  bool has_residual_ = false;
  int residual_instance_ = -1;
  int substeps_ = 1;
  ResidualSettings settings_;
};

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_SIM_WORLD_H_
