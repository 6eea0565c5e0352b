#include "scene/collect.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>

#include "scene/excitation.h"
#include "scene/mujoco_util.h"

namespace mjhybrid::scene {

void PlaceRandomly(const mjModel* m, mjData* d, const CollectOptions& o, std::mt19937_64* rng) {
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> normal;
  auto uniform = [&](Range r) { return r.lo + (r.hi - r.lo) * unit(*rng); };
  for (int j = 0; j < m->njnt; ++j) {
    int q = m->jnt_qposadr[j], v = m->jnt_dofadr[j];
    int type = m->jnt_type[j];
    if (type == mjJNT_HINGE || type == mjJNT_SLIDE) {
      const char* name = mj_id2name(m, mjOBJ_JOINT, j);
      auto named = name ? o.start.joints.find(name) : o.start.joints.end();
      Range r;
      if (named != o.start.joints.end()) {
        r = named->second;
      } else if (m->jnt_limited[j]) {
        r = {m->jnt_range[2 * j], m->jnt_range[2 * j + 1]};
      } else {
        r = type == mjJNT_HINGE ? Range{-mjPI, mjPI} : Range{m->qpos0[q], m->qpos0[q]};
      }
      d->qpos[q] = uniform(r);
      d->qvel[v] = o.start.qvel * normal(*rng);
    } else if (type == mjJNT_FREE) {
      // the same draws for every free joint, whatever its placement, so a protocol's seed
      // means the same episodes whichever joints it names
      const FreePlacement f = o.start.PlacementOf(mj_id2name(m, mjOBJ_JOINT, j));
      d->qpos[q] += uniform(f.xy);
      d->qpos[q + 1] += uniform(f.xy);
      d->qpos[q + 2] += uniform(f.z);
      const double yaw = uniform(f.yaw);
      mjtNum turn[4] = {std::cos(yaw / 2), 0, 0, std::sin(yaw / 2)}, quat[4];
      mju_mulQuat(quat, turn, d->qpos + q + 3);
      mju_copy4(d->qpos + q + 3, quat);
      for (int i = 0; i < 3; ++i) d->qvel[v + i] = f.vel * normal(*rng);
      for (int i = 3; i < 6; ++i) d->qvel[v + i] = f.angvel * normal(*rng);
    }
    // ball joints start at their reference orientation, at rest
  }
}

TrajectoryDataset Collect(const CollectOptions& options, bool progress) {
  if (options.episodes < 1 || options.steps < 1) throw std::runtime_error("--episodes and --steps must be >= 1");
  ModelPtr model = LoadModel(options.model_path);
  const mjModel* m = model.get();
  CheckEpisodeStart(options.start, m, "collect", "placement", "'" + options.model_path + "'");
  DataPtr data = MakeData(m);
  mjData* d = data.get();

  double dt = options.dt > 0 ? options.dt : m->opt.timestep;
  int substeps = static_cast<int>(std::lround(dt / m->opt.timestep));
  if (substeps < 1 || std::abs(substeps * m->opt.timestep - dt) > 1e-9 * dt) {
    throw std::runtime_error("--dt " + std::to_string(dt) + " is not a multiple of the timestep of '" +
                             options.model_path + "' (" + std::to_string(m->opt.timestep) + " s)");
  }

  TrajectoryDataset out;
  out.model = m->names;  // the model name is the first name in the names buffer
  out.source = options.model_path;
  out.timestep = dt;
  out.nq = m->nq;
  out.nv = m->nv;
  out.nu = m->nu;
  for (int j = 0; j < m->njnt; ++j) out.joints.push_back(mj_id2name(m, mjOBJ_JOINT, j) ? mj_id2name(m, mjOBJ_JOINT, j) : "");
  for (int a = 0; a < m->nu; ++a) out.actuators.push_back(mj_id2name(m, mjOBJ_ACTUATOR, a) ? mj_id2name(m, mjOBJ_ACTUATOR, a) : "");
  out.seed = options.seed;
  out.excitation = {{"kind", "piecewise-linear set-points + OU noise"},
                    {"hold_s", {0.05, 0.5}}, {"noise", options.noise}, {"noise_tau_s", 0.02},
                    {"init_qvel_std", options.start.qvel}, {"substeps", substeps}};
  for (const auto& [name, r] : options.start.joints) out.excitation["joint_ranges"][name] = {r.lo, r.hi};
  auto placement = [](const FreePlacement& f) {
    return nlohmann::json{{"xy", {f.xy.lo, f.xy.hi}}, {"z", {f.z.lo, f.z.hi}}, {"yaw", {f.yaw.lo, f.yaw.hi}},
                          {"vel_std", f.vel}, {"angvel_std", f.angvel}};
  };
  out.excitation["free"] = placement(options.start.every_free.value_or(FreePlacement{}));
  for (const auto& [name, f] : options.start.free) out.excitation["free_by_joint"][name] = placement(f);

  for (int e = 0; e < options.episodes; ++e) {
    std::mt19937_64 rng(options.seed * 1000003ULL + e);
    mj_resetData(m, d);
    PlaceRandomly(m, d, options, &rng);
    std::vector<Excitation> signals = ExciteActuators(m, dt, options.noise, &rng);

    Episode ep;
    auto record = [&] {
      ep.time.push_back(d->time);
      ep.qpos.insert(ep.qpos.end(), d->qpos, d->qpos + m->nq);
      ep.qvel.insert(ep.qvel.end(), d->qvel, d->qvel + m->nv);
    };
    record();
    for (int t = 0; t < options.steps; ++t) {
      for (int a = 0; a < m->nu; ++a) d->ctrl[a] = signals[a].Next();
      ep.ctrl.insert(ep.ctrl.end(), d->ctrl, d->ctrl + m->nu);
      for (int s = 0; s < substeps; ++s) mj_step(m, d);
      if (!Healthy(m, d)) {
        throw std::runtime_error("'" + options.model_path + "' became unstable in episode " +
                                 std::to_string(e) + " at t=" + std::to_string(d->time) +
                                 " s; lower its timestep or the control range");
      }
      record();
    }
    out.episodes.push_back(std::move(ep));
    if (progress && ((e + 1) % 8 == 0 || e + 1 == options.episodes)) {
      std::fprintf(stderr, "[collect] %d/%d episodes\n", e + 1, options.episodes);
    }
  }
  return out;
}

}  // namespace mjhybrid::scene
