// mjhybrid.residual: a PASSIVE engine plugin that adds a learned residual to the analytic
// dynamics. Thin glue: it reads the config, loads the shared model, measures the model's
// contact pairs, and forwards each engine callback to the MuJoCo-free core (ResidualEvaluator).
//
//   compute  (inside mj_passive, possibly 4x per step under RK4): idempotent; changes no state.
//            augment: adds the whole-state residual force to qfrc_passive, or, for a
//            velocity model (output dqvel), only computes the features of the start state
//            (under RK4 in its first evaluation; stages 2-4 leave them, and stage 2 reads the
//            solver's response at the start state). A model trained at a control period of
//            k > 1 physics steps is evaluated at the period's first step only; the other
//            k - 1 apply the correction held in plugin_state (plugin/core/plugin_state.h).
//            params: sets the contact parameters of a contact-parameter model on its pairs'
//            contacts and rebuilds their constraint rows (contact_rewrite.h), in every
//            evaluation, RK4 stages included.
//            replace: for each contact pair within range, applies the learned wrench with
//            mj_applyFT (the scene has switched the pair's native contact off).
//   advance  (once per step, after integration): runs a velocity model's network (its
//            constraint-response features, if any, are h*(qacc - qacc_smooth) at the step's
//            start state) and
//            applies the correction (qvel += dv, qpos moved on by h*dv: past the solver, which
//            cannot cancel it), or the held one mid-period; at a period's first step, holds
//            the correction just computed; pushes the applied ctrl into the history (once per control
//            period the model was trained at, plugin/core/plugin_state.h) and records the
//            step's diagnostics (saturation, ensemble spread) in plugin_state
//   reset    zeroes the history and the counters
//
// Errors in the config or the model file surface when the model is compiled, as a MuJoCo error
// naming the instance, the key or file, and what would be valid; so does a `member` index the
// model's ensemble does not have.

#ifndef MJHYBRID_PLUGIN_MUJOCO_RESIDUAL_PLUGIN_H_
#define MJHYBRID_PLUGIN_MUJOCO_RESIDUAL_PLUGIN_H_

#include <mujoco/mujoco.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugin/core/plugin_config.h"
#include "plugin/core/plugin_state.h"
#include "plugin/core/residual_evaluator.h"
#include "plugin/mujoco/contact_pairs.h"
#include "plugin/mujoco/contact_rewrite.h"

namespace mjhybrid {

inline constexpr char kPluginName[] = "mjhybrid.residual";

class ResidualPlugin {
 public:
  // null after a MuJoCo warning when the config or the model does not fit the scene; null
  // with *scene_error set when the scene itself is wrong for the mode (the caller raises it)
  static std::unique_ptr<ResidualPlugin> Create(const mjModel* m, mjData* d, int instance,
                                                std::string* scene_error);
  static void RegisterPlugin();

  // number of plugin_state values; raises a MuJoCo error (a compile error) on bad config
  static int StateSize(const mjModel* m, int instance);

  void Compute(const mjModel* m, mjData* d, int instance);
  void Advance(const mjModel* m, mjData* d, int instance);
  void Reset(mjtNum* plugin_state);

  const PluginStateLayout& state_layout() const { return state_layout_; }

 private:
  // false when the state or the network output is not finite
  bool ComputeWholeState(const mjModel* m, mjData* d, int instance);
  bool ComputeContact(const mjModel* m, mjData* d);
  // a velocity model's network, once the solver has run, and its correction
  void FinishVelocity(const mjModel* m, mjData* d, int instance);
  // qvel += dv, qpos moved on by h * dv
  void ApplyVelocity(const mjModel* m, mjData* d, const mjtNum* dv);
  // zero residual, warned once
  void NonFinite(const mjModel* m, const mjData* d, int instance);

  ResidualPlugin(PluginConfig config, std::shared_ptr<const ResidualModel> model);

  PluginConfig config_;
  PluginStateLayout state_layout_;
  std::optional<ResidualEvaluator> evaluator_;  // empty in mode off without a model
  std::vector<mjtNum> residual_;                // nv scratch, sized once in Create
  // this step's start state has been evaluated (at begun_time_): a velocity model's features,
  // which Advance finishes, or a held force model's correction, which RK4 stages 2-4 reuse
  bool step_begun_ = false;
  double begun_time_ = 0;
  bool response_taken_ = false;  // RK4: the start state's solver response, read in stage 2
  // a compute inside an RK4 step after its start state's (stages 2-4)
  bool InRungeKuttaStage(const mjModel* m, const mjData* d) const;
  std::vector<mjtNum> constraint_dv_;  // nv scratch: h * (qacc - qacc_smooth)
  std::vector<ResolvedPair> pairs_;             // the model's contact pairs in this scene
  std::vector<PairState> pair_states_;          // their measurement, scratch
  std::vector<double> wrenches_;                // kWrenchSize per pair, scratch
  ResidualDiagnostics last_;  // of the last evaluation; written to plugin_state in Advance
  bool warned_non_finite_ = false;
  // mode params: the contact-parameter model's values, applied to its pairs' contacts
  ContactRewrite rewrite_;
  bool has_rewrite_ = false;
  friend ContactRewrite* ContactRewriteOf(const mjModel* m, mjData* d, int instance);
};

// what loading this instance's config and model gives: the plugin pieces, or one error line
struct LoadedInstance {
  PluginConfig config;
  std::shared_ptr<const ResidualModel> model;  // null in mode off without a model, and in mode params
  std::shared_ptr<const ContactParamsModel> params;  // mode params only
  ContactRewrite rewrite;  // mode params: prepared for this scene
  int clamped = 0;         // values the preparation clamped into their stable range
  std::vector<ResolvedPair> pairs;             // the model's contact pairs in this scene
  std::string error;

  PluginStateLayout StateLayout(int nu, int nv) const {
    // a contact model sees no control history, and its wrenches follow the contact points
    // through a period; a whole-state model trained at k > 1 steps holds its correction
    const bool whole_state = model && model->features.kind == ResidualKind::kWholeState;
    const int substeps = model ? model->signature.ControlSubsteps() : 1;
    return {nu, whole_state ? model->features.ctrl_history : 0, substeps, whole_state && substeps > 1 ? nv : 0};
  }
  // the plugin_state slice this instance needs: none without a model
  int StateSize(int nu, int nv) const { return model ? StateLayout(nu, nv).size() : 0; }
};
LoadedInstance LoadInstance(const mjModel* m, int instance);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_MUJOCO_RESIDUAL_PLUGIN_H_
