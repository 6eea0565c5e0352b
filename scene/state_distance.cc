#include "scene/state_distance.h"

#include <algorithm>
#include <cmath>

namespace mjhybrid::scene {

namespace {

// rotation angle between two unit quaternions (w, x, y, z)
double QuatAngle(const double* a, const double* b) {
  double dot = std::abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);
  return 2 * std::acos(std::min(1.0, dot));
}

}  // namespace

int PositionDofs(const mjModel* m) {
  int n = 0;
  for (int j = 0; j < m->njnt; ++j) n += m->jnt_type[j] == mjJNT_FREE ? 4 : 1;
  return n;
}

std::vector<bool> PositionDofIsAngle(const mjModel* m) {
  std::vector<bool> angle;
  for (int j = 0; j < m->njnt; ++j) {
    if (m->jnt_type[j] == mjJNT_FREE) {
      angle.insert(angle.end(), {false, false, false, true});
    } else {
      angle.push_back(m->jnt_type[j] != mjJNT_SLIDE);
    }
  }
  return angle;
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

}  // namespace mjhybrid::scene
