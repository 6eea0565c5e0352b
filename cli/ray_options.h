// The Ray option block of `study` and `transfer` (scene/ray_units.h): --ray, --ray-address, and
// the hidden --ray-unit/--ray-unit-record with which a Ray task runs one unit of the run.

#ifndef MJHYBRID_CLI_RAY_OPTIONS_H_
#define MJHYBRID_CLI_RAY_OPTIONS_H_

#include <CLI/CLI.hpp>

#include "scene/ray_units.h"

namespace mjhybrid::cli {

void AddRayOptions(CLI::App* cmd, scene::RayOptions* o);

// after parsing: throws one line for --ray-address without --ray; whether this process is a Ray
// task's one unit (it then neither says how to resume nor makes plots: the run's command does)
bool CheckRayOptions(const scene::RayOptions& o);

}  // namespace mjhybrid::cli

#endif  // MJHYBRID_CLI_RAY_OPTIONS_H_
