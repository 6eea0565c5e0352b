#include "pipeline/kstep_error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "pipeline/mujoco_util.h"
#include "plugin/core/plugin_state.h"
#include "plugin/mujoco/residual_plugin.h"

namespace mjhybrid {

namespace {

// rotation angle between two unit quaternions (w, x, y, z)
double QuatAngle(const double* a, const double* b) {
  double dot = std::abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);
  return 2 * std::acos(std::min(1.0, dot));
}

struct Accumulator {
  std::vector<double> sq_pos, sq_vel;  // per DOF, summed over rollouts
  long long rollouts = 0, diverged = 0;
  double saturated = 0, spread = 0;
};

void RunEpisodes(const mjModel* m, const TrajectoryDataset& data, int horizon, int stride,
                 size_t first, size_t step, const KStepOptions* options, Accumulator* acc) {
  std::unique_ptr<RolloutStepper> stepper = options->stepper ? options->stepper() : nullptr;
  DataPtr owner = MakeData(m);
  mjData* d = owner.get();
  const int npos = PositionDofs(m);
  std::vector<double> err(npos);
  const int instance = ResidualInstance(m);
  const bool stateful = instance >= 0 && m->plugin_statenum[instance] > 0;
  const PluginStateLayout state =
      stateful ? PluginStateLayout::FromSize(m->nu, m->plugin_statenum[instance]) : PluginStateLayout{};
  for (size_t e = first; e < data.episodes.size(); e += step) {
    const Episode& ep = data.episodes[e];
    for (int s = 0; s + horizon <= ep.steps(); s += stride) {
      StartRollout(m, d, ep, s, stepper.get());
      mjtNum* plugin_state = stateful ? d->plugin_state + m->plugin_stateadr[instance] : nullptr;
      bool healthy = true;
      for (int k = 0; k < horizon && healthy; ++k) {
        StepRollout(m, d, ep, s + k, stepper.get());
        healthy = Healthy(m, d);
      }
      ++acc->rollouts;
      if (!healthy) {
        ++acc->diverged;
        continue;
      }
      PositionErrors(m, d->qpos, ep.qpos.data() + (s + horizon) * m->nq, err.data());
      for (int i = 0; i < npos; ++i) acc->sq_pos[i] += err[i] * err[i];
      const double* v = ep.qvel.data() + (s + horizon) * m->nv;
      for (int i = 0; i < m->nv; ++i) acc->sq_vel[i] += (d->qvel[i] - v[i]) * (d->qvel[i] - v[i]);
      if (plugin_state) {
        acc->saturated += plugin_state[state.saturated_total()];
        acc->spread += plugin_state[state.spread_total()];
      }
    }
  }
}

}  // namespace

int PositionDofs(const mjModel* m) {
  int n = 0;
  for (int j = 0; j < m->njnt; ++j) n += m->jnt_type[j] == mjJNT_FREE ? 4 : 1;
  return n;
}

void PositionErrors(const mjModel* m, const double* qa, const double* qb, double* out) {
  int k = 0;
  for (int j = 0; j < m->njnt; ++j) {
    int a = m->jnt_qposadr[j];
    switch (m->jnt_type[j]) {
      case mjJNT_FREE:
        for (int i = 0; i < 3; ++i) out[k++] = qa[a + i] - qb[a + i];
        out[k++] = QuatAngle(qa + a + 3, qb + a + 3);
        break;
      case mjJNT_BALL:
        out[k++] = QuatAngle(qa + a, qb + a);
        break;
      default:
        out[k++] = qa[a] - qb[a];
    }
  }
}

double ResidualDiagnostic(const mjModel* m, const mjData* d, int instance,
                          int (PluginStateLayout::*slot)() const) {
  if (!m || instance < 0) return 0;
  const int size = m->plugin_statenum[instance];
  if (size < PluginStateLayout::kDiagnostics) return 0;
  const PluginStateLayout layout = PluginStateLayout::FromSize(m->nu, size);
  return d->plugin_state[m->plugin_stateadr[instance] + (layout.*slot)()];
}

int ResidualInstance(const mjModel* m) {
  for (int i = 0; i < m->nplugin; ++i) {
    const mjpPlugin* p = mjp_getPluginAtSlot(m->plugin[i]);
    if (p && std::strcmp(p->name, kPluginName) == 0) return i;
  }
  return -1;
}

void DofScales(const mjModel* m, const TrajectoryDataset& data, std::vector<double>* pos,
               std::vector<double>* vel) {
  const int npos = PositionDofs(m);
  std::vector<double> sum(npos, 0), sq(npos, 0), vsum(m->nv, 0), vsq(m->nv, 0), err(npos);
  // orientation DOFs are measured against the first recorded orientation
  const double* ref = data.episodes[0].qpos.data();
  long long n = 0;
  for (const Episode& ep : data.episodes) {
    for (int t = 0; t <= ep.steps(); ++t, ++n) {
      PositionErrors(m, ep.qpos.data() + t * m->nq, ref, err.data());
      for (int i = 0; i < npos; ++i) { sum[i] += err[i]; sq[i] += err[i] * err[i]; }
      for (int i = 0; i < m->nv; ++i) {
        double v = ep.qvel[t * m->nv + i];
        vsum[i] += v;
        vsq[i] += v * v;
      }
    }
  }
  auto sd = [n](double s, double q) { return std::sqrt(std::max(1e-12, q / n - (s / n) * (s / n))); };
  pos->resize(npos);
  vel->resize(m->nv);
  for (int i = 0; i < npos; ++i) (*pos)[i] = sd(sum[i], sq[i]);
  for (int i = 0; i < m->nv; ++i) (*vel)[i] = sd(vsum[i], vsq[i]);
}

void StartRollout(const mjModel* m, mjData* d, const Episode& ep, int s, RolloutStepper* stepper) {
  mj_resetData(m, d);
  mju_copy(d->qpos, ep.qpos.data() + s * m->nq, m->nq);
  mju_copy(d->qvel, ep.qvel.data() + s * m->nv, m->nv);
  d->time = ep.time[s];
  // a hybrid model's residual sees the controls recorded before s
  const int instance = ResidualInstance(m);
  if (instance >= 0 && m->plugin_statenum[instance] > 0) {
    const PluginStateLayout state = PluginStateLayout::FromSize(m->nu, m->plugin_statenum[instance]);
    ep.ControlHistory(s, state.ctrl_history, m->nu, d->plugin_state + m->plugin_stateadr[instance]);
  }
  if (stepper) stepper->Start(ep, s, d);
}

void StepRollout(const mjModel* m, mjData* d, const Episode& ep, int t, RolloutStepper* stepper) {
  mju_copy(d->ctrl, ep.ctrl.data() + t * m->nu, m->nu);
  if (stepper) {
    stepper->Step(d);
  } else {
    mj_step(m, d);
  }
}

std::vector<HorizonError> KStepError(const mjModel* m, const TrajectoryDataset& data,
                                     const KStepOptions& options) {
  std::vector<double> pos_scale, vel_scale;
  DofScales(m, data, &pos_scale, &vel_scale);
  const int npos = PositionDofs(m);
  const int threads = std::max(1, options.threads);
  std::vector<HorizonError> result;
  for (int h : options.horizons) {
    std::vector<Accumulator> acc(threads);
    for (Accumulator& a : acc) {
      a.sq_pos.assign(npos, 0);
      a.sq_vel.assign(m->nv, 0);
    }
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back(RunEpisodes, m, std::cref(data), h, std::max(1, options.stride), t, threads, &options,
                        &acc[t]);
    }
    for (std::thread& t : pool) t.join();
    for (int t = 1; t < threads; ++t) {
      for (int i = 0; i < npos; ++i) acc[0].sq_pos[i] += acc[t].sq_pos[i];
      for (int i = 0; i < m->nv; ++i) acc[0].sq_vel[i] += acc[t].sq_vel[i];
      acc[0].rollouts += acc[t].rollouts;
      acc[0].diverged += acc[t].diverged;
      acc[0].saturated += acc[t].saturated;
      acc[0].spread += acc[t].spread;
    }
    HorizonError r;
    r.horizon = h;
    r.rollouts = acc[0].rollouts;
    r.diverged = acc[0].diverged;
    long long ok = r.rollouts - r.diverged;
    if (ok > 0) {
      for (int i = 0; i < npos; ++i) {
        double rmse = std::sqrt(acc[0].sq_pos[i] / ok);
        r.qpos_rmse += rmse / npos;
        r.qpos_nrmse += rmse / pos_scale[i] / npos;
      }
      for (int i = 0; i < m->nv; ++i) {
        double rmse = std::sqrt(acc[0].sq_vel[i] / ok);
        r.qvel_rmse += rmse / m->nv;
        r.qvel_nrmse += rmse / vel_scale[i] / m->nv;
      }
      r.saturated_per_step = acc[0].saturated / (static_cast<double>(ok) * h);
      r.spread_per_step = acc[0].spread / (static_cast<double>(ok) * h);
    } else {
      r.qpos_rmse = r.qvel_rmse = r.qpos_nrmse = r.qvel_nrmse = NAN;
    }
    result.push_back(r);
  }
  return result;
}

}  // namespace mjhybrid
