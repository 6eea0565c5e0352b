#include "scene/true_params.h"

#include <vector>

namespace mjhybrid::scene {

ModelPtr TrueParameterModel(const std::string& real_path, const mjModel* sim) {
  ModelPtr real = LoadModel(real_path);
  real->opt.timestep = sim->opt.timestep;
  real->opt.integrator = sim->opt.integrator;
  return real;
}

namespace {

class ReplayedActivation : public RolloutStepper {
 public:
  ReplayedActivation(const mjModel* m, int substeps) : m_(m), substeps_(substeps), scratch_(MakeData(m)) {}

  void Start(const Episode& ep, int s, mjData* d) override {
    if (&ep != episode_) Replay(ep);
    mju_copy(d->act, act_.data() + s * m_->na, m_->na);
  }

  void Step(mjData* d) override {
    for (int i = 0; i < substeps_; ++i) mj_step(m_, d);
  }

 private:
  // act at every recorded step of ep: one recorded step from each recorded state, carrying act
  void Replay(const Episode& ep) {
    const int na = m_->na;
    mjData* d = scratch_.get();
    act_.assign((ep.steps() + 1) * na, 0.0);
    mj_resetData(m_, d);
    for (int t = 0; t < ep.steps(); ++t) {
      mju_copy(d->qpos, ep.qpos.data() + t * m_->nq, m_->nq);
      mju_copy(d->qvel, ep.qvel.data() + t * m_->nv, m_->nv);
      mju_copy(d->act, act_.data() + t * na, na);
      mju_copy(d->ctrl, ep.ctrl.data() + t * m_->nu, m_->nu);
      Step(d);
      mju_copy(act_.data() + (t + 1) * na, d->act, na);
    }
    episode_ = &ep;
  }

  const mjModel* m_;
  int substeps_;
  DataPtr scratch_;
  const Episode* episode_ = nullptr;  // the episode act_ belongs to
  std::vector<mjtNum> act_;
};

}  // namespace

std::function<std::unique_ptr<RolloutStepper>()> ActivationReplay(const mjModel* m, int substeps) {
  if (m->na == 0) return nullptr;
  return [m, substeps] { return std::unique_ptr<RolloutStepper>(new ReplayedActivation(m, substeps)); };
}

}  // namespace mjhybrid::scene
