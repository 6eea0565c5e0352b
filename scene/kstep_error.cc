#include "scene/kstep_error.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "plugin/core/plugin_state.h"
#include "plugin/mujoco/residual_instance.h"
#include "scene/dataset_fit.h"
#include "scene/mujoco_util.h"
#include "scene/rollout.h"
#include "scene/state_distance.h"

namespace mjhybrid::scene {

namespace {

struct Accumulator {
  std::vector<double> sq_pos, sq_vel;  // per DOF, summed over rollouts
  long long rollouts = 0, diverged = 0;
  double saturated = 0, spread = 0;
};

void RunEpisodes(const mjModel* m, const TrajectoryDataset& data, int horizon, int stride,
                 size_t first, size_t step, const KStepOptions* options, const ActivationReplay* activation,
                 Accumulator* acc) {
  std::unique_ptr<RolloutStepper> stepper = options->stepper ? options->stepper() : nullptr;
  DataPtr owner = MakeData(m);
  mjData* d = owner.get();
  const int npos = PositionDofs(m);
  std::vector<double> err(npos);
  const int instance = ResidualInstance(m);
  const bool stateful = instance >= 0 && m->plugin_statenum[instance] > 0;
  const PluginStateLayout state =
      stateful ? ResidualStateLayout(m, d, instance) : PluginStateLayout{};
  const int substeps = ControlSubsteps(m, data);
  for (size_t e = first; e < data.episodes.size(); e += step) {
    const Episode& ep = data.episodes[e];
    for (int s = 0; s + horizon <= ep.steps(); s += stride) {
      StartRollout(m, d, ep, s, stepper.get(), activation, substeps);
      mjtNum* plugin_state = stateful ? d->plugin_state + m->plugin_stateadr[instance] : nullptr;
      bool healthy = true;
      for (int k = 0; k < horizon && healthy; ++k) {
        StepRollout(m, d, ep, s + k, stepper.get(), substeps);
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

int StartStride(const KStepOptions& options, int horizon) {
  const int spaced = options.start_spacing > 0 ? static_cast<int>(std::ceil(options.start_spacing * horizon - 1e-9)) : 1;
  return std::max({1, options.stride, spaced});
}

std::vector<HorizonError> KStepError(const mjModel* m, const TrajectoryDataset& data,
                                     const KStepOptions& options) {
  std::vector<double> pos_scale, vel_scale;
  DofScales(m, data, &pos_scale, &vel_scale);
  const int npos = PositionDofs(m);
  const int threads = std::max(1, options.threads);
  // here, not in the workers: a model whose actuator state cannot be replayed is refused with
  // an error the caller can report, not one thrown in a thread
  const ActivationReplay activation(m);
  std::vector<HorizonError> result;
  for (int h : options.horizons) {
    std::vector<Accumulator> acc(threads);
    for (Accumulator& a : acc) {
      a.sq_pos.assign(npos, 0);
      a.sq_vel.assign(m->nv, 0);
    }
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back(RunEpisodes, m, std::cref(data), h, StartStride(options, h), t, threads, &options, &activation,
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
      // per physics step, which is what the plugin counts
      const double steps = static_cast<double>(ok) * h * ControlSubsteps(m, data);
      r.saturated_per_step = acc[0].saturated / steps;
      r.spread_per_step = acc[0].spread / steps;
    } else {
      r.qpos_rmse = r.qvel_rmse = r.qpos_nrmse = r.qvel_nrmse = NAN;
    }
    result.push_back(r);
  }
  return result;
}

}  // namespace mjhybrid::scene
