// mjhybrid-viewer: the real, analytic and hybrid worlds of a scene, side by side, in lockstep.
//
//   mjhybrid-viewer scenes/NAME                    the window
//   mjhybrid-viewer scenes/NAME --frames 300 --screenshot shot.png
//   mjhybrid-viewer scenes/NAME --headless --steps 2000 --csv out.csv
//   mjhybrid-viewer scenes/NAME --control policy --policy POLICY.pt

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include "scene/mujoco_util.h"
#include "scene/run_files.h"
#include "viewer/sim/lockstep.h"
#include "viewer/ui/app.h"
#ifdef MJHYBRID_VIEWER_POLICY
#include "viewer/policy_control.h"
#endif

namespace mjhybrid::viewer {

using scene::CheckOutputPath;
using scene::InstallMujocoLogHandler;
namespace {

struct Args {
  std::string scene;
  bool headless = false;
  long steps = 1000;
  std::string csv;
  bool force = false;
  std::string control = "random";
  std::string data;
  std::string policy;
  int episode = 0;
  int sync_every = 0;
  uint64_t seed = 0;
  std::string layout = "side";
  std::string size = "1600x900";
  WindowOptions window;
};

void Fail(const std::string& what) {
  throw std::runtime_error(what);
}

void ChooseControls(const Args& args, Lockstep* sim) {
  ControlSource& controls = sim->controls();
  if (!args.policy.empty()) {
#ifdef MJHYBRID_VIEWER_POLICY
    AttachPolicy(sim, args.policy);
#else
    Fail("this viewer was built without LibTorch: --policy is not available");
#endif
  }
  if (args.control == "policy" && args.policy.empty()) Fail("--control policy needs --policy FILE (from `mjhybrid policy-train`)");
  if (args.control == "policy") {
    controls.UsePolicy();
  } else if (args.control == "manual") {
    controls.UseManual();
  } else if (args.control == "random") {
    controls.UseRandom(args.seed);
  } else {
    std::string error;
    if (args.data.empty()) Fail("--control replay needs --data FILE (a dataset from `mjhybrid collect`)");
    if (!controls.UseReplay(args.data, args.episode, &error)) Fail(error);
  }
  if (!args.data.empty() && args.control != "replay") Fail("--data is only used with --control replay");
  sim->Reset();
}

void PrintMetrics(const Lockstep& sim) {
  std::printf("%s: %ld steps (%.3f s), sync every %d steps\n", sim.files().name.c_str(), sim.steps(), sim.time(),
              sim.sync_every());
  for (int w = 0; w < kWorldCount; ++w) {
    const World& world = sim.world(static_cast<WorldKind>(w));
    if (world.present() && !world.error().empty()) std::printf("  %s: %s\n", world.label(), world.error().c_str());
  }
  if (!sim.world(WorldKind::kReal).live()) {
    std::printf("  no real world: no errors to report\n");
    return;
  }
  std::printf("  %6s %8s %14s %14s %14s %14s\n", "k", "samples", "analytic qpos", "hybrid qpos", "analytic qvel",
              "hybrid qvel");
  const int a = static_cast<int>(WorldKind::kAnalytic), h = static_cast<int>(WorldKind::kHybrid);
  for (const KStepRow& row : sim.metrics().rows()) {
    if (row.samples == 0) continue;
    std::printf("  %6d %8d %14.6g %14.6g %14.6g %14.6g\n", row.k, row.samples, row.mean[a].qpos, row.mean[h].qpos,
                row.mean[a].qvel, row.mean[h].qvel);
  }
}

int RunHeadless(const Args& args, Lockstep* sim) {
  if (args.steps < 1) Fail("--steps must be >= 1");
  if (!args.csv.empty()) CheckOutputPath(args.csv, args.force);
  long done = 0;
  while (done < args.steps && sim->Step()) ++done;
  if (done < args.steps) std::fprintf(stderr, "[viewer] the replayed episode ended after %ld steps\n", done);
  PrintMetrics(*sim);
  if (!args.csv.empty()) {
    sim->WriteCsv(args.csv);
    std::printf("wrote %s (%d samples)\n", args.csv.c_str(), sim->history().size());
  }
  return 0;
}

int Main(int argc, char** argv) {
  Args args;
  CLI::App app{"mjhybrid-viewer: the real, analytic and hybrid worlds of a scene, side by side, in lockstep"};
  app.add_option("scene", args.scene, "a scene folder (real.xml, sim.xml, hybrid.xml) or a hybrid .xml")->required();
  app.add_flag("--headless", args.headless, "no window: step, print the k-step errors, write --csv");
  app.add_option("--steps", args.steps, "headless: physics steps to run")->capture_default_str();
  app.add_option("--csv", args.csv, "headless: write the recorded series here");
  app.add_flag("--force", args.force, "overwrite an existing --csv or --screenshot file");
  app.add_option("--control", args.control, "where the controls come from")
      ->check(CLI::IsMember({"manual", "random", "replay", "policy"}))->capture_default_str();
  app.add_option("--data", args.data, "replay: a dataset written by `mjhybrid collect`");
  app.add_option("--episode", args.episode, "replay: the episode to replay")->capture_default_str();
  app.add_option("--policy", args.policy, "a policy checkpoint (mjhybrid policy-train) for the scene's task");
  app.add_option("--sync-every", args.sync_every, "re-sync analytic and hybrid to real every N steps (0: never)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--seed", args.seed, "random excitation and random resets")->capture_default_str();
  app.add_option("--frames", args.window.frames, "render N frames, write --screenshot, exit")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--screenshot", args.window.screenshot, "with --frames: the PNG to write");
  app.add_option("--layout", args.layout, "side: three viewports; ghosts: real with the others overlaid")
      ->check(CLI::IsMember({"side", "ghosts"}))->capture_default_str();
  app.add_option("--size", args.size, "window size WxH")->capture_default_str();
  app.add_option("--speed", args.window.speed, "simulated seconds per wall second")->check(CLI::Range(0.01, 100.0));
  app.add_flag("--paused", args.window.paused, "start paused");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  int w = 0, h = 0;
  char x = 0;
  if (std::sscanf(args.size.c_str(), "%d%c%d", &w, &x, &h) != 3 || x != 'x' || w < 1 || h < 1) {
    Fail("--size '" + args.size + "': expected WIDTHxHEIGHT, e.g. 1600x900");
  }
  args.window.width = w;
  args.window.height = h;
  args.window.layout = args.layout == "ghosts" ? Layout::kGhosts : Layout::kSideBySide;
  if (!args.window.screenshot.empty()) {
    if (args.window.frames == 0) Fail("--screenshot needs --frames N");
    CheckOutputPath(args.window.screenshot, args.force);
  }

  InstallMujocoLogHandler();
  LockstepOptions options;
  options.sync_every = args.sync_every;
  options.seed = args.seed;
  Lockstep sim(FindSceneFiles(args.scene), options);
  ChooseControls(args, &sim);
  if (args.headless) return RunHeadless(args, &sim);
  return RunWindow(&sim, args.window);
}

}  // namespace
}  // namespace mjhybrid::viewer

int main(int argc, char** argv) {
  try {
    return mjhybrid::viewer::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mjhybrid-viewer: error: %s\n", e.what());
    return 1;
  }
}
