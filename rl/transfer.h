// `mjhybrid transfer`: does a policy trained on a simulator work on the real system? For a
// scene with a task.json, PPO trains with the same budget and seeds on
//
//   nominal      sim.xml as written
//   randomized   sim.xml with its physical parameters randomized (rl/randomize.h)
//   hybrid       hybrid.xml: sim.xml plus the scene's shipped residual
//   oracle       real.xml itself (what training on the robot would give)
//
// and every policy is scored, during training and at the end, on real.xml. Predictive-sampling
// MPC plans with sim.xml (mpc-nominal) and with hybrid.xml (mpc-hybrid) and acts on real.xml.
// real.xml is used as the black box it stands for: reset to task start states, driven, and
// observed (qpos, qvel).
//
// One new run folder:
//   curves.csv    tidy: method, seed, steps, real_return, real_return_std
//   returns.csv   tidy: method, seed, episode, real_return (the final scores)
//   transfer.json {"methods": {NAME: {"real_return", "real_return_std", ...}}, config, versions}
//   table.md      printed too
//   *.pt          the final policies;  curves.png made by scripts/transfer_plots.py
//   progress.json the journal of finished units (scene/run_journal.h): the idle score, each
//                 (method, seed) policy with its curve and final returns, each MPC method. A
//                 stopped run resumes from it, losing at most the unit in flight; the resumed
//                 results equal an uninterrupted run's (wall times aside). curves.csv and
//                 returns.csv are rewritten whole after each unit.
//
// With options.ray.on the policies and MPC methods run as Ray tasks (scene/ray_units.h), on a
// local Ray instance or a running cluster; the run folder ends the same (wall times aside).

#ifndef MJHYBRID_RL_TRANSFER_H_
#define MJHYBRID_RL_TRANSFER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "rl/mpc.h"
#include "rl/ppo.h"
#include "scene/ray_units.h"

namespace mjhybrid::rl {

struct TransferOptions {
  std::string scene;  // folder with real.xml, sim.xml, hybrid.xml and task.json
  std::string out;    // run folder to create (never overwritten)
  std::string json;   // optional copy of transfer.json
  std::vector<std::string> methods = {"nominal", "randomized", "hybrid", "oracle", "mpc-nominal", "mpc-hybrid"};
  std::vector<uint64_t> seeds = {0, 1};
  int num_envs = 16;
  int threads = 1;
  int eval_episodes = 16;  // real.xml episodes per score
  int evals = 8;           // scores along each training run
  int randomized_models = 8;
  double randomize_spread = 2;
  int mpc_episodes = 8;
  PpoOptions ppo;
  MpcOptions mpc;
  // the command line, recorded in the journal so that `transfer --resume` can run it again
  std::vector<std::string> arguments;
  bool resume = false;  // continue the run in `out` (its journal) instead of starting one
  scene::RayOptions ray;  // the units as Ray tasks; or (ray.unit) this process is one such task
};

// With options.ray.unit set it computes that one unit of the run in `out` and writes the unit's
// record to options.ray.unit_record
void RunTransfer(const TransferOptions& options);

}  // namespace mjhybrid::rl

#endif  // MJHYBRID_RL_TRANSFER_H_
