#include "viewer/sim/world.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "plugin/mujoco/residual_instance.h"
#include "plugin/core/plugin_state.h"

namespace mjhybrid::viewer {

using scene::CompileMjcfIn;
using scene::Healthy;
using scene::LoadModel;
using scene::MakeData;

namespace {

std::string Describe(const char* what, int a, int b) {
  return std::string(what) + " " + std::to_string(a) + " (the others have " + std::to_string(b) + ")";
}

}  // namespace

const char* WorldLabel(WorldKind kind) {
  switch (kind) {
    case WorldKind::kReal: return "real";
    case WorldKind::kAnalytic: return "analytic";
    case WorldKind::kHybrid: return "hybrid";
  }
  return "?";
}

World::World(WorldKind kind, std::string path) : kind_(kind), path_(std::move(path)) {
  if (present()) Load();
}

void World::Load() {
  try {
    Adopt(LoadModel(path_));
  } catch (const std::exception& e) {
    error_ = e.what();
  }
}

void World::Adopt(ModelPtr model) {
  DataPtr data = MakeData(model.get());  // the plugin's own checks at mj_makeData throw here
  model_ = std::move(model);
  data_ = std::move(data);
  residual_instance_ = ResidualInstance(model_.get());
  has_residual_ = ReadResidualSettings(model_.get(), &settings_);
  mj_forward(model_.get(), data_.get());
}

void World::CheckLayout(const World& reference) {
  if (!live() || &reference == this || !reference.model()) return;
  const mjModel* r = reference.model();
  const mjModel* m = model_.get();
  if (m->nq != r->nq) error_ = Describe("nq", m->nq, r->nq);
  else if (m->nv != r->nv) error_ = Describe("nv", m->nv, r->nv);
  else if (m->nu != r->nu) error_ = Describe("nu", m->nu, r->nu);
  const double ratio = r->opt.timestep / m->opt.timestep;
  substeps_ = static_cast<int>(std::lround(ratio));
  if (error_.empty() && (substeps_ < 1 || std::abs(ratio - substeps_) > 1e-9 * ratio)) {
    std::ostringstream why;
    why << "timestep " << m->opt.timestep << " s does not divide the analytic model's " << r->opt.timestep << " s";
    error_ = why.str();
  }
  if (!error_.empty()) error_ = std::string(label()) + " world has another layout: " + error_;
}

void World::Step(const double* ctrl) {
  if (!live()) return;
  mju_copy(data_->ctrl, ctrl, model_->nu);
  for (int i = 0; i < substeps_; ++i) mj_step(model_.get(), data_.get());
  if (!Healthy(model_.get(), data_.get())) {
    std::ostringstream why;
    why << label() << " world diverged at t = " << data_->time << " s (reset to go on)";
    error_ = why.str();
  }
}

void World::Reset(const double* qpos, const double* qvel) {
  if (!model_) return;
  // a diverged world comes back; a world that never loaded or has another layout does not
  if (error_.find("diverged") != std::string::npos) error_.clear();
  // the state given is the reference's: a world of another layout must not read it (found by
  // scripts/sanitize.sh: a hopper real.xml beside arm2 read 48 bytes past arm2's qpos)
  if (!live()) return;
  mj_resetData(model_.get(), data_.get());
  if (qpos) mju_copy(data_->qpos, qpos, model_->nq);
  if (qvel) mju_copy(data_->qvel, qvel, model_->nv);
  mj_forward(model_.get(), data_.get());
}

void World::Place(const double* qpos, const double* qvel) {
  if (!live()) return;
  mju_copy(data_->qpos, qpos, model_->nq);
  mju_copy(data_->qvel, qvel, model_->nv);
  mj_forward(model_.get(), data_.get());
}

bool World::Configure(const ResidualSettings& settings, std::string* error) {
  if (!has_residual_ || !model_) {
    *error = "the hybrid world has no residual to configure";
    return false;
  }
  try {
    std::ifstream file(path_);
    std::stringstream text;
    text << file.rdbuf();
    if (!file) throw std::runtime_error("cannot read '" + path_ + "'");
    const std::string folder = std::filesystem::path(path_).parent_path().string();
    ModelPtr model = CompileMjcfIn(folder, WithResidualSettings(text.str(), settings), "new settings refused");
    DataPtr data = MakeData(model.get());
    // the simulation state carries over; the plugin state only when its layout is the same
    int spec = mjSTATE_INTEGRATION;
    if (mj_stateSize(model.get(), spec) != mj_stateSize(model_.get(), spec)) {
      spec = mjSTATE_TIME | mjSTATE_QPOS | mjSTATE_QVEL | mjSTATE_CTRL;
    }
    std::vector<mjtNum> state(mj_stateSize(model_.get(), spec));
    mj_getState(model_.get(), data_.get(), state.data(), spec);
    mj_setState(model.get(), data.get(), state.data(), spec);
    model_ = std::move(model);
    data_ = std::move(data);
    residual_instance_ = ResidualInstance(model_.get());
    ReadResidualSettings(model_.get(), &settings_);
    mj_forward(model_.get(), data_.get());
    return true;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
}

double World::disagreement() const {
  return ResidualDiagnostic(model_.get(), data_.get(), residual_instance_, &PluginStateLayout::spread);
}

double World::saturated() const {
  return ResidualDiagnostic(model_.get(), data_.get(), residual_instance_, &PluginStateLayout::saturated_last);
}

}  // namespace mjhybrid::viewer
