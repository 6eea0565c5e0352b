#include "plugin/mujoco/contact_pairs.h"

#include <algorithm>
#include <cmath>

namespace mjhybrid {

namespace {

const char* GeomTypeName(int type) {
  switch (type) {
    case mjGEOM_PLANE: return "plane";
    case mjGEOM_HFIELD: return "hfield";
    case mjGEOM_SPHERE: return "sphere";
    case mjGEOM_CAPSULE: return "capsule";
    case mjGEOM_ELLIPSOID: return "ellipsoid";
    case mjGEOM_CYLINDER: return "cylinder";
    case mjGEOM_BOX: return "box";
    case mjGEOM_MESH: return "mesh";
    case mjGEOM_SDF: return "sdf";
    default: return "unknown";
  }
}

bool Static(const mjModel* m, int body) { return m->body_weldid[body] == 0; }

// velocity of `body` (linear at `point`, then angular), world frame
void PointVelocity(const mjModel* m, const mjData* d, int body, const mjtNum point[3], mjtNum out[6]) {
  if (Static(m, body)) {
    mju_zero(out, 6);
    return;
  }
  mjtNum v[6];  // angular, linear at the body's centre of mass
  mj_objectVelocity(m, d, mjOBJ_BODY, body, v, 0);
  mjtNum arm[3], spin[3];
  mju_sub3(arm, point, d->xipos + 3 * body);
  mju_cross(spin, v, arm);
  mju_add3(out, v + 3, spin);
  mju_copy3(out + 3, v);
}

}  // namespace

GeomShape GeomShapeOf(const mjModel* m, int geom) {
  GeomShape g;
  const char* name = mj_id2name(m, mjOBJ_GEOM, geom);
  g.name = name ? name : "#" + std::to_string(geom);
  g.type = GeomTypeName(m->geom_type[geom]);
  for (int i = 0; i < 3; ++i) g.size[i] = m->geom_size[3 * geom + i];
  return g;
}

std::string ResolveContactPairs(const mjModel* m, const std::vector<ContactPair>& pairs,
                                std::vector<ResolvedPair>* out) {
  out->clear();
  for (const ContactPair& pair : pairs) {
    ResolvedPair r;
    int* ids[2] = {&r.geom1, &r.geom2};
    const GeomShape* shapes[2] = {&pair.geom1, &pair.geom2};
    for (int i = 0; i < 2; ++i) {
      *ids[i] = mj_name2id(m, mjOBJ_GEOM, shapes[i]->name.c_str());
      if (*ids[i] < 0) {
        return "contact pair (" + pair.geom1.name + ", " + pair.geom2.name + "): the scene has no geom named '" +
               shapes[i]->name + "'";
      }
      std::string differs = CompareShapes(*shapes[i], GeomShapeOf(m, *ids[i]));
      if (!differs.empty()) return "contact pair (" + pair.geom1.name + ", " + pair.geom2.name + "): " + differs;
    }
    r.body1 = m->geom_bodyid[r.geom1];
    r.body2 = m->geom_bodyid[r.geom2];
    if (m->body_weldid[r.body1] == m->body_weldid[r.body2]) {
      return "contact pair (" + pair.geom1.name + ", " + pair.geom2.name +
             "): the geoms can never touch, they are fixed to each other (same body or welded)";
    }
    out->push_back(r);
  }
  return "";
}

int ExplicitPair(const mjModel* m, const ResolvedPair& p) {
  for (int i = 0; i < m->npair; ++i) {
    const int a = m->pair_geom1[i], b = m->pair_geom2[i];
    if ((a == p.geom1 && b == p.geom2) || (a == p.geom2 && b == p.geom1)) return i;
  }
  return -1;
}

std::string NativeContact(const mjModel* m, const ResolvedPair& p) {
  if (ExplicitPair(m, p) >= 0) return "an explicit <contact><pair> makes them collide";
  if (m->opt.disableflags & mjDSBL_CONTACT) return "";
  const bool compatible = (m->geom_contype[p.geom1] & m->geom_conaffinity[p.geom2]) ||
                          (m->geom_contype[p.geom2] & m->geom_conaffinity[p.geom1]);
  if (!compatible) return "";
  // MuJoCo's parent filter: a body does not collide with its (welded) parent, unless that
  // parent is the world
  if (!(m->opt.disableflags & mjDSBL_FILTERPARENT)) {
    const int w1 = m->body_weldid[p.body1], w2 = m->body_weldid[p.body2];
    const int parent1 = m->body_weldid[m->body_parentid[w1]], parent2 = m->body_weldid[m->body_parentid[w2]];
    if ((parent2 == w1 && w1 != 0) || (parent1 == w2 && w2 != 0)) return "";
  }
  // MuJoCo's exclude signature is (smaller body id << 16) + larger body id
  const int lo = std::min(p.body1, p.body2), hi = std::max(p.body1, p.body2);
  const int signature = (lo << 16) + hi;
  for (int i = 0; i < m->nexclude; ++i) {
    if (m->exclude_signature[i] == signature) return "";
  }
  return "their contype/conaffinity let them collide and no <contact><exclude> separates their bodies";
}

namespace {

// a lower bound on the distance between two geoms from their oriented bounding boxes
// (geom_aabb: centre and half-sizes in the geom's frame): the largest gap between the boxes'
// shadows on the six face normals. Shadows are no longer than what casts them, so the gap is
// never more than the distance. Tighter than bounding spheres for long, thin geoms such as
// walls, whose sphere reaches far beyond them.
mjtNum BoxSeparation(const mjModel* m, const mjData* d, int g1, int g2) {
  const int geoms[2] = {g1, g2};
  const mjtNum* R[2];
  const mjtNum* half[2];
  mjtNum centre[2][3];
  for (int k = 0; k < 2; ++k) {
    R[k] = d->geom_xmat + 9 * geoms[k];
    half[k] = m->geom_aabb + 6 * geoms[k] + 3;
    mju_mulMatVec3(centre[k], R[k], m->geom_aabb + 6 * geoms[k]);
    mju_addTo3(centre[k], d->geom_xpos + 3 * geoms[k]);
  }
  mjtNum between[3];
  mju_sub3(between, centre[1], centre[0]);
  mjtNum best = -mjMAXVAL;
  for (int k = 0; k < 2; ++k) {
    for (int axis = 0; axis < 3; ++axis) {
      // a column of the rotation: the box's face normal in the world
      const mjtNum n[3] = {R[k][axis], R[k][3 + axis], R[k][6 + axis]};
      mjtNum reach = 0;
      for (int b = 0; b < 2; ++b) {
        for (int j = 0; j < 3; ++j) {
          reach += half[b][j] * std::abs(n[0] * R[b][j] + n[1] * R[b][3 + j] + n[2] * R[b][6 + j]);
        }
      }
      best = std::max(best, std::abs(mju_dot3(n, between)) - reach);
    }
  }
  return best;
}

// a lower bound on the distance between two geoms, so that pairs far apart skip the narrow
// phase as MuJoCo's own broad phase lets them: the larger of the bounding spheres' gap and the
// bounding boxes' (a plane's half-space for planes)
mjtNum BoundingDistance(const mjModel* m, const mjData* d, int g1, int g2) {
  const bool plane1 = m->geom_type[g1] == mjGEOM_PLANE, plane2 = m->geom_type[g2] == mjGEOM_PLANE;
  if (plane1 == plane2) {
    if (plane1) return 0;  // two planes: no bound
    mjtNum between[3];
    mju_sub3(between, d->geom_xpos + 3 * g2, d->geom_xpos + 3 * g1);
    const mjtNum spheres = mju_norm3(between) - m->geom_rbound[g1] - m->geom_rbound[g2];
    return std::max(spheres, BoxSeparation(m, d, g1, g2));
  }
  const int plane = plane1 ? g1 : g2, other = plane1 ? g2 : g1;
  const mjtNum* R = d->geom_xmat + 9 * plane;
  mjtNum offset[3], normal[3] = {R[2], R[5], R[8]};
  mju_sub3(offset, d->geom_xpos + 3 * other, d->geom_xpos + 3 * plane);
  return mju_dot3(offset, normal) - m->geom_rbound[other];
}

}  // namespace

void MeasurePair(const mjModel* m, mjData* d, const ResolvedPair& p, double range, PairState* s) {
  mjtNum fromto[6] = {0, 0, 0, 0, 0, 0};
  const mjtNum bound = BoundingDistance(m, d, p.geom1, p.geom2);
  const mjtNum dist = bound >= range ? range : mj_geomDistance(m, d, p.geom1, p.geom2, range, fromto);
  s->distance = dist;
  s->near = dist < range;
  if (!s->near) {
    mju_zero3(s->normal);
    mju_copy3(s->point, d->geom_xpos + 3 * p.geom2);
    mju_zero(s->velocity, 6);
    return;
  }
  mju_copy3(s->point, fromto + 3);
  // fromto runs from geom1's nearest point to geom2's; when they overlap it runs backwards,
  // so (to - from) / distance points from geom1 to geom2 either way
  mjtNum gap[3];
  mju_sub3(gap, fromto + 3, fromto);
  if (std::abs(dist) > 1e-9 && mju_norm3(gap) > 1e-12) {
    mju_scl3(s->normal, gap, 1 / dist);
    mju_normalize3(s->normal);
  } else if (m->geom_type[p.geom1] == mjGEOM_PLANE) {
    // exactly touching: the segment has no direction; a plane's normal is its z axis
    const mjtNum* R = d->geom_xmat + 9 * p.geom1;
    mjtNum z[3] = {R[2], R[5], R[8]};
    mju_copy3(s->normal, z);
  } else if (m->geom_type[p.geom2] == mjGEOM_PLANE) {
    const mjtNum* R = d->geom_xmat + 9 * p.geom2;
    mjtNum z[3] = {-R[2], -R[5], -R[8]};
    mju_copy3(s->normal, z);
  } else {
    mju_sub3(s->normal, d->geom_xpos + 3 * p.geom2, d->geom_xpos + 3 * p.geom1);
    if (mju_normalize3(s->normal) < mjMINVAL) {
      mjtNum up[3] = {0, 0, 1};
      mju_copy3(s->normal, up);
    }
  }
  mjtNum v1[6], v2[6];
  PointVelocity(m, d, p.body1, s->point, v1);
  PointVelocity(m, d, p.body2, s->point, v2);
  for (int i = 0; i < 6; ++i) s->velocity[i] = v2[i] - v1[i];
}

void ApplyPairWrench(const mjModel* m, mjData* d, const ResolvedPair& p, const PairState& s,
                     const double wrench[kWrenchSize], mjtNum* qfrc) {
  mjtNum point[3], force[3], torque[3];
  mju_copy3(point, s.point);
  mju_copy3(force, wrench);
  mju_copy3(torque, wrench + 3);
  if (!Static(m, p.body2)) mj_applyFT(m, d, force, torque, point, p.body2, qfrc);
  if (!Static(m, p.body1)) {
    mju_scl3(force, force, -1);
    mju_scl3(torque, torque, -1);
    mj_applyFT(m, d, force, torque, point, p.body1, qfrc);
  }
}

void PairJacobian(const mjModel* m, mjData* d, const ResolvedPair& p, const PairState& s,
                  mjtNum* jacobian) {
  const int nv = static_cast<int>(m->nv);
  mjtNum* jacp = jacobian;
  mjtNum* jacr = jacobian + 3 * nv;
  mjtNum* other = static_cast<mjtNum*>(mju_malloc(sizeof(mjtNum) * 6 * nv));
  mj_jac(m, d, jacp, jacr, s.point, p.body2);
  mj_jac(m, d, other, other + 3 * nv, s.point, p.body1);
  mju_subFrom(jacobian, other, 6 * nv);
  mju_free(other);
}

}  // namespace mjhybrid
