#include "scene/sysid.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "plugin/core/state_layout.h"
#include "scene/dataset_fit.h"
#include "scene/state_distance.h"
#include "scene/mujoco_util.h"

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

std::vector<SysidParameter> SysidParameters(const mjModel* m) {
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
  // contact: shared factors on all colliding geoms, when anything can collide
  int colliding = 0, condim = 1;
  for (int g = 0; g < m->ngeom; ++g) {
    if (Collides(m, g)) {
      ++colliding;
      condim = std::max(condim, m->geom_condim[g]);
    }
  }
  if (colliding >= 2 || m->npair > 0) {
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

// the multi-step residuals of one parameter vector over a fixed set of rollout windows
class WindowResiduals {
 public:
  struct Window {
    int episode, start;
  };

  WindowResiduals(const mjModel* m, const TrajectoryDataset& data, const SysidOptions& options)
      : reference_(m), data_(data), horizon_(options.horizon), substeps_(ControlSubsteps(m, data)) {
    if (data.episodes.empty()) throw std::runtime_error("sysid: the dataset has no episodes");
    for (int e = 0; e < static_cast<int>(data.episodes.size()); ++e) {
      for (int s = 0; s + horizon_ <= data.episodes[e].steps(); s += std::max(1, options.stride)) {
        windows_.push_back({e, s});
      }
    }
    if (windows_.empty()) {
      throw std::runtime_error("sysid: episodes are shorter than the horizon (" + std::to_string(horizon_) + " steps)");
    }
    DofScales(m, data, &pos_scale_, &vel_scale_);
    // DOFs that hardly move in the data must not dominate the fit
    for (double& s : pos_scale_) s = std::max(s, 1e-3);
    for (double& s : vel_scale_) s = std::max(s, 1e-2);
    npos_ = PositionDofs(m);
  }

  long long windows() const { return static_cast<long long>(windows_.size()); }
  int size() const { return static_cast<int>(windows_.size()) * horizon_ * (npos_ + reference_->nv); }

  // r[size()] for the parameters as given; m and d are the calling thread's own
  void Evaluate(const std::vector<SysidParameter>& parameters, mjModel* m, mjData* d, double* r) const {
    ApplyAll(parameters, reference_, m, d);
    std::vector<double> err(npos_);
    const int per_step = npos_ + m->nv;
    for (size_t w = 0; w < windows_.size(); ++w) {
      const Episode& ep = data_.episodes[windows_[w].episode];
      const int s = windows_[w].start;
      double* out = r + w * horizon_ * per_step;
      mj_resetData(m, d);
      mju_copy(d->qpos, ep.qpos.data() + s * m->nq, m->nq);
      mju_copy(d->qvel, ep.qvel.data() + s * m->nv, m->nv);
      bool healthy = true;
      for (int k = 0; k < horizon_; ++k, out += per_step) {
        if (healthy) {
          mju_copy(d->ctrl, ep.ctrl.data() + (s + k) * m->nu, m->nu);
          for (int i = 0; i < substeps_; ++i) mj_step(m, d);
          healthy = Healthy(m, d);
        }
        if (!healthy) {
          // a diverged rollout costs more than any sane one, so the step is refused
          std::fill(out, out + per_step, 100.0);
          continue;
        }
        PositionErrors(m, d->qpos, ep.qpos.data() + (s + k + 1) * m->nq, err.data());
        for (int i = 0; i < npos_; ++i) out[i] = err[i] / pos_scale_[i];
        const double* v = ep.qvel.data() + (s + k + 1) * m->nv;
        for (int i = 0; i < m->nv; ++i) out[npos_ + i] = (d->qvel[i] - v[i]) / vel_scale_[i];
      }
    }
  }

 private:
  const mjModel* reference_;
  const TrajectoryDataset& data_;
  int horizon_;
  int substeps_;  // physics steps per recorded step
  int npos_ = 0;
  std::vector<Window> windows_;
  std::vector<double> pos_scale_, vel_scale_;
};

// one model copy and mjData per worker thread
struct Worker {
  explicit Worker(const mjModel* m) : model(mj_copyModel(nullptr, m)), data(MakeData(m)) {}
  ModelPtr model;
  DataPtr data;
};

double Cost(const Eigen::VectorXd& r) { return r.squaredNorm() / std::max<Eigen::Index>(1, r.size()); }

void ClampTheta(SysidParameter* p) {
  p->theta = p->nominal > 0 ? std::clamp(p->theta, -kMaxLogRatio, kMaxLogRatio) : std::clamp(p->theta, 0.0, kMaxAdded);
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
  result.parameters = SysidParameters(m);
  std::vector<SysidParameter>& params = result.parameters;
  const int P = static_cast<int>(params.size());
  WindowResiduals residuals(m, data, options);
  result.rollouts = residuals.windows();
  const int N = residuals.size();
  const int threads = std::max(1, options.threads);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(std::make_unique<Worker>(m));

  Eigen::VectorXd r(N);
  residuals.Evaluate(params, workers[0]->model.get(), workers[0]->data.get(), r.data());
  result.initial_cost = result.final_cost = Cost(r);
  if (P == 0) return result;

  Eigen::MatrixXd J(N, P);
  double lambda = 1e-2;
  for (int it = 0; it < options.iterations; ++it) {
    // Jacobian by forward differences, columns spread over the workers
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        Eigen::VectorXd rp(N);
        for (int j = t; j < P; j += threads) {
          std::vector<SysidParameter> shifted = params;
          shifted[j].theta += kDelta;
          residuals.Evaluate(shifted, workers[t]->model.get(), workers[t]->data.get(), rp.data());
          J.col(j) = (rp - r) / kDelta;
        }
      });
    }
    for (std::thread& t : pool) t.join();

    const Eigen::MatrixXd JtJ = J.transpose() * J;
    const Eigen::VectorXd g = J.transpose() * r;
    Eigen::VectorXd diag = JtJ.diagonal().cwiseMax(1e-12);
    bool improved = false;
    for (int attempt = 0; attempt < 8 && !improved; ++attempt) {
      Eigen::MatrixXd A = JtJ;
      A.diagonal() += lambda * diag;
      const Eigen::VectorXd step = -A.ldlt().solve(g);
      std::vector<SysidParameter> trial = params;
      for (int j = 0; j < P; ++j) {
        trial[j].theta += step[j];
        ClampTheta(&trial[j]);
      }
      Eigen::VectorXd rt(N);
      residuals.Evaluate(trial, workers[0]->model.get(), workers[0]->data.get(), rt.data());
      const double cost = Cost(rt);
      if (std::isfinite(cost) && cost < result.final_cost) {
        const double gain = (result.final_cost - cost) / result.final_cost;
        params = trial;
        r = rt;
        result.final_cost = cost;
        lambda = std::max(1e-6, lambda / 3);
        improved = true;
        result.iterations = it + 1;
        if (options.progress) {
          std::fprintf(stderr, "[sysid] iteration %d: cost %.5g (%.1f %% below nominal)\n", it + 1, cost,
                       100 * (1 - cost / result.initial_cost));
        }
        if (gain < 1e-4) return result;
      } else {
        lambda *= 4;
      }
    }
    if (!improved) break;  // no step along the fitted direction lowers the error: converged
  }
  return result;
}

mjModel* ApplySysid(const mjModel* m, const std::vector<SysidParameter>& parameters) {
  mjModel* out = mj_copyModel(nullptr, m);
  DataPtr d = MakeData(out);
  ApplyAll(parameters, m, out, d.get());
  return out;
}

std::string SysidMjcf(const std::string& sim_path, const std::vector<SysidParameter>& parameters) {
  char error[1024] = "";
  mjSpec* spec = mj_parseXML(sim_path.c_str(), nullptr, error, sizeof(error));
  if (!spec) throw std::runtime_error("cannot read '" + sim_path + "': " + OneLine(error));
  std::unique_ptr<mjSpec, void (*)(mjSpec*)> owner(spec, mj_deleteSpec);
  mjModel* compiled = mj_compile(spec, nullptr);
  if (!compiled) throw std::runtime_error("cannot compile '" + sim_path + "': " + OneLine(mjs_getError(spec)));
  ModelPtr nominal(compiled);
  ModelPtr tuned(ApplySysid(nominal.get(), parameters));
  if (!mj_copyBack(spec, tuned.get())) {
    throw std::runtime_error("cannot write the identified values into '" + sim_path + "'");
  }
  // asset paths relative to sim.xml's folder must resolve wherever the text is compiled
  const std::string folder = std::filesystem::absolute(sim_path).parent_path().string();
  for (mjString* dir : {spec->compiler.meshdir, spec->compiler.texturedir}) {
    std::string d = mjs_getString(dir);
    if (d.empty() || d[0] != '/') mjs_setString(dir, (folder + "/" + d).c_str());
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
