// System identification: the sceptic's first answer to a sim-to-real gap. Fits the physical
// parameters of the analytic model that an engineer would fit (joint damping, armature and
// friction loss, actuator gains, contact friction and softness, the masses of free bodies) to
// real trajectories by Levenberg-Marquardt on multi-step error, with the Jacobian taken by
// finite differences through mj_step (the black-box rule holds: only recorded states and
// controls are used).
//
// Every parameter is a non-negative physical value p, searched as p = p0 * exp(theta) when its
// nominal value p0 is positive (a scale cannot flip sign and moves in ratios) and as
// p = scale * theta^2 when p0 is zero (friction loss or armature a datasheet left out).

#ifndef MJHYBRID_SCENE_SYSID_H_
#define MJHYBRID_SCENE_SYSID_H_

#include <mujoco/mujoco.h>

#include <string>
#include <vector>

#include "scene/dataset.h"

namespace mjhybrid::scene {

// one identified quantity; it may set several entries of mjModel (a position actuator's kp is
// both its gain and its bias)
struct SysidParameter {
  std::string name;   // "damping shoulder", "gain elbow_motor", "friction sliding", "mass object"
  double nominal = 0;
  double scale = 0;   // used when nominal is 0
  double theta = 0;   // the search variable

  double value() const;
  // writes value() into m (see SysidParameters for what each one touches)
  void Apply(mjModel* m) const;

  // where it lives in mjModel
  enum class Kind { kDamping, kArmature, kFrictionLoss, kGain, kFriction, kSolrefTime, kSolrefDamping, kMass };
  Kind kind = Kind::kDamping;
  int index = 0;  // dof, actuator, body, or the friction component (0 sliding, 1 torsional, 2 rolling)
};

// the parameters an engineer would fit on this model: damping, armature and friction loss of
// every hinge and slide DOF; the gain of every actuator; with contacts, the friction
// coefficients and solref of all colliding geoms (one shared factor each); the mass of every
// body carried by a free joint
std::vector<SysidParameter> SysidParameters(const mjModel* m);

struct SysidOptions {
  int horizon = 20;      // steps per rollout window: multi-step error, but short enough that
                         // contact-rich motion stays in the basin of the right answer
  // a window starts every stride steps. 50, as in the contact-parameter fit: on the held-out
  // data of arm2, push, toss and hopper it scores as well as 10 or better at h = 10 and 100
  // (arm2 89.8 / 87.4 % against 86.8 / 80.0 %, toss 47.7 / 19.2 against 35.0 / 11.3, hopper
  // 57.7 / 45.9 against 57.9 / 47.0, push 0 either way) in a fifth of the time (hopper
  // 151 s against 705 s on 2 cores; `mjhybrid sysid --eval` on the demo's data)
  int stride = 50;
  int iterations = 20;   // Levenberg-Marquardt iterations at most
  int threads = 2;
  bool progress = false;
};

struct SysidResult {
  std::vector<SysidParameter> parameters;  // with the identified theta
  double initial_cost = 0, final_cost = 0;  // mean squared normalized error per residual
  int iterations = 0;
  long long rollouts = 0;  // window rollouts per cost evaluation
};

// identifies the parameters of `m` (left untouched) from the training episodes of `data`
SysidResult Identify(const mjModel* m, const TrajectoryDataset& data, const SysidOptions& options);

// a copy of m with the identified values
mjModel* ApplySysid(const mjModel* m, const std::vector<SysidParameter>& parameters);

// sim.xml with the identified values written in, as MJCF text to be written to `out_path`:
// asset folders relative to sim.xml's are rewritten relative to out_path's folder, so the file
// compiles where it is written and keeps working when the whole tree moves
std::string SysidMjcf(const std::string& sim_path, const std::vector<SysidParameter>& parameters,
                      const std::string& out_path);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_SYSID_H_
