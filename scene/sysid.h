// System identification: the sceptic's first answer to a sim-to-real gap. Fits the physical
// parameters of the analytic model that an engineer would fit (joint damping, armature and
// friction loss, actuator gains, contact friction and softness, the masses of free bodies) to
// real trajectories by Levenberg-Marquardt on multi-step error, with the Jacobian taken by
// finite differences through mj_step (the black-box rule holds: only recorded states and
// controls are used).
//
// Every parameter is a non-negative physical value p, searched as p = p0 * exp(theta) when its
// nominal value p0 is positive (a scale cannot flip sign and moves in ratios) and as
// p = scale * theta when p0 is zero (friction loss or armature a datasheet left out).
//
// Actuator lag is structure as well as a value. Real motors lag their commands (current loops,
// drive electronics): a state that no parameter of an actuator without dynamics can add, and
// what sysid otherwise trades armature and damping for (hopper). With
// SysidOptions::actuator_lag, IdentifyScene gives every actuator that sim.xml declares without
// dynamics a first-order lag (dyntype filter, actearly, so that the force follows the new
// activation at once) and searches its time constant with the rest, from one timestep (where
// under Euler the lag is none at all) up. The search starts at the best of 1, 2, 4 ... 64
// timesteps by the fitted error of the nominal parameters: from one timestep it stays where
// armature stands in for the lag (on hopper it did). Afterwards the lags are kept only if they lower
// the fitted error by at least 1 % against the same parameters without them (the rule of the
// contact fit's torsional friction, fixed before it ran on any scene): a model keeps the
// simpler structure, and its cheaper step, unless the data ask for the state. Rollouts of a
// lagged model start from the activation the recorded controls leave (scene/activation.h).

#ifndef MJHYBRID_SCENE_SYSID_H_
#define MJHYBRID_SCENE_SYSID_H_

#include <mujoco/mujoco.h>

#include <optional>
#include <string>
#include <vector>

#include "scene/dataset.h"
#include "scene/mujoco_util.h"

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
  enum class Kind { kDamping, kArmature, kFrictionLoss, kGain, kFriction, kSolrefTime, kSolrefDamping, kMass, kLag };
  Kind kind = Kind::kDamping;
  int index = 0;  // dof, actuator, body, or the friction component (0 sliding, 1 torsional, 2 rolling)
  // a lag's time constant stays at or above one timestep: a filter is stable there under every
  // integrator, and under Euler one step reaches the command (no lag at all)
  double floor = 0;
  bool added = false;  // a lag sysid gave an actuator that sim.xml declares without dynamics
};

// the parameters an engineer would fit on this model: damping, armature and friction loss of
// every hinge and slide DOF; the gain of every actuator and the time constant of its lag (one
// with dynamics filter or filterexact); with contacts and `contact` true, the friction
// coefficients and solref of all colliding geoms (one shared factor each); the mass (with the
// inertia) of every body
std::vector<SysidParameter> SysidParameters(const mjModel* m, bool contact = true);

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
  // IdentifyScene: try a lag on actuators without dynamics (above). Off unless asked for
  // (scene.json "sysid": {"actuator_lag": true}): on the unseen pairs it cost up to 2.8 points
  bool actuator_lag = false;
  // Levenberg-Marquardt tries a step that helps at 2, 4 ... 2^N times its length
  // (scene/least_squares.h). Off unless asked for: on hopper 20 iterations then reach a third
  // of the error they otherwise do, on flipper and kicker the first long step leads into a
  // worse basin (README)
  int step_doublings = 0;
  // after Levenberg-Marquardt, this many sweeps of compass search (scene/least_squares.h) on
  // the same error. Levenberg-Marquardt's finite-difference Jacobian (steps of 1 % in theta) is
  // blind where the error is rough at that scale: on hopper the leg's and foot's friction loss
  // stayed at 0.05 and 0.08 N m while 3 N m lowers the fitted error by 8 %, and no damped
  // step along the local gradient found it. 0: none (README, "A compass polish after Levenberg-Marquardt")
  int polish_sweeps = 0;
  // IdentifyAndWrite: the whole fit (Levenberg-Marquardt, then the polish) this many times,
  // each round from the model the last one wrote. A new round starts Levenberg-Marquardt's
  // damping and the compass steps afresh around values the last round left, which is where a
  // rough error had stalled both: on hopper a second round takes the fitted error from 0.00184
  // to 0.00167 and the hybrid built on it from 91.1 / 85.5 % to 92.4 / 87.4 % (README,
  // "A compass polish after Levenberg-Marquardt"). 1: one fit
  int rounds = 1;
  // a contact-parameter model (fit-params' safetensors): identify with its pairs in place, as
  // `attach --params` declares them. The shared contact factors are then not searched (each
  // pair's values are the contact fit's), no lag is added (the first identification decided
  // that), and the written model holds the physical parameters alone. Why: sysid's shared
  // factors cannot tell hopper's ground from its legs, so the physical parameters fitted beside
  // them bend to make up for the wrong contact; fitted again beside the per-pair contact (and the
  // pairs then again), they take hopper's identified model with its contact parameters from
  // 90.3 / 82.7 % to 92.5 / 88.6 % at h = 10 / 100 (README, "Contact rounds"). Empty: none
  std::string contact_params;
};

struct SysidResult {
  std::vector<SysidParameter> parameters;  // with the identified theta
  double initial_cost = 0, final_cost = 0;  // mean squared normalized error per residual
  int iterations = 0;
  double polished_from = 0;  // with polish_sweeps: the cost Levenberg-Marquardt ended at
  long long rollouts = 0;  // window rollouts per cost evaluation
  // with SysidOptions::actuator_lag: the fitted error of the same parameters without the added
  // lags (none when no lag was tried), and whether the lags were kept (the 1 % rule)
  std::optional<double> cost_without_lag;
  bool lag_kept = false;
  double first_round_cost = 0;  // IdentifyAndWrite: where the first round ended (the lag decision's)
};

// identifies the parameters of `m` (left untouched) from the training episodes of `data`
SysidResult Identify(const mjModel* m, const TrajectoryDataset& data, const SysidOptions& options);

// sim.xml compiled with a lag (at the floor) on every actuator it declares without dynamics;
// `lagged` says whether there was any
ModelPtr WithActuatorLag(const std::string& sim_path, bool* lagged);

// the scene at `path` as sysid fits it: with SysidOptions::contact_params, with those contact
// parameters' pairs in place (compiled as `attach --params` writes it), else as written
ModelPtr SysidScene(const std::string& path, const SysidOptions& options);

// identifies sim_path's parameters, with SysidOptions::actuator_lag also the added lags and
// whether to keep them (above); the result's parameters hold the added lags only if kept
SysidResult IdentifyScene(const std::string& sim_path, const TrajectoryDataset& data, const SysidOptions& options);

// IdentifyScene, then the identified model written to out_path (SysidMjcf); each further
// round (SysidOptions::rounds) identifies the model just written and overwrites it. The
// result's parameters are the last round's, their nominal values the previous round's
// identified ones; initial_cost is sim_path's, iterations add up over the rounds, and the
// actuator-lag decision is the first round's (later rounds keep what it kept)
SysidResult IdentifyAndWrite(const std::string& sim_path, const TrajectoryDataset& data, const SysidOptions& options,
                             const std::string& out_path);

// a copy of m with the identified values
mjModel* ApplySysid(const mjModel* m, const std::vector<SysidParameter>& parameters);

// sim.xml with the identified values (and any added lag) written in, as MJCF text to be
// written to `out_path`:
// asset folders relative to sim.xml's are rewritten relative to out_path's folder, so the file
// compiles where it is written and keeps working when the whole tree moves
std::string SysidMjcf(const std::string& sim_path, const std::vector<SysidParameter>& parameters,
                      const std::string& out_path);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_SYSID_H_
