// The study: the residual against the methods a sceptic would try first, on the same
// data, in one run. For a scene folder it collects training and held-out trajectories from
// real.xml (the scene's protocol), then fits and scores on the held-out set:
//
//   nominal          sim.xml as written
//   sysid            sim.xml with its physical parameters identified (scene/sysid.h)
//   sysid+residual   a residual trained on top of the identified model
//   params           sim.xml with contact parameters fitted per geom pair (scene/params_fit.h,
//                    plugin mode params), where the data hold contacts and scene.json's
//                    "fit_params" is not false; named sysid+params where they are fitted on the
//                    identified model, as the demo does unless scene.json says "sysid": false
//   params+residual  a residual trained on top of the fitted contact parameters (sysid+params+
//                    residual on the identified model: hopper's shipped combination)
//   learned          a pure learned next-state model (pipeline/learned_model.h)
//   hybrid           the residual on the nominal model (augment)
//   hybrid-replace   a contact model for the scene's replace pairs (when scene.json has them)
//
// The learned methods run for several seeds; the data-efficiency sweep refits on the first
// 10 s, 30 s, 1 min of the training data. Everything lands in one new run folder:
//   results.csv   tidy: method, seed, data_s, horizon, metric, value
//   study.json    eval-shaped summary (mean and std over seeds) + config, versions, git hash
//   table.md      the Markdown table that is also printed
//   overlay.csv   one held-out episode, real vs each method (the trajectory plot)
//   *.png         made from those files by scripts/study_plots.py (the command does that)
//   METHOD-sSEED[-BUDGET].safetensors, sysid[-BUDGET].xml, params[-BUDGET].safetensors and
//                 .xml, data/*.h5: what was fitted and on
//                 what (learned-sFIRST.safetensors: the pure learned model of the overlay)
//   progress.json the journal of finished units (scene/run_journal.h): the data, each
//                 identification, each fit with its scores. A stopped study resumes from it
//                 and loses at most the fit in flight; its results equal an uninterrupted run's
//                 (the fit times aside).
//
// With options.ray.on the units after the data run as Ray tasks (scene/ray_units.h), on a local
// Ray instance or a running cluster; the run folder ends the same (the fit times aside).

#ifndef MJHYBRID_PIPELINE_STUDY_H_
#define MJHYBRID_PIPELINE_STUDY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/trainer.h"
#include "scene/ray_units.h"

namespace mjhybrid::pipeline {

struct StudyOptions {
  std::string scene;   // folder with real.xml, sim.xml, optional scene.json
  std::string out;     // the run folder: created, never overwritten
  std::string json;    // optional second copy of study.json
  std::vector<uint64_t> seeds = {0, 1, 2};
  std::vector<double> data_seconds = {10, 30, 60};  // plus the whole training set
  int eval_stride = 2;  // k-step error from every other start index
  double eval_spacing = 0.01;  // and horizon h's starts at least h / 100 apart (scene/kstep_error.h)
  // > 0: override the scene protocol's episode counts and length (quick runs, tests)
  int episodes = 0, eval_episodes = 0, steps = 0;
  double dt = 0;       // > 0: the control period to record at, instead of the protocol's
  std::string sim;     // not empty: the analytic model, instead of the scene's sim.xml (e.g.
                       // the scene's older settings: another timestep or integrator)
  TrainOptions train;
  // the command line, recorded in the journal so that `study --resume` can run it again
  std::vector<std::string> arguments;
  bool resume = false;  // continue the study in `out` (its journal) instead of starting one
  scene::RayOptions ray;  // the units as Ray tasks; or (ray.unit) this process is one such task
};

// refuses an existing run folder before anything is written (unless resuming it); throws one
// line on bad input. With options.ray.unit set it computes that one unit of the study in `out`
// (which has its data) and writes the unit's record to options.ray.unit_record
void RunStudy(const StudyOptions& options);

}  // namespace mjhybrid::pipeline

#endif  // MJHYBRID_PIPELINE_STUDY_H_
