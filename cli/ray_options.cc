#include "cli/ray_options.h"

#include <stdexcept>

namespace mjhybrid::cli {

void AddRayOptions(CLI::App* cmd, scene::RayOptions* o) {
  o->python = MJHYBRID_PYTHON;
  cmd->add_flag("--ray", o->on, "run the units (fits, trainings) as Ray tasks, on a local Ray instance by default");
  cmd->add_option("--ray-address", o->address, "with --ray: the running Ray cluster to use (HOST:PORT, ray://HOST:PORT, auto)");
  // what a Ray task passes (python/mjhybrid/ray_units.py): not for users, so not in --help
  cmd->add_option("--ray-unit", o->unit)->group("");
  cmd->add_option("--ray-unit-record", o->unit_record)->group("");
}

bool CheckRayOptions(const scene::RayOptions& o) {
  if (!o.address.empty() && !o.on) throw std::runtime_error("--ray-address needs --ray");
  if (o.unit.empty() != o.unit_record.empty()) throw std::runtime_error("--ray-unit and --ray-unit-record go together");
  return !o.unit.empty();
}

}  // namespace mjhybrid::cli
