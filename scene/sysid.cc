#include "scene/sysid.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "plugin/core/state_layout.h"
#include "scene/attach.h"
#include "scene/dataset_fit.h"
#include "scene/least_squares.h"
#include "scene/state_distance.h"
#include "scene/mujoco_util.h"
#include "scene/run_files.h"

namespace mjhybrid::scene {

namespace {

using Kind = SysidParameter::Kind;

// search bounds: positive parameters within a factor of 100 of nominal, added ones up to 100
// times their scale
constexpr double kMaxLogRatio = 4.6;
constexpr double kMaxAdded = 100;
// finite-difference step in theta: 1 % of a positive parameter, 1 % of an added one's scale.
// Large enough to step over the kinks that friction loss and contact put in the error.
constexpr double kDelta = 1e-2;

bool Collides(const mjModel* m, int g) { return m->geom_contype[g] || m->geom_conaffinity[g]; }

}  // namespace

double SysidParameter::value() const {
  return nominal > 0 ? nominal * std::exp(theta) : scale * std::max(0.0, theta);
}

// Shared factors (friction, solref, mass) act on every entry relative to its own nominal value,
// which Apply reads from `reference`, the unmodified model.
namespace {

void ApplyOne(const SysidParameter& p, const mjModel* reference, mjModel* m) {
  const double v = p.value();
  const int i = p.index;
  switch (p.kind) {
    case Kind::kDamping: m->dof_damping[i] = v; break;
    case Kind::kArmature: m->dof_armature[i] = v; break;
    case Kind::kFrictionLoss: m->dof_frictionloss[i] = v; break;
    case Kind::kGain: {
      // a weaker or stronger motor: gain and bias together, so a servo stays a servo
      const double ratio = v / p.nominal;
      m->actuator_gainprm[mjNGAIN * i] = v;
      for (int k = 0; k < 3; ++k) m->actuator_biasprm[mjNBIAS * i + k] = reference->actuator_biasprm[mjNBIAS * i + k] * ratio;
      break;
    }
    case Kind::kFriction:
      for (int g = 0; g < m->ngeom; ++g) m->geom_friction[3 * g + i] = reference->geom_friction[3 * g + i] * v;
      for (int k = 0; k < m->npair; ++k) {
        // explicit pairs: 0,1 sliding, 2 torsional, 3,4 rolling
        const int first = i == 0 ? 0 : i == 1 ? 2 : 3, count = i == 1 ? 1 : 2;
        for (int c = first; c < first + count; ++c) m->pair_friction[5 * k + c] = reference->pair_friction[5 * k + c] * v;
      }
      break;
    case Kind::kSolrefTime:
    case Kind::kSolrefDamping: {
      const int c = p.kind == Kind::kSolrefTime ? 0 : 1;
      for (int g = 0; g < m->ngeom; ++g) m->geom_solref[mjNREF * g + c] = reference->geom_solref[mjNREF * g + c] * v;
      for (int k = 0; k < m->npair; ++k) m->pair_solref[mjNREF * k + c] = reference->pair_solref[mjNREF * k + c] * v;
      break;
    }
    case Kind::kLag: m->actuator_dynprm[mjNDYN * i] = v; break;
    case Kind::kMass: {
      const double ratio = v / p.nominal;
      m->body_mass[i] = v;
      for (int k = 0; k < 3; ++k) m->body_inertia[3 * i + k] = reference->body_inertia[3 * i + k] * ratio;
      break;
    }
  }
}

// writes all parameters into m (a copy of reference) and recomputes the derived constants
void ApplyAll(const std::vector<SysidParameter>& parameters, const mjModel* reference, mjModel* m, mjData* d) {
  for (const SysidParameter& p : parameters) ApplyOne(p, reference, m);
  mj_setConst(m, d);
}

}  // namespace

void SysidParameter::Apply(mjModel* m) const { ApplyOne(*this, m, m); }

std::vector<SysidParameter> SysidParameters(const mjModel* m, bool contact) {
  std::vector<SysidParameter> out;
  auto add = [&](std::string name, Kind kind, int index, double nominal, double scale) {
    SysidParameter p;
    p.name = std::move(name);
    p.kind = kind;
    p.index = index;
    p.nominal = nominal;
    p.scale = scale;
    out.push_back(p);
  };
  auto name_of = [m](mjtObj type, int id) {
    const char* n = mj_id2name(m, type, id);
    return std::string(n && n[0] ? n : std::to_string(id));
  };

  // joints an actuator drives, or whose author wrote a damping, armature or friction loss
  std::vector<bool> driven(m->njnt, false);
  for (int a = 0; a < m->nu; ++a) {
    if (m->actuator_trntype[a] == mjTRN_JOINT) driven[m->actuator_trnid[2 * a]] = true;
  }
  for (int j = 0; j < m->njnt; ++j) {
    if (m->jnt_type[j] != mjJNT_HINGE && m->jnt_type[j] != mjJNT_SLIDE) continue;
    const int v = m->jnt_dofadr[j];
    if (!driven[j] && m->dof_damping[v] == 0 && m->dof_armature[v] == 0 && m->dof_frictionloss[v] == 0) continue;
    // scales for parameters the datasheet left at zero, from the DOF's own inertia
    const double inertia = std::max(1e-6, m->dof_M0[v]);
    const std::string joint = name_of(mjOBJ_JOINT, j);
    add("damping " + joint, Kind::kDamping, v, m->dof_damping[v], inertia);
    add("armature " + joint, Kind::kArmature, v, m->dof_armature[v], 0.1 * inertia);
    add("frictionloss " + joint, Kind::kFrictionLoss, v, m->dof_frictionloss[v], inertia);
  }
  for (int a = 0; a < m->nu; ++a) {
    if (m->actuator_gainprm[mjNGAIN * a] > 0) {
      add("gain " + name_of(mjOBJ_ACTUATOR, a), Kind::kGain, a, m->actuator_gainprm[mjNGAIN * a], 0);
    }
  }
  for (int a = 0; a < m->nu; ++a) {
    const int type = m->actuator_dyntype[a];
    if ((type == mjDYN_FILTER || type == mjDYN_FILTEREXACT) && m->actuator_dynprm[mjNDYN * a] > 0) {
      add("lag " + name_of(mjOBJ_ACTUATOR, a), Kind::kLag, a, m->actuator_dynprm[mjNDYN * a], 0);
      out.back().floor = m->opt.timestep;
    }
  }
  // contact: shared factors on all colliding geoms, when anything can collide
  int colliding = 0, condim = 1;
  for (int g = 0; g < m->ngeom; ++g) {
    if (Collides(m, g)) {
      ++colliding;
      condim = std::max(condim, m->geom_condim[g]);
    }
  }
  if (contact && (colliding >= 2 || m->npair > 0)) {
    add("friction sliding (factor)", Kind::kFriction, 0, 1, 0);
    if (condim >= 4) add("friction torsional (factor)", Kind::kFriction, 1, 1, 0);
    if (condim >= 6) add("friction rolling (factor)", Kind::kFriction, 2, 1, 0);
    add("solref timeconst (factor)", Kind::kSolrefTime, 0, 1, 0);
    add("solref dampratio (factor)", Kind::kSolrefDamping, 0, 1, 0);
  }
  for (int b = 1; b < m->nbody; ++b) {
    if (m->body_mass[b] > 0) add("mass " + name_of(mjOBJ_BODY, b), Kind::kMass, b, m->body_mass[b], 0);
  }
  return out;
}

namespace {

// one model copy and mjData per worker thread
struct Worker {
  explicit Worker(const mjModel* m) : model(mj_copyModel(nullptr, m)), data(MakeData(m)) {}
  ModelPtr model;
  DataPtr data;
};

void ClampTheta(SysidParameter* p) {
  p->theta = p->nominal > 0 ? std::clamp(p->theta, -kMaxLogRatio, kMaxLogRatio) : std::clamp(p->theta, 0.0, kMaxAdded);
  if (p->floor > 0 && p->nominal > 0) p->theta = std::max(p->theta, std::log(p->floor / p->nominal));
}

}  // namespace

SysidResult Identify(const mjModel* m, const TrajectoryDataset& data, const SysidOptions& options) {
  if (data.nq != m->nq || data.nv != m->nv || data.nu != m->nu) {
    throw std::runtime_error("sysid: the dataset's nq/nv/nu (" + std::to_string(data.nq) + "/" + std::to_string(data.nv) +
                             "/" + std::to_string(data.nu) + ") do not match the model's");
  }
  if (WholeSteps(data.timestep, m->opt.timestep) == 0) {
    throw std::runtime_error("sysid: the dataset was recorded every " + std::to_string(data.timestep) +
                             " s, not a whole number of the model's timestep " + std::to_string(m->opt.timestep) + " s");
  }
  SysidResult result;
  result.parameters = SysidParameters(m, options.contact_params.empty());
  std::vector<SysidParameter>& params = result.parameters;
  const int P = static_cast<int>(params.size());
  WindowResiduals residuals(m, data, options.horizon, options.stride, "sysid");
  result.rollouts = residuals.windows();
  const int threads = std::max(1, options.threads);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(std::make_unique<Worker>(m));

  auto with_theta = [&params](const Eigen::VectorXd& theta) {
    std::vector<SysidParameter> out = params;
    for (int j = 0; j < static_cast<int>(out.size()); ++j) out[j].theta = theta[j];
    return out;
  };
  auto evaluate = [&](const Eigen::VectorXd& theta, int worker, double* r) {
    Worker& w = *workers[worker];
    ApplyAll(with_theta(theta), m, w.model.get(), w.data.get());
    residuals.Evaluate(w.model.get(), w.data.get(), r);
  };
  auto bound = [&](Eigen::VectorXd* theta) {
    for (int j = 0; j < P; ++j) {
      SysidParameter p = params[j];
      p.theta = (*theta)[j];
      ClampTheta(&p);
      (*theta)[j] = p.theta;
    }
  };
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(P);
  for (int j = 0; j < P; ++j) theta[j] = params[j].theta;
  LeastSquaresOptions lm;
  lm.iterations = options.iterations;
  lm.threads = threads;
  lm.delta = kDelta;
  lm.step_doublings = options.step_doublings;
  if (options.progress) lm.progress = "sysid";
  const LeastSquaresResult fit = LevenbergMarquardt(residuals.size(), evaluate, bound, lm, &theta);
  result.initial_cost = fit.initial_cost;
  result.final_cost = fit.final_cost;
  result.iterations = fit.iterations;
  if (options.polish_sweeps > 0) {
    CompassOptions compass;
    compass.sweeps = options.polish_sweeps;
    compass.threads = threads;
    if (options.progress) compass.progress = "sysid polish";
    result.polished_from = fit.final_cost;
    result.final_cost = CompassSearch(residuals.size(), evaluate, bound, compass, &theta).final_cost;
  }
  params = with_theta(theta);
  return result;
}

namespace {

using SpecPtr = std::unique_ptr<mjSpec, void (*)(mjSpec*)>;

SpecPtr ParseSpec(const std::string& sim_path) {
  char error[1024] = "";
  mjSpec* spec = mj_parseXML(sim_path.c_str(), nullptr, error, sizeof(error));
  if (!spec) throw std::runtime_error("cannot read '" + sim_path + "': " + OneLine(error));
  return SpecPtr(spec, mj_deleteSpec);
}

ModelPtr CompileSpec(mjSpec* spec, const std::string& sim_path) {
  mjModel* compiled = mj_compile(spec, nullptr);
  if (!compiled) throw std::runtime_error("cannot compile '" + sim_path + "': " + OneLine(mjs_getError(spec)));
  return ModelPtr(compiled);
}

// the spec's actuators in model order
std::vector<mjsActuator*> Actuators(mjSpec* spec) {
  std::vector<mjsActuator*> out;
  for (mjsElement* e = mjs_firstElement(spec, mjOBJ_ACTUATOR); e; e = mjs_nextElement(spec, e)) {
    out.push_back(mjs_asActuator(e));
  }
  return out;
}

// a first-order lag with time constant tau on actuator a
void AddLag(mjsActuator* a, double tau) {
  a->dyntype = mjDYN_FILTER;
  a->dynprm[0] = tau;
  a->actearly = 1;
}

// Identified masses must survive the round trip through MJCF. A body whose inertia the
// compiler derives from its geoms (the usual case, and inertiafromgeom="true" even overrides
// an <inertial>) would be written with its fitted mass and read back with the nominal one, so
// every body gets an explicit inertial clause with its compiled values, and the compiler
// options that would recompute or rescale them are turned off.
bool WriteInertials(mjSpec* spec, const mjModel* tuned, const std::vector<SysidParameter>& parameters) {
  const bool any_mass = std::any_of(parameters.begin(), parameters.end(),
                                    [](const SysidParameter& p) { return p.kind == Kind::kMass; });
  if (!any_mass) return false;
  int b = 0;  // compiled body ids follow the spec's order, the world first
  for (mjsElement* e = mjs_firstElement(spec, mjOBJ_BODY); e; e = mjs_nextElement(spec, e), ++b) {
    if (b >= tuned->nbody) throw std::runtime_error("sysid: the model's bodies do not match its MJCF");
    mjsBody* body = mjs_asBody(e);
    if (b == 0 || tuned->body_mass[b] <= 0) continue;
    body->explicitinertial = 1;
    body->mass = tuned->body_mass[b];
    for (int k = 0; k < 3; ++k) body->ipos[k] = tuned->body_ipos[3 * b + k];
    for (int k = 0; k < 4; ++k) body->iquat[k] = tuned->body_iquat[4 * b + k];
    for (int k = 0; k < 3; ++k) body->inertia[k] = tuned->body_inertia[3 * b + k];
    body->fullinertia[0] = std::numeric_limits<double>::quiet_NaN();  // the diagonal above, in the frame iquat gives
    body->ialt.type = mjORIENTATION_QUAT;
  }
  if (b != tuned->nbody) throw std::runtime_error("sysid: the model's bodies do not match its MJCF");
  spec->compiler.inertiafromgeom = mjINERTIAFROMGEOM_AUTO;
  spec->compiler.settotalmass = -1;
  return true;
}

// the writer saves the spec's compiled state, so the inertials are compiled in, and checked:
// the file must give back the masses that were fitted
void CheckInertials(mjSpec* spec, const mjModel* tuned, const std::string& sim_path) {
  mjModel* compiled = mj_compile(spec, nullptr);
  if (!compiled) throw std::runtime_error("cannot compile '" + sim_path + "' with the identified masses: " + OneLine(mjs_getError(spec)));
  const ModelPtr owner(compiled);
  for (int b = 1; b < tuned->nbody; ++b) {
    if (std::abs(compiled->body_mass[b] - tuned->body_mass[b]) > 1e-9 * std::max(1.0, tuned->body_mass[b])) {
      throw std::runtime_error("sysid: the identified mass of body " + std::to_string(b) + " did not reach the MJCF");
    }
  }
}

}  // namespace

ModelPtr WithActuatorLag(const std::string& sim_path, bool* lagged) {
  SpecPtr spec = ParseSpec(sim_path);
  ModelPtr plain = CompileSpec(spec.get(), sim_path);
  *lagged = false;
  const std::vector<mjsActuator*> actuators = Actuators(spec.get());
  for (int a = 0; a < plain->nu; ++a) {
    if (plain->actuator_dyntype[a] != mjDYN_NONE) continue;
    AddLag(actuators[a], plain->opt.timestep);
    *lagged = true;
  }
  return *lagged ? CompileSpec(spec.get(), sim_path) : std::move(plain);
}

ModelPtr SysidScene(const std::string& path, const SysidOptions& options) {
  if (options.contact_params.empty()) return LoadModel(path);
  AttachOptions attach;
  attach.sim_path = path;
  attach.params_model = options.contact_params;
  return CompileHybrid(attach);
}

SysidResult IdentifyScene(const std::string& sim_path, const TrajectoryDataset& data, const SysidOptions& options) {
  if (!options.contact_params.empty()) return Identify(SysidScene(sim_path, options).get(), data, options);
  ModelPtr plain = LoadModel(sim_path);
  bool lagged = false;
  ModelPtr model = options.actuator_lag ? WithActuatorLag(sim_path, &lagged) : nullptr;
  if (!lagged) return Identify(plain.get(), data, options);
  // where the lags' search starts: from one timestep the fit stays in the basin where armature
  // stands in for the lag (hopper: the lag stays at the floor), so it starts at the best of
  // 1, 2, 4 ... 64 timesteps by the fitted error of the nominal parameters, the range it searches
  const WindowResiduals residuals(plain.get(), data, options.horizon, options.stride, "sysid");
  {
    DataPtr d = MakeData(model.get());
    double best_cost = std::numeric_limits<double>::infinity(), best_tau = model->opt.timestep;
    for (double steps = 1; steps <= 64; steps *= 2) {
      const double tau = steps * model->opt.timestep;
      for (int a = 0; a < model->nu; ++a) {
        if (plain->actuator_dyntype[a] == mjDYN_NONE) model->actuator_dynprm[mjNDYN * a] = tau;
      }
      const double cost = residuals.MeanSquare(model.get(), d.get());
      if (cost < best_cost) best_cost = cost, best_tau = tau;
    }
    for (int a = 0; a < model->nu; ++a) {
      if (plain->actuator_dyntype[a] == mjDYN_NONE) model->actuator_dynprm[mjNDYN * a] = best_tau;
    }
  }
  SysidResult result = Identify(model.get(), data, options);
  for (SysidParameter& p : result.parameters) {
    p.added = p.kind == Kind::kLag && plain->actuator_dyntype[p.index] == mjDYN_NONE;
  }
  // the same parameters on sim.xml's own actuators
  std::vector<SysidParameter> without;
  for (const SysidParameter& p : result.parameters) {
    if (!p.added) without.push_back(p);
  }
  ModelPtr unlagged(ApplySysid(plain.get(), without));
  DataPtr d = MakeData(unlagged.get());
  result.cost_without_lag = residuals.MeanSquare(unlagged.get(), d.get());
  result.lag_kept = result.final_cost < 0.99 * *result.cost_without_lag;
  if (!result.lag_kept) {
    result.parameters = without;
    result.final_cost = *result.cost_without_lag;
  }
  return result;
}

SysidResult IdentifyAndWrite(const std::string& sim_path, const TrajectoryDataset& data, const SysidOptions& options,
                             const std::string& out_path) {
  SysidResult first = IdentifyScene(sim_path, data, options);
  WriteText(out_path, SysidMjcf(sim_path, first.parameters, out_path));
  SysidResult last = first;
  for (int round = 2; round <= options.rounds; ++round) {
    if (options.progress) std::fprintf(stderr, "[sysid] round %d of %d, from %s\n", round, options.rounds, out_path.c_str());
    const int iterations = last.iterations;
    last = IdentifyScene(out_path, data, options);
    WriteText(out_path, SysidMjcf(out_path, last.parameters, out_path));
    last.iterations += iterations;
  }
  last.initial_cost = first.initial_cost;
  last.first_round_cost = first.final_cost;
  last.cost_without_lag = first.cost_without_lag;
  last.lag_kept = first.lag_kept;
  return last;
}

mjModel* ApplySysid(const mjModel* m, const std::vector<SysidParameter>& parameters) {
  mjModel* out = mj_copyModel(nullptr, m);
  DataPtr d = MakeData(out);
  ApplyAll(parameters, m, out, d.get());
  return out;
}

std::string SysidMjcf(const std::string& sim_path, const std::vector<SysidParameter>& parameters,
                      const std::string& out_path) {
  char error[1024] = "";
  SpecPtr owner = ParseSpec(sim_path);
  mjSpec* spec = owner.get();
  // added lags become part of the model's structure before it is compiled
  const std::vector<mjsActuator*> actuators = Actuators(spec);
  for (const SysidParameter& p : parameters) {
    if (p.added) AddLag(actuators.at(p.index), p.value());
  }
  ModelPtr nominal = CompileSpec(spec, sim_path);
  ModelPtr tuned(ApplySysid(nominal.get(), parameters));
  // the inertials first: compiling them in starts the compiled state afresh from the spec,
  // which would drop what mj_copyBack had put there
  if (WriteInertials(spec, tuned.get(), parameters)) CheckInertials(spec, tuned.get(), sim_path);
  if (!mj_copyBack(spec, tuned.get())) {
    throw std::runtime_error("cannot write the identified values into '" + sim_path + "'");
  }
  // asset paths relative to sim.xml's folder must resolve from the output's folder
  namespace fs = std::filesystem;
  const fs::path from = fs::weakly_canonical(fs::absolute(out_path)).parent_path();
  const fs::path folder = fs::weakly_canonical(fs::absolute(sim_path)).parent_path().lexically_relative(from);
  for (mjString* dir : {spec->compiler.meshdir, spec->compiler.texturedir}) {
    const std::string d = mjs_getString(dir);
    if (!d.empty() && d[0] == '/') continue;
    const fs::path moved = (folder / d).lexically_normal();
    std::string text = moved.string();
    if (text == ".") text.clear();
    if (!text.empty() && text.back() != '/') text += '/';
    mjs_setString(dir, text.c_str());
  }
  std::vector<char> text(1 << 20);
  int needed = mj_saveXMLString(spec, text.data(), static_cast<int>(text.size()), error, sizeof(error));
  if (needed > 0) {
    text.resize(needed + 1);
    needed = mj_saveXMLString(spec, text.data(), static_cast<int>(text.size()), error, sizeof(error));
  }
  if (needed != 0) throw std::runtime_error("cannot write MJCF for '" + sim_path + "': " + OneLine(error));
  return text.data();
}

}  // namespace mjhybrid::scene
