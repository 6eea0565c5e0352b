// Distances between two states of one model, in the units the metrics report: one position
// DOF per hinge or slide coordinate, three per free-joint position, and one per orientation
// (free or ball joint) measured as the rotation angle between the two quaternions. Used by the
// k-step error, sysid's fitted error and the viewer's live metrics.

#ifndef MJHYBRID_SCENE_STATE_DISTANCE_H_
#define MJHYBRID_SCENE_STATE_DISTANCE_H_

#include <mujoco/mujoco.h>

#include <vector>

#include "scene/dataset.h"

namespace mjhybrid::scene {

// position error DOFs: hinge/slide 1, ball 1 (angle), free 3 + 1 (angle)
int PositionDofs(const mjModel* m);
// per position DOF, whether it is an angle (hinge, ball, a free joint's rotation) or a length
// (slide, a free joint's x, y, z)
std::vector<bool> PositionDofIsAngle(const mjModel* m);
// qa - qb per position DOF (out[PositionDofs(m)]); orientations as the angle between them
void PositionErrors(const mjModel* m, const double* qa, const double* qb, double* out);

// the standard deviation of each position DOF (orientations against the first recorded one)
// and each velocity DOF over the recorded states: the units errors are normalized by
void DofScales(const mjModel* m, const TrajectoryDataset& data, std::vector<double>* pos,
               std::vector<double>* vel);

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_STATE_DISTANCE_H_
