// A trained policy (mjhybrid policy-train) as the viewer's control source: it observes the real
// world (the reference world when the scene has none) the way its task defines observations,
// and its action, held for the task's control period, drives all three worlds. So the window
// shows the policy closed-loop on the real system, and what the analytic and hybrid models
// predict under the very same controls.

#ifndef MJHYBRID_VIEWER_POLICY_CONTROL_H_
#define MJHYBRID_VIEWER_POLICY_CONTROL_H_

#include <string>

#include "viewer/sim/lockstep.h"

namespace mjhybrid::viewer {

// loads the checkpoint for the scene's task (task.json beside the scene's files) and makes it
// available as sim's "policy" control source; throws one line when the scene has no task, the
// policy was trained for another scene or task, or the file is not a policy
void AttachPolicy(Lockstep* sim, const std::string& policy_path);

}  // namespace mjhybrid::viewer

#endif  // MJHYBRID_VIEWER_POLICY_CONTROL_H_
