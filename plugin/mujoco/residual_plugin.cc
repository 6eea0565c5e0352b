#include "plugin/mujoco/residual_plugin.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <set>

#include "plugin/core/contact_params.h"
#include "plugin/core/model_metadata.h"
#include "plugin/mujoco/constraint_response.h"
#include "plugin/mujoco/state_layout_from_model.h"

namespace mjhybrid {

namespace {

std::string InstanceName(const mjModel* m, int instance) {
  const char* name = mj_id2name(m, mjOBJ_PLUGIN, instance);
  return std::string(kPluginName) + (name ? " instance '" + std::string(name) + "'" : "");
}

// the longest error we hand to mju_error (MuJoCo's own message buffer is 1000 characters)
constexpr int kErrorSize = 1000;

std::string BodyName(const mjModel* m, int body) {
  const char* name = mj_id2name(m, mjOBJ_BODY, body);
  return name ? name : "#" + std::to_string(body);
}

bool FirstWarningFor(const std::string& path) {
  static std::mutex mutex;
  static std::set<std::string> warned;
  std::lock_guard<std::mutex> lock(mutex);
  return warned.insert(path).second;
}

// mode params: a contact-parameter model, checked against the scene by preparing its rewrite
LoadedInstance LoadParamsOrThrow(const mjModel* m, int instance, LoadedInstance out) {
  std::string why;
  out.params = SharedContactParams(out.config.model, &why);
  if (!out.params) {
    out.error = InstanceName(m, instance) + ": " + why;
    return out;
  }
  why = CheckSignature(out.params->signature, StateLayoutFromModel(m));
  if (why.empty()) why = out.rewrite.Prepare(m, *out.params, &out.clamped);
  if (!why.empty()) {
    out.error = InstanceName(m, instance) + ": " + out.config.model + ": " + why;
    out.params.reset();
  }
  return out;
}

LoadedInstance LoadInstanceOrThrow(const mjModel* m, int instance) {
  LoadedInstance out;
  auto get = [&](const char* key) {
    const char* v = mj_getPluginConfig(m, instance, key);
    return std::string(v ? v : "");
  };
  std::string why;
  const std::vector<std::string> folders = ModelSearchFolders();
  if (!ParsePluginConfig(get, folders, &out.config, &why)) {
    out.error = InstanceName(m, instance) + ": " + why;
    return out;
  }
  if (out.config.model.empty()) return out;
  if (std::string missing = MissingRelativeModel(get("model"), folders); !missing.empty()) {
    out.error = InstanceName(m, instance) + ": " + missing;
    return out;
  }
  if (out.config.mode == ResidualMode::kParams) return LoadParamsOrThrow(m, instance, std::move(out));
  if (IsContactParamsFile(out.config.model)) {
    out.error = InstanceName(m, instance) + ": " + out.config.model +
                ": this is a contact-parameter model; use mode 'params'";
    return out;
  }
  out.model = SharedResidualModel(out.config.model, &why);
  if (!out.model) {
    out.error = InstanceName(m, instance) + ": " + why;
    return out;
  }
  auto fail = [&](const std::string& why) {
    out.error = InstanceName(m, instance) + ": " + out.config.model + ": " + why;
    out.model.reset();
    return out;
  };
  std::string mismatch = CheckSignature(*out.model, StateLayoutFromModel(m));
  if (!mismatch.empty()) return fail(mismatch);
  // the config parser cannot know the ensemble size: a member the model lacks is a
  // model/config mismatch like the ones above, refused when the scene compiles
  mismatch = CheckMember(out.config.member, *out.model->network);
  if (!mismatch.empty()) return fail(mismatch);
  const FeatureSpec& spec = out.model->features;
  mismatch = ResolveContactPairs(m, spec.contact_pairs, &out.pairs);
  if (!mismatch.empty()) return fail(mismatch);
  const bool contact_model = spec.kind == ResidualKind::kContact;
  if (out.config.mode == ResidualMode::kReplace && !contact_model) {
    return fail("mode 'replace' needs a contact model (trained with `mjhybrid train --replace`), "
                "this one is a whole-state residual; use mode 'augment'");
  }
  if (out.config.mode == ResidualMode::kAugment && contact_model) {
    return fail("this is a contact model (pair wrenches); use mode 'replace'");
  }
  return out;
}

// mode replace: the scene must switch the pairs' native contact off. Checked when mjData is
// made, not in nstate: MuJoCo fills the exclude table after it has asked for the state size.
std::string ReplacedContactStillNative(const mjModel* m, int instance, const LoadedInstance& loaded) {
  if (loaded.config.mode != ResidualMode::kReplace || !loaded.model) return "";
  for (size_t i = 0; i < loaded.pairs.size(); ++i) {
    std::string native = NativeContact(m, loaded.pairs[i]);
    if (native.empty()) continue;
    const ContactPair& p = loaded.model->features.contact_pairs[i];
    return InstanceName(m, instance) + ": mode 'replace': geoms '" + p.geom1.name + "' and '" +
           p.geom2.name + "' still collide natively (" + native + "); add <contact><exclude body1=\"" +
           BodyName(m, loaded.pairs[i].body1) + "\" body2=\"" + BodyName(m, loaded.pairs[i].body2) +
           "\"/> (mjhybrid attach writes it)";
  }
  return "";
}

}  // namespace

LoadedInstance LoadInstance(const mjModel* m, int instance) {
  // no exception may escape into MuJoCo: it cannot unwind through the engine's frames
  try {
    return LoadInstanceOrThrow(m, instance);
  } catch (const std::exception& e) {
    LoadedInstance out;
    out.error = InstanceName(m, instance) + ": " + e.what();
    return out;
  }
}


int ResidualPlugin::StateSize(const mjModel* m, int instance) {
  char error[kErrorSize] = "";
  int size = 0;
  {
    LoadedInstance loaded = LoadInstance(m, instance);
    if (loaded.error.empty()) {
      size = loaded.StateSize(static_cast<int>(m->nu), static_cast<int>(m->nv));
    } else {
      std::snprintf(error, sizeof(error), "%s", loaded.error.c_str());
    }
  }
  // during compilation this becomes the compile error the user sees. mju_error does not come
  // back: MuJoCo unwinds past this frame without running destructors, so nothing that owns
  // memory may be alive here (found by scripts/sanitize.sh: every refused scene leaked)
  if (error[0]) mju_error("%s", error);
  return size;
}

std::unique_ptr<ResidualPlugin> ResidualPlugin::Create(const mjModel* m, mjData* d, int instance,
                                                       std::string* scene_error) {
  LoadedInstance loaded = LoadInstance(m, instance);
  if (!loaded.error.empty()) {
    mju_warning("%s", loaded.error.c_str());
    return nullptr;
  }
  *scene_error = ReplacedContactStillNative(m, instance, loaded);
  if (!scene_error->empty()) return nullptr;
  // the file may have changed since compilation; the state slice was sized for the old one
  const int nu = static_cast<int>(m->nu);
  if (loaded.StateSize(nu, m->nv) != m->plugin_statenum[instance]) {
    mju_warning("%s: model file changed since the scene was compiled; reload the scene",
                InstanceName(m, instance).c_str());
    return nullptr;
  }
  if (loaded.params) {
    std::unique_ptr<ResidualPlugin> plugin(new ResidualPlugin(loaded.config, nullptr));
    plugin->rewrite_ = std::move(loaded.rewrite);
    plugin->has_rewrite_ = true;
    const int clamped = loaded.clamped;
    // once per file and process: every rollout worker makes its own mjData
    if (clamped > 0 && FirstWarningFor(loaded.config.model)) {
      mju_warning("%s: %d contact parameter value(s) outside the stable range at timestep %g s, clamped "
                  "(plugin/core/contact_params.h StableRange)", InstanceName(m, instance).c_str(), clamped,
                  m->opt.timestep);
    }
    return plugin;
  }
  std::unique_ptr<ResidualPlugin> plugin(new ResidualPlugin(loaded.config, loaded.model));
  plugin->state_layout_ = loaded.StateLayout(nu, m->nv);
  plugin->residual_.resize(m->nv);
  plugin->constraint_dv_.resize(m->nv);
  plugin->pairs_ = loaded.pairs;
  plugin->pair_states_.resize(loaded.pairs.size());
  plugin->wrenches_.resize(kWrenchSize * loaded.pairs.size());
  return plugin;
}

ResidualPlugin::ResidualPlugin(PluginConfig config, std::shared_ptr<const ResidualModel> model)
    : config_(std::move(config)) {
  if (model) evaluator_.emplace(std::move(model), config_.member);
}

void ResidualPlugin::Reset(mjtNum* plugin_state) {
  std::fill(plugin_state, plugin_state + (evaluator_ ? state_layout_.size() : 0), 0.0);
}

void ResidualPlugin::Compute(const mjModel* m, mjData* d, int instance) {
  // contact parameters hold in every evaluation, RK4 stages included: collision runs in each
  if (has_rewrite_) {
    rewrite_.Apply(m, d);
    return;
  }
  if (config_.mode == ResidualMode::kOff || !evaluator_) return;
  const bool velocity = evaluator_->model().features.output == ResidualOutput::kVelocity;
  const mjtNum* state = d->plugin_state + m->plugin_stateadr[instance];
  if (state_layout_.MidPeriod(state)) {
    // the correction of the period's first step holds (a velocity model's is applied in Advance)
    if (!velocity) mju_addTo(d->qfrc_passive, state + state_layout_.held_correction(), m->nv);
    return;
  }
  if (step_begun_ && InRungeKuttaStage(m, d)) {
    if (!velocity) {
      // a held force model: the start state's correction holds through the stages as well
      mju_addTo(d->qfrc_passive, residual_.data(), m->nv);
      return;
    }
    // stages 2-4 of an RK4 step: the step's start features stand. The solver's response at
    // the start state is still in qacc and qacc_smooth when stage 2 reaches this point (they
    // are recomputed after mj_passive)
    if (!response_taken_ && evaluator_->model().features.constraint_response) {
      ConstraintResponse(m, d, constraint_dv_.data());
      response_taken_ = true;
    }
    return;
  }
  step_begun_ = false;
  last_ = ResidualDiagnostics();
  bool ok = false;
  try {
    ok = config_.mode == ResidualMode::kReplace ? ComputeContact(m, d) : ComputeWholeState(m, d, instance);
  } catch (const std::exception&) {
    ok = false;  // e.g. a TorchScript module throwing; treated like a non-finite output
  }
  if (!ok) NonFinite(m, d, instance);
}

void ResidualPlugin::NonFinite(const mjModel* m, const mjData* d, int instance) {
  last_ = ResidualDiagnostics();
  step_begun_ = false;
  std::fill(residual_.begin(), residual_.end(), 0.0);  // what a held period carries on
  if (!warned_non_finite_) {
    mju_warning("%s: non-finite state or network output at time %g; residual set to zero "
                "(warned once per mjData)", InstanceName(m, instance).c_str(), d->time);
    warned_non_finite_ = true;
  }
}

bool ResidualPlugin::ComputeWholeState(const mjModel* m, mjData* d, int instance) {
  const double range = evaluator_->model().features.contact_range;
  for (size_t i = 0; i < pairs_.size(); ++i) MeasurePair(m, d, pairs_[i], range, &pair_states_[i]);
  const mjtNum* history = d->plugin_state + m->plugin_stateadr[instance];
  if (evaluator_->model().features.output == ResidualOutput::kVelocity) {
    // the features of the step's start state; the network runs in Advance, once the analytic
    // step (solver included) is done
    evaluator_->BeginStep(d->qpos, d->qvel, d->ctrl, history, pair_states_.data());
    step_begun_ = true;
    begun_time_ = d->time;
    response_taken_ = false;
    return true;
  }
  if (!evaluator_->Compute(d->qpos, d->qvel, d->ctrl, history, pair_states_.data(), config_.scale,
                           residual_.data(), &last_)) {
    return false;
  }
  mju_addTo(d->qfrc_passive, residual_.data(), m->nv);
  if (state_layout_.held > 0) {
    step_begun_ = true;
    begun_time_ = d->time;
  }
  return true;
}

bool ResidualPlugin::ComputeContact(const mjModel* m, mjData* d) {
  // the network runs only for pairs that are close: far apart, they exchange nothing. Every
  // wrench is computed before any is applied, so a failing pair leaves no partial residual.
  const double range = evaluator_->model().features.contact_range;
  for (size_t i = 0; i < pairs_.size(); ++i) {
    PairState& s = pair_states_[i];
    MeasurePair(m, d, pairs_[i], range, &s);
    if (!s.near) continue;
    ResidualDiagnostics pair;
    if (!evaluator_->ComputePairWrench(static_cast<int>(i), s, config_.scale,
                                       wrenches_.data() + kWrenchSize * i, &pair)) {
      return false;
    }
    last_.saturated += pair.saturated;
    last_.spread = std::max(last_.spread, pair.spread);
  }
  for (size_t i = 0; i < pairs_.size(); ++i) {
    if (pair_states_[i].near) ApplyPairWrench(m, d, pairs_[i], pair_states_[i], wrenches_.data() + kWrenchSize * i, d->qfrc_passive);
  }
  return true;
}

bool ResidualPlugin::InRungeKuttaStage(const mjModel* m, const mjData* d) const {
  // mj_RungeKutta evaluates its stages at t + h/2, t + h/2 and t + h after the start state's
  // mj_forward at t; a compute at t again (mj_forward, then mj_step) or anywhere else is a new
  // start state
  return m->opt.integrator == mjINT_RK4 && d->time > begun_time_ &&
         d->time <= begun_time_ + m->opt.timestep * (1 + 1e-9);
}

void ResidualPlugin::FinishVelocity(const mjModel* m, mjData* d, int instance) {
  // the solver's response at the step's start state: what qacc holds after an Euler or
  // implicit step, and what stage 2 of an RK4 step found
  if (evaluator_->model().features.constraint_response && m->opt.integrator != mjINT_RK4) {
    ConstraintResponse(m, d, constraint_dv_.data());
  }
  bool ok = false;
  try {
    ok = evaluator_->FinishStep(constraint_dv_.data(), config_.scale, residual_.data(), &last_);
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok) {
    NonFinite(m, d, instance);
    return;
  }
  ApplyVelocity(m, d, residual_.data());
}

void ResidualPlugin::ApplyVelocity(const mjModel* m, mjData* d, const mjtNum* dv) {
  // a correction of exactly zero (scale 0) is skipped, so that it leaves the state bit for bit
  // alone (mj_integratePos renormalizes quaternions)
  if (std::none_of(dv, dv + m->nv, [](mjtNum v) { return v != 0; })) return;
  mju_addTo(d->qvel, dv, m->nv);
  mj_integratePos(m, d->qpos, dv, m->opt.timestep);
}

void ResidualPlugin::Advance(const mjModel* m, mjData* d, int instance) {
  if (!evaluator_) return;
  // state changes only here, once per step; the diagnostics are those of the step's last
  // evaluation (the final RK4 stage; mid-period, the period's first step's)
  mjtNum* state = d->plugin_state + m->plugin_stateadr[instance];
  const bool velocity = evaluator_->model().features.output == ResidualOutput::kVelocity;
  if (state_layout_.MidPeriod(state)) {
    if (velocity) ApplyVelocity(m, d, state + state_layout_.held_correction());
  } else {
    if (velocity && step_begun_) {
      FinishVelocity(m, d, instance);
    } else if (velocity) {
      std::fill(residual_.begin(), residual_.end(), 0.0);  // nothing was evaluated (mode off)
    }
    if (state_layout_.held > 0) mju_copy(state + state_layout_.held_correction(), residual_.data(), m->nv);
  }
  step_begun_ = false;
  state_layout_.PushControl(state, d->ctrl);
  state[state_layout_.saturated_last()] = last_.saturated;
  state[state_layout_.spread()] = last_.spread;
  state[state_layout_.saturated_total()] += last_.saturated;
  state[state_layout_.spread_total()] += last_.spread;
}

void ResidualPlugin::RegisterPlugin() {
  mjpPlugin plugin;
  mjp_defaultPlugin(&plugin);
  plugin.name = kPluginName;
  plugin.capabilityflags |= mjPLUGIN_PASSIVE;
  plugin.nattribute = kConfigKeyCount;
  plugin.attributes = kConfigKeys;
  plugin.nstate = +[](const mjModel* m, int instance) { return StateSize(m, instance); };

  plugin.init = +[](const mjModel* m, mjData* d, int instance) {
    char error[kErrorSize] = "";
    {
      std::unique_ptr<ResidualPlugin> p;
      std::string scene_error;
      try {
        p = ResidualPlugin::Create(m, d, instance, &scene_error);
      } catch (const std::exception& e) {
        mju_warning("%s: %s", kPluginName, e.what());
      }
      if (p) {
        d->plugin_data[instance] = reinterpret_cast<uintptr_t>(p.release());
        return 0;
      }
      std::snprintf(error, sizeof(error), "%s", scene_error.c_str());
    }
    // a scene error, not a transient one: an error, not a warning, when mjData is made; raised
    // once nothing of ours is alive (mju_error does not come back)
    if (error[0]) mju_error("%s", error);
    return -1;
  };
  plugin.destroy = +[](mjData* d, int instance) {
    delete reinterpret_cast<ResidualPlugin*>(d->plugin_data[instance]);
    d->plugin_data[instance] = 0;
  };
  plugin.reset = +[](const mjModel* m, mjtNum* plugin_state, void* plugin_data, int instance) {
    reinterpret_cast<ResidualPlugin*>(plugin_data)->Reset(plugin_state);
  };
  plugin.compute = +[](const mjModel* m, mjData* d, int instance, int capability_bit) {
    reinterpret_cast<ResidualPlugin*>(d->plugin_data[instance])->Compute(m, d, instance);
  };
  plugin.advance = +[](const mjModel* m, mjData* d, int instance) {
    reinterpret_cast<ResidualPlugin*>(d->plugin_data[instance])->Advance(m, d, instance);
  };
  mjp_registerPlugin(&plugin);
}

}  // namespace mjhybrid
