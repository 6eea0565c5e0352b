#include "viewer/sim/lockstep.h"

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "scene/collect.h"
#include "scene/state_distance.h"
#include "scene/scene_config.h"

namespace mjhybrid::viewer {

using scene::LoadSceneConfig;
using scene::MakeData;
using scene::PlaceRandomly;
using scene::PositionDofs;
using scene::PositionErrors;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// RMSE over position and velocity DOFs of `world` against `real` (the eval command's measure)
StepErrors ErrorsAgainst(const World& world, const World* real, std::vector<double>* scratch) {
  if (!real || !real->live() || !world.live()) return {kNaN, kNaN};
  const mjModel* m = world.model();
  scratch->resize(PositionDofs(m));
  PositionErrors(m, world.data()->qpos, real->data()->qpos, scratch->data());
  double pos = 0, vel = 0;
  for (double e : *scratch) pos += e * e;
  for (int i = 0; i < m->nv; ++i) {
    const double e = world.data()->qvel[i] - real->data()->qvel[i];
    vel += e * e;
  }
  return {std::sqrt(pos / scratch->size()), std::sqrt(vel / m->nv)};
}

}  // namespace

Lockstep::Lockstep(const SceneFiles& files, const LockstepOptions& options)
    : files_(files), history_(1, 0, 0), sync_every_(options.sync_every < 0 ? 0 : options.sync_every),
      seed_(options.seed) {
  worlds_[0] = std::make_unique<World>(WorldKind::kReal, files.real);
  worlds_[1] = std::make_unique<World>(WorldKind::kAnalytic, files.sim);
  worlds_[2] = std::make_unique<World>(WorldKind::kHybrid, files.hybrid);
  for (WorldKind kind : {WorldKind::kAnalytic, WorldKind::kHybrid, WorldKind::kReal}) {
    if (world(kind).live()) {
      reference_ = &world(kind);
      break;
    }
  }
  if (!reference_ || reference_->kind() == WorldKind::kReal) {
    std::string why = !world(WorldKind::kAnalytic).error().empty() ? world(WorldKind::kAnalytic).error()
                                                                    : world(WorldKind::kHybrid).error();
    throw std::runtime_error("'" + files.folder + "': neither the analytic nor the hybrid world loads" +
                             (why.empty() ? std::string() : ": " + why));
  }
  for (auto& w : worlds_) w->CheckLayout(*reference_);
  // a malformed scene.json is the user's to fix: refused here with its one-line error
  if (!files.scene_json.empty()) protocol_ = LoadSceneConfig(files.scene_json).collect;
  const mjModel* m = reference_->model();
  controls_ = std::make_unique<ControlSource>(m);
  channels_ = PositionChannels(m);
  for (const Channel& c : VelocityChannels(m)) channels_.push_back(c);
  history_ = History(options.history, m->nq, m->nv);
  ctrl_.assign(m->nu, 0);
  Reset();
}

double Lockstep::timestep() const { return reference_->model()->opt.timestep; }

bool Lockstep::Step() {
  if (controls_->finished()) return false;
  controls_->Next(ctrl_.data());
  for (auto& w : worlds_) w->Step(ctrl_.data());
  ++steps_;
  time_ += timestep();
  StepErrors errors[kWorldCount];
  Record(errors);
  metrics_.OnStep(errors);
  if (sync_every_ > 0 && metrics_.steps_since_sync() >= sync_every_) Sync();
  return true;
}

void Lockstep::Record(StepErrors errors[kWorldCount]) {
  std::vector<double>& scratch = scratch_;
  const World* real = &world(WorldKind::kReal);
  const World* worlds[kWorldCount];
  for (int w = 0; w < kWorldCount; ++w) {
    worlds[w] = worlds_[w].get();
    errors[w] = w == 0 ? StepErrors{real->live() ? 0.0 : kNaN, real->live() ? 0.0 : kNaN}
                       : ErrorsAgainst(*worlds_[w], real, &scratch);
  }
  const World& hybrid = world(WorldKind::kHybrid);
  const double disagreement = hybrid.live() && hybrid.has_residual() ? hybrid.disagreement() : kNaN;
  history_.Push(time_, worlds, errors, disagreement);
}

void Lockstep::Sync() {
  World& real = world(WorldKind::kReal);
  if (!real.live()) return;
  for (WorldKind kind : {WorldKind::kAnalytic, WorldKind::kHybrid}) {
    world(kind).Place(real.data()->qpos, real.data()->qvel);
  }
  metrics_.OnSync();
}

void Lockstep::Reset(bool random) {
  const mjModel* m = reference_->model();
  std::vector<double> qpos(m->qpos0, m->qpos0 + m->nq), qvel(m->nv, 0);
  if (controls_->kind() == ControlKind::kReplay) {
    qpos.assign(controls_->start_qpos(), controls_->start_qpos() + m->nq);
    qvel.assign(controls_->start_qvel(), controls_->start_qvel() + m->nv);
  } else if (random) {
    // the scene's own data-collection protocol decides where a robot may be placed
    std::mt19937_64 rng(seed_ * 1000003ULL + 7919ULL * ++resets_);
    DataPtr placed = MakeData(m);
    PlaceRandomly(m, placed.get(), protocol_, &rng);
    qpos.assign(placed->qpos, placed->qpos + m->nq);
    qvel.assign(placed->qvel, placed->qvel + m->nv);
  } else if (m->nkey > 0) {
    // the scene's first keyframe is its author's initial state
    qpos.assign(m->key_qpos, m->key_qpos + m->nq);
    qvel.assign(m->key_qvel, m->key_qvel + m->nv);
  }
  for (auto& w : worlds_) w->Reset(qpos.data(), qvel.data());
  for (auto& w : worlds_) w->CheckLayout(*reference_);
  controls_->Restart();
  steps_ = 0;
  time_ = 0;
  history_.Clear();
  metrics_.Clear();
  StepErrors errors[kWorldCount];
  Record(errors);
}

bool Lockstep::Configure(const ResidualSettings& settings, std::string* error) {
  return world(WorldKind::kHybrid).Configure(settings, error);
}

}  // namespace mjhybrid::viewer
