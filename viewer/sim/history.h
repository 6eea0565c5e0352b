// The recent past of the three worlds, one sample per physics step, in a ring buffer of fixed
// capacity (no allocation once full): time, each world's qpos and qvel, the analytic and hybrid
// errors against real, and the ensemble's disagreement. The plots read it; the CSV export
// writes it.

#ifndef MJHYBRID_VIEWER_SIM_HISTORY_H_
#define MJHYBRID_VIEWER_SIM_HISTORY_H_

#include <mujoco/mujoco.h>

#include <string>
#include <vector>

#include "viewer/sim/world.h"

namespace mjhybrid::viewer {

// one plotted scalar: a hinge/slide coordinate, a free body's x/y/z, or one velocity DOF
struct Channel {
  std::string name;  // "shoulder", "object.x", "object.wz"
  int qpos = -1;     // index into qpos, -1 for a velocity channel
  int qvel = -1;     // index into qvel, -1 for a position channel
};

// the position channels then the velocity channels of a model, named after its joints
std::vector<Channel> PositionChannels(const mjModel* m);
std::vector<Channel> VelocityChannels(const mjModel* m);

// errors of one step: RMSE over position / velocity DOFs against real (NaN without a real world)
struct StepErrors {
  double qpos = 0, qvel = 0;
};

class History {
 public:
  History(int capacity, int nq, int nv);

  int capacity() const { return capacity_; }
  int size() const { return size_; }
  void Clear();

  // appends one sample; a world that is not live is recorded as NaN
  void Push(double time, const World* const worlds[kWorldCount], const StepErrors errors[kWorldCount],
            double disagreement);

  // sample i, 0 = the oldest still held
  double time(int i) const { return time_[Slot(i)]; }
  double qpos(int world, int i, int index) const { return qpos_[(Slot(i) * kWorldCount + world) * nq_ + index]; }
  double qvel(int world, int i, int index) const { return qvel_[(Slot(i) * kWorldCount + world) * nv_ + index]; }
  double value(int world, int i, const Channel& c) const {
    return c.qpos >= 0 ? qpos(world, i, c.qpos) : qvel(world, i, c.qvel);
  }
  const StepErrors& errors(int world, int i) const { return errors_[Slot(i) * kWorldCount + world]; }
  double disagreement(int i) const { return disagreement_[Slot(i)]; }

  // every sample, oldest first: time, then world.channel for each world and channel, the
  // errors of analytic and hybrid, the disagreement. Throws with one line if it cannot write.
  void WriteCsv(const std::string& path, const std::vector<Channel>& channels) const;

 private:
  int Slot(int i) const { return (start_ + i) % capacity_; }

  int capacity_, nq_, nv_;
  int start_ = 0, size_ = 0;
  std::vector<double> time_, qpos_, qvel_, disagreement_;
  std::vector<StepErrors> errors_;
};

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_SIM_HISTORY_H_
