#include "viewer/sim/history.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <limits>
#include <stdexcept>

#include "scene/run_files.h"

namespace mjhybrid::viewer {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string JointName(const mjModel* m, int j) {
  const char* name = mj_id2name(m, mjOBJ_JOINT, j);
  return name && name[0] ? name : "joint" + std::to_string(j);
}

}  // namespace

std::vector<Channel> PositionChannels(const mjModel* m) {
  std::vector<Channel> out;
  for (int j = 0; j < m->njnt; ++j) {
    const int a = m->jnt_qposadr[j];
    switch (m->jnt_type[j]) {
      case mjJNT_FREE:
        // the position of a free body; its orientation is a quaternion, not a plottable scalar
        for (int i = 0; i < 3; ++i) out.push_back({JointName(m, j) + "." + "xyz"[i], a + i, -1});
        break;
      case mjJNT_BALL:
        break;
      default:
        out.push_back({JointName(m, j), a, -1});
    }
  }
  return out;
}

std::vector<Channel> VelocityChannels(const mjModel* m) {
  static const char* const kFree[] = {"vx", "vy", "vz", "wx", "wy", "wz"};
  static const char* const kBall[] = {"wx", "wy", "wz"};
  std::vector<Channel> out;
  for (int j = 0; j < m->njnt; ++j) {
    const int v = m->jnt_dofadr[j];
    switch (m->jnt_type[j]) {
      case mjJNT_FREE:
        for (int i = 0; i < 6; ++i) out.push_back({JointName(m, j) + "." + kFree[i], -1, v + i});
        break;
      case mjJNT_BALL:
        for (int i = 0; i < 3; ++i) out.push_back({JointName(m, j) + "." + kBall[i], -1, v + i});
        break;
      default:
        out.push_back({JointName(m, j) + ".vel", -1, v});
    }
  }
  return out;
}

History::History(int capacity, int nq, int nv)
    : capacity_(capacity < 1 ? 1 : capacity), nq_(nq), nv_(nv),
      time_(capacity_), qpos_(static_cast<size_t>(capacity_) * kWorldCount * nq),
      qvel_(static_cast<size_t>(capacity_) * kWorldCount * nv), disagreement_(capacity_),
      errors_(static_cast<size_t>(capacity_) * kWorldCount) {}

void History::Clear() {
  start_ = 0;
  size_ = 0;
}

void History::Push(double time, const World* const worlds[kWorldCount], const StepErrors errors[kWorldCount],
                   double disagreement) {
  int slot;
  if (size_ < capacity_) {
    slot = Slot(size_++);
  } else {
    slot = start_;
    start_ = (start_ + 1) % capacity_;
  }
  time_[slot] = time;
  disagreement_[slot] = disagreement;
  for (int w = 0; w < kWorldCount; ++w) {
    double* qpos = &qpos_[(static_cast<size_t>(slot) * kWorldCount + w) * nq_];
    double* qvel = &qvel_[(static_cast<size_t>(slot) * kWorldCount + w) * nv_];
    const World* world = worlds[w];
    const bool live = world && world->live();
    for (int i = 0; i < nq_; ++i) qpos[i] = live ? world->data()->qpos[i] : kNaN;
    for (int i = 0; i < nv_; ++i) qvel[i] = live ? world->data()->qvel[i] : kNaN;
    errors_[static_cast<size_t>(slot) * kWorldCount + w] = errors[w];
  }
}

void History::WriteCsv(const std::string& path, const std::vector<Channel>& channels) const {
  std::ostringstream out;
  out << "time";
  for (int w = 0; w < kWorldCount; ++w) {
    for (const Channel& c : channels) out << ',' << WorldLabel(static_cast<WorldKind>(w)) << '.' << c.name;
  }
  out << ",analytic.qpos_error,analytic.qvel_error,hybrid.qpos_error,hybrid.qvel_error,hybrid.disagreement\n";
  out.precision(9);
  const int analytic = static_cast<int>(WorldKind::kAnalytic), hybrid = static_cast<int>(WorldKind::kHybrid);
  for (int i = 0; i < size_; ++i) {
    out << time(i);
    for (int w = 0; w < kWorldCount; ++w) {
      for (const Channel& c : channels) out << ',' << value(w, i, c);
    }
    out << ',' << errors(analytic, i).qpos << ',' << errors(analytic, i).qvel << ',' << errors(hybrid, i).qpos << ','
        << errors(hybrid, i).qvel << ',' << disagreement(i) << '\n';
  }
  scene::WriteText(path, out.str());  // whole or not at all
}

}  // namespace mjhybrid::viewer
