#include "rl/task.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include "plugin/core/printable.h"

namespace mjhybrid::rl {

namespace {

using nlohmann::json;

[[noreturn]] void Fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

void OnlyKeys(const std::string& path, const std::string& where, const json& j, const std::set<std::string>& keys) {
  if (!j.is_object()) Fail(path, "'" + where + "' must be an object");
  for (const auto& [key, value] : j.items()) {
    if (!keys.count(key)) {
      std::string valid;
      for (const std::string& k : keys) valid += (valid.empty() ? "" : ", ") + k;
      Fail(path, "unknown key '" + key + "' in " + where + "; valid keys: " + valid);
    }
  }
}

double Number(const std::string& path, const std::string& where, const json& j) {
  if (!j.is_number()) Fail(path, "'" + where + "' must be a number");
  const double v = j.get<double>();
  if (!std::isfinite(v)) Fail(path, "'" + where + "' must be finite");
  return v;
}

// [lo, hi] with lo <= hi
void Range(const std::string& path, const std::string& where, const json& j, double* lo, double* hi) {
  if (!j.is_array() || j.size() != 2) Fail(path, "'" + where + "' must be [lo, hi]");
  *lo = Number(path, where, j[0]);
  *hi = Number(path, where, j[1]);
  if (*lo > *hi) Fail(path, "'" + where + "' is an empty range (lo > hi)");
}

std::vector<JointRange> Ranges(const std::string& path, const std::string& where, const json& j) {
  if (!j.is_object()) Fail(path, "'" + where + "' must map joint names to [lo, hi]");
  std::vector<JointRange> out;
  for (const auto& [name, range] : j.items()) {
    JointRange r{name};
    Range(path, where + "." + name, range, &r.lo, &r.hi);
    out.push_back(r);
  }
  return out;
}

RewardTerm Term(const std::string& path, const json& j, int index) {
  const std::string where = "reward[" + std::to_string(index) + "]";
  if (!j.is_object() || !j.contains("term") || !j["term"].is_string()) {
    Fail(path, where + " needs \"term\": distance, velocity, ctrl or alive");
  }
  RewardTerm t;
  const std::string kind = j["term"];
  if (!j.contains("weight")) Fail(path, where + " needs a \"weight\"");
  t.weight = Number(path, where + ".weight", j["weight"]);
  if (kind == "distance") {
    OnlyKeys(path, where, j, {"term", "site", "body", "goal", "axes", "weight"});
    if (j.contains("site") == j.contains("body")) Fail(path, where + " needs one of \"site\" or \"body\"");
    t.kind = RewardTerm::kDistance;
    if (j.contains("site")) t.site = j["site"].get<std::string>();
    if (j.contains("body")) t.body = j["body"].get<std::string>();
    if (!j.contains("goal") || !j["goal"].is_array() || j["goal"].size() != 3) {
      Fail(path, where + ".goal must be [x, y, z]");
    }
    for (int i = 0; i < 3; ++i) t.goal[i] = Number(path, where + ".goal", j["goal"][i]);
    const std::string axes = j.value("axes", std::string("xyz"));
    for (char c : axes) {
      const size_t a = std::string("xyz").find(c);
      if (a == std::string::npos || std::count(axes.begin(), axes.end(), c) > 1) {
        Fail(path, where + ".axes is '" + axes + "'; use distinct letters of x, y, z");
      }
      t.axes.push_back(static_cast<int>(a));
    }
    if (t.axes.empty()) Fail(path, where + ".axes is empty");
  } else if (kind == "velocity") {
    OnlyKeys(path, where, j, {"term", "joint", "weight"});
    t.kind = RewardTerm::kVelocity;
    if (!j.contains("joint") || !j["joint"].is_string()) Fail(path, where + " needs a \"joint\"");
    t.joint = j["joint"];
  } else if (kind == "ctrl" || kind == "alive") {
    OnlyKeys(path, where, j, {"term", "weight"});
    t.kind = kind == "ctrl" ? RewardTerm::kCtrl : RewardTerm::kAlive;
  } else {
    Fail(path, where + ".term is '" + kind + "'; valid terms: distance, velocity, ctrl, alive");
  }
  return t;
}

int Id(const mjModel* m, mjtObj type, const std::string& name, const std::string& path, const char* what) {
  const int id = mj_name2id(m, type, name.c_str());
  if (id < 0) Fail(path, std::string("the model has no ") + what + " '" + name + "'");
  return id;
}

// the qpos address of a hinge or slide joint
int ScalarJoint(const mjModel* m, const std::string& name, const std::string& path) {
  const int j = Id(m, mjOBJ_JOINT, name, path, "joint");
  if (m->jnt_type[j] != mjJNT_HINGE && m->jnt_type[j] != mjJNT_SLIDE) {
    Fail(path, "joint '" + name + "' is not a hinge or slide joint");
  }
  return j;
}

TaskSpec ReadTaskSpec(const std::string& path) {
  std::ifstream f(path);
  if (!f) Fail(path, "cannot be read");
  json j;
  try {
    j = json::parse(f);
  } catch (const json::exception& e) {
    Fail(path, std::string("is not valid JSON: ") + e.what());
  }
  OnlyKeys(path, "the task", j, {"task", "about", "control_dt", "horizon", "reset", "observation", "reward", "terminate"});
  TaskSpec s;
  s.path = path;
  try {
    if (!j.contains("task") || !j["task"].is_string()) Fail(path, "needs \"task\": the task's name");
    s.name = j["task"];
    s.about = j.value("about", "");
    if (!j.contains("control_dt")) Fail(path, "needs \"control_dt\" (s per action)");
    s.control_dt = Number(path, "control_dt", j["control_dt"]);
    if (s.control_dt <= 0) Fail(path, "'control_dt' must be > 0");
    if (!j.contains("horizon") || !j["horizon"].is_number_integer() || j["horizon"].get<int>() < 1) {
      Fail(path, "needs \"horizon\": a whole number of actions >= 1");
    }
    s.horizon = j["horizon"];
    if (j.contains("reset")) {
      const json& r = j["reset"];
      OnlyKeys(path, "reset", r, {std::begin(scene::kEpisodeStartKeys), std::end(scene::kEpisodeStartKeys)});
      scene::ReadEpisodeStart(r, "reset", path, &s.reset);
    }
    if (j.contains("observation")) {
      OnlyKeys(path, "observation", j["observation"], {"exclude"});
      s.exclude = j["observation"].value("exclude", std::vector<std::string>{});
    }
    if (!j.contains("reward") || !j["reward"].is_array() || j["reward"].empty()) {
      Fail(path, "needs \"reward\": a list of terms");
    }
    for (size_t i = 0; i < j["reward"].size(); ++i) s.reward.push_back(Term(path, j["reward"][i], static_cast<int>(i)));
    if (j.contains("terminate")) s.terminate = Ranges(path, "terminate", j["terminate"]);
  } catch (const json::exception& e) {
    Fail(path, std::string("malformed: ") + e.what());
  }
  return s;
}

}  // namespace

TaskSpec LoadTaskSpec(const std::string& path) {
  // every message names what the file held; Printable keeps it one line whatever that was
  try {
    return ReadTaskSpec(path);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(Printable(e.what()));
  }
}

Task::Task(TaskSpec spec, const mjModel* m) : spec_(std::move(spec)), m_(m) {
  const std::string& path = spec_.path;
  const double ratio = spec_.control_dt / m->opt.timestep;
  substeps_ = static_cast<int>(std::lround(ratio));
  if (substeps_ < 1 || std::abs(ratio - substeps_) > 1e-9 * ratio) {
    Fail(path, "control_dt " + std::to_string(spec_.control_dt) + " s is not a whole number of the model's timestep (" +
                   std::to_string(m->opt.timestep) + " s)");
  }
  action_size_ = m->nu;
  for (int a = 0; a < m->nu; ++a) {
    if (!m->actuator_ctrllimited[a] || !(m->actuator_ctrlrange[2 * a] < m->actuator_ctrlrange[2 * a + 1])) {
      const char* name = mj_id2name(m, mjOBJ_ACTUATOR, a);
      Fail(path, std::string("actuator '") + (name ? name : "?") + "' has no ctrlrange; actions need one");
    }
  }

  // observed qpos coordinates: all but those of the excluded joints
  std::vector<bool> hidden(m->nq, false);
  for (const std::string& name : spec_.exclude) {
    const int j = Id(m, mjOBJ_JOINT, name, path, "joint");
    const int n = m->jnt_type[j] == mjJNT_FREE ? 7 : m->jnt_type[j] == mjJNT_BALL ? 4 : 1;
    for (int i = 0; i < n; ++i) hidden[m->jnt_qposadr[j] + i] = true;
  }
  for (int i = 0; i < m->nq; ++i) {
    if (!hidden[i]) observed_qpos_.push_back(i);
  }
  observation_size_ = static_cast<int>(observed_qpos_.size()) + m->nv;

  for (const RewardTerm& t : spec_.reward) {
    BoundTerm b{&t};
    if (t.kind == RewardTerm::kDistance) {
      if (!t.site.empty()) b.site = Id(m, mjOBJ_SITE, t.site, path, "site");
      if (!t.body.empty()) b.body = Id(m, mjOBJ_BODY, t.body, path, "body");
      observation_size_ += static_cast<int>(t.axes.size());
    } else if (t.kind == RewardTerm::kVelocity) {
      b.dof = m->jnt_dofadr[ScalarJoint(m, t.joint, path)];
    }
    terms_.push_back(b);
  }
  scene::CheckEpisodeStart(spec_.reset, m, "reset", path, "the model");
  for (const auto& [name, r] : spec_.reset.joints) {
    reset_joints_.push_back({m->jnt_qposadr[mj_name2id(m, mjOBJ_JOINT, name.c_str())], r.lo, r.hi});
  }
  for (const JointRange& r : spec_.terminate) {
    terminate_.push_back({m->jnt_qposadr[ScalarJoint(m, r.joint, path)], r.lo, r.hi});
  }
  for (int j = 0; j < m->njnt; ++j) {
    if (m->jnt_type[j] == mjJNT_HINGE || m->jnt_type[j] == mjJNT_SLIDE) reset_qvel_dofs_.push_back(m->jnt_dofadr[j]);
  }
  // the named free joints (by name), then, with a placement for every free joint, the others
  // (in model order)
  for (const auto& [name, placement] : spec_.reset.free) {
    const int j = mj_name2id(m, mjOBJ_JOINT, name.c_str());
    reset_free_.push_back({m->jnt_qposadr[j], m->jnt_dofadr[j], placement});
  }
  for (int j = 0; spec_.reset.every_free && j < m->njnt; ++j) {
    const char* name = mj_id2name(m, mjOBJ_JOINT, j);
    if (m->jnt_type[j] == mjJNT_FREE && !(name && spec_.reset.free.count(name))) {
      reset_free_.push_back({m->jnt_qposadr[j], m->jnt_dofadr[j], *spec_.reset.every_free});
    }
  }
}

namespace {

// a z offset is drawn only when its range is not a point, so that tasks written before "z"
// existed keep their draws
bool DrawsZ(const scene::FreePlacement& p) { return p.z.lo < p.z.hi; }

}  // namespace

int Task::RandomCount() const {
  int n = static_cast<int>(reset_joints_.size());
  for (const BoundFree& f : reset_free_) n += DrawsZ(f.placement) ? 4 : 3;
  return n;
}

void Task::ResetWith(const mjModel* m, mjData* d, const std::vector<double>& uniform,
                     const std::vector<double>& normal) const {
  mj_resetData(m, d);
  size_t u = 0;
  for (const BoundRange& r : reset_joints_) d->qpos[r.qpos] = r.lo + (r.hi - r.lo) * uniform[u++];
  for (const BoundFree& f : reset_free_) {
    const scene::FreePlacement& p = f.placement;
    mjtNum* q = d->qpos + f.qpos;
    for (int i = 0; i < 2; ++i) q[i] += p.xy.lo + (p.xy.hi - p.xy.lo) * uniform[u++];
    q[2] += DrawsZ(p) ? p.z.lo + (p.z.hi - p.z.lo) * uniform[u++] : p.z.lo;
    // a turn about the world z axis, before the body's own orientation
    const double yaw = p.yaw.lo + (p.yaw.hi - p.yaw.lo) * uniform[u++];
    const mjtNum turn[4] = {std::cos(yaw / 2), 0, 0, std::sin(yaw / 2)};
    mjtNum turned[4];
    mju_mulQuat(turned, turn, q + 3);
    mju_copy4(q + 3, turned);
    // thrown: the normals of the free joint's own dofs
    for (int i = 0; i < 3; ++i) d->qvel[f.dof + i] = p.vel * normal[f.dof + i];
    for (int i = 3; i < 6; ++i) d->qvel[f.dof + i] = p.angvel * normal[f.dof + i];
  }
  for (int dof : reset_qvel_dofs_) d->qvel[dof] = spec_.reset.qvel * normal[dof];
  mj_forward(m, d);
}

void Task::ActionToCtrl(const double* action, double* ctrl) const {
  for (int a = 0; a < m_->nu; ++a) {
    const double x = std::clamp(action[a], -1.0, 1.0);
    const double lo = m_->actuator_ctrlrange[2 * a], hi = m_->actuator_ctrlrange[2 * a + 1];
    ctrl[a] = lo + 0.5 * (x + 1) * (hi - lo);
  }
}

namespace {

const mjtNum* Point(const mjData* d, int site, int body) {
  return site >= 0 ? d->site_xpos + 3 * site : d->xpos + 3 * body;
}

}  // namespace

void Task::Observe(const mjData* d, double* obs) const {
  int k = 0;
  for (int i : observed_qpos_) obs[k++] = d->qpos[i];
  for (int i = 0; i < m_->nv; ++i) obs[k++] = d->qvel[i];
  for (const BoundTerm& b : terms_) {
    if (b.term->kind != RewardTerm::kDistance) continue;
    const mjtNum* p = Point(d, b.site, b.body);
    for (int a : b.term->axes) obs[k++] = b.term->goal[a] - p[a];
  }
}

double Task::Reward(const mjData* d, const double* action) const {
  double r = 0;
  const bool terminated = Terminated(d);
  for (const BoundTerm& b : terms_) {
    const RewardTerm& t = *b.term;
    switch (t.kind) {
      case RewardTerm::kDistance: {
        const mjtNum* p = Point(d, b.site, b.body);
        double sq = 0;
        for (int a : t.axes) sq += (p[a] - t.goal[a]) * (p[a] - t.goal[a]);
        r += t.weight * std::sqrt(sq);
        break;
      }
      case RewardTerm::kVelocity: r += t.weight * d->qvel[b.dof]; break;
      case RewardTerm::kCtrl: {
        double sq = 0;
        for (int a = 0; a < m_->nu; ++a) {
          const double x = std::clamp(action[a], -1.0, 1.0);
          sq += x * x;
        }
        r += t.weight * sq;
        break;
      }
      case RewardTerm::kAlive:
        if (!terminated) r += t.weight;
        break;
    }
  }
  return r;
}

bool Task::Terminated(const mjData* d) const {
  for (const BoundRange& r : terminate_) {
    const double q = d->qpos[r.qpos];
    if (!(q >= r.lo && q <= r.hi)) return true;
  }
  return false;
}

std::string TaskPathOfScene(const std::string& scene_folder) {
  const std::filesystem::path p = std::filesystem::path(scene_folder) / "task.json";
  std::error_code ec;
  return std::filesystem::exists(p, ec) ? p.string() : "";
}

}  // namespace mjhybrid::rl
