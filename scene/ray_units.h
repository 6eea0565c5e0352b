// A long run's units of work as Ray tasks (`study --ray`, `transfer --ray`), on a local Ray
// instance the command starts or on a running cluster (--ray-address).
//
// A run is a walk through its units (scene/run_journal.h). A plain run computes every unit its
// journal has not recorded, in turn (UnitWalk::Whole). With --ray the command first walks
// without computing (UnitWalk::Plan): it computes only the shared units the others read (a
// study's data, transfer's idle score) and lists the rest, each with the units whose files it
// reads. The driver, python/mjhybrid/ray_units.py (RayUnits), runs each listed unit as a Ray
// task, and a task runs this same command line with --ray-unit NAME: a walk that computes NAME
// alone (UnitWalk::One), writes its files into the run folder and hands its journal record
// back. The command records the records as they arrive, then ends the run as a resumed run
// ends: every unit recorded, the summary made from the records. One code path computes every
// unit, so the results are the serial run's (wall times aside), and a run stopped on Ray
// resumes with --resume.
//
// The tasks write their files straight into the run folder and read the scene by the command
// line's paths: every node of a cluster must see the working directory at the same path (a
// shared filesystem), and have the same mjhybrid and Ray installed.

#ifndef MJHYBRID_SCENE_RAY_UNITS_H_
#define MJHYBRID_SCENE_RAY_UNITS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scene/run_journal.h"

namespace mjhybrid::scene {

struct RayOptions {
  bool on = false;       // --ray
  std::string address;   // --ray-address: a running cluster; empty: a local instance
  std::string python;    // the Python with Ray (the build's; $MJHYBRID_PYTHON wins)
  // internal, set by a Ray task: the one unit this process computes, and the file that
  // receives its journal record
  std::string unit, unit_record;
};

// a unit a run still has to do, and the units whose files it reads
struct PlannedUnit {
  std::string name;
  std::vector<std::string> needs;
};

// What a walk through a run does with each unit its journal has not recorded.
class UnitWalk {
 public:
  static UnitWalk Whole();  // computes and records it: a plain run
  static UnitWalk Plan();   // lists it for Ray; computes only the shared units
  // computes unit `name` alone and writes its record to `record_path`, not to the journal
  static UnitWalk One(const std::string& name, const std::string& record_path);

  // whether to compute `unit` now; Plan lists it with `needs` instead
  bool Computes(const std::string& unit, const std::vector<std::string>& needs);
  // the same for a unit the others read: Whole and Plan compute it, One does not
  bool ComputesShared() const { return kind_ != Kind::kOne; }
  // a computed unit's record: into the journal, or (One) into the record file
  void Finish(RunJournal* journal, const std::string& unit, nlohmann::json record);
  // whether the walk ends with the run's results; Plan and One only do units
  bool whole() const { return kind_ == Kind::kWhole; }
  const std::vector<PlannedUnit>& plan() const { return plan_; }
  // One: whether the walk met its unit (a name no walk meets is an error)
  bool found() const { return found_; }

 private:
  enum class Kind { kWhole, kPlan, kOne };
  explicit UnitWalk(Kind kind) : kind_(kind) {}
  Kind kind_;
  std::string unit_, record_path_;
  std::vector<PlannedUnit> plan_;
  bool found_ = false;
};

// The driver of a run's units on Ray (python/mjhybrid/ray_units.py), a child process. Started
// before the run writes anything, it checks that Ray and the address are there, then starts
// Ray (or connects) while the command computes the shared units, and waits for the plan.
class RayUnits {
 public:
  // throws one line when the units cannot go to Ray: no Ray in the Python, an address no
  // cluster answers on
  explicit RayUnits(const RayOptions& options);
  ~RayUnits();  // ends the driver (and its Ray) if it still runs
  RayUnits(const RayUnits&) = delete;
  RayUnits& operator=(const RayUnits&) = delete;

  // runs `plan` as Ray tasks: each runs this program with `arguments` (the command line the
  // run was started with, the command's name first) and --ray-unit NAME, in the current
  // directory. Each unit's record goes into `journal` as it arrives; throws one line when a
  // unit fails or Ray cannot run them (the recorded units stay: the run resumes with --resume)
  void Run(const std::vector<std::string>& arguments, const std::vector<PlannedUnit>& plan, RunJournal* journal);

 private:
  // the driver's next message; {"error": LINE} is thrown as LINE, and so is its end without one
  nlohmann::json Next();
  void ClosePlan();

  std::string python_, script_;
  int pid_ = -1;
  int plan_fd_ = -1;           // the driver's stdin: the plan, then end of file
  FILE* messages_ = nullptr;  // the driver's descriptor 3
  bool done_ = false;          // the driver said it has finished
};

}  // namespace mjhybrid::scene

#endif  // MJHYBRID_SCENE_RAY_UNITS_H_
