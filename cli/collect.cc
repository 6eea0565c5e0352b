// mjhybrid collect: record trajectories from the real system (black box).

#include <cstdio>
#include <memory>
#include <set>
#include <stdexcept>

#include "cli/commands.h"
#include "scene/collect.h"
#include "scene/run_files.h"
#include "scene/scene_config.h"

namespace mjhybrid::cli {

namespace {

struct CollectArgs {
  scene::CollectOptions options;
  std::string protocol;  // a scene.json; the options given on the command line win
  bool held_out = false;  // collect the protocol's eval_episodes
  std::string out;
  bool force = false;
};

void RunCollect(const CollectArgs& c, const std::set<std::string>& given) {
  scene::CheckOutputPath(c.out, c.force);
  scene::CollectOptions options = c.options;
  if (!c.protocol.empty()) {
    scene::SceneConfig config = scene::LoadSceneConfig(c.protocol);
    options = config.collect;
    options.model_path = c.options.model_path;
    options.seed = c.options.seed;
    if (c.held_out) options.episodes = config.eval_episodes;
    if (given.count("episodes")) options.episodes = c.options.episodes;
    if (given.count("steps")) options.steps = c.options.steps;
    if (given.count("dt")) options.dt = c.options.dt;
    std::fprintf(stderr, "[collect] protocol %s: %d episodes x %d steps\n", c.protocol.c_str(),
                 options.episodes, options.steps);
  } else if (c.held_out) {
    throw std::runtime_error("--held-out needs --protocol (it collects the protocol's eval_episodes)");
  }
  scene::TrajectoryDataset data = scene::Collect(options, /*progress=*/true);
  scene::SaveDataset(c.out, data);
  std::fprintf(stderr, "[collect] wrote %s: %zu episodes, %lld transitions, %.1f s of real time\n",
               c.out.c_str(), data.episodes.size(), data.transitions(),
               data.transitions() * data.timestep);
}

}  // namespace

void AddCollectCommand(CLI::App* app) {
  auto c = std::make_shared<CollectArgs>();
  CLI::App* cmd = app->add_subcommand("collect", "record trajectories from the real system (black box)");
  cmd->add_option("--model", c->options.model_path, "MJCF of the real system")->required();
  cmd->add_option("--out", c->out, "output dataset (.h5)")->required();
  cmd->add_option("--episodes", c->options.episodes, "number of episodes")->capture_default_str();
  cmd->add_option("--steps", c->options.steps, "control steps per episode")->capture_default_str();
  cmd->add_option("--dt", c->options.dt, "control period in s (default: the model's timestep)");
  cmd->add_option("--seed", c->options.seed, "random seed")->capture_default_str();
  cmd->add_option("--protocol", c->protocol, "scene.json: placement, episode length and count (options given here win)");
  cmd->add_flag("--held-out", c->held_out, "collect the protocol's held-out episode count (eval_episodes)");
  cmd->add_flag("--force", c->force, "overwrite an existing output");
  cmd->callback([c, cmd] { RunCollect(*c, GivenOptions(cmd, {"episodes", "steps", "dt"})); });
}

}  // namespace mjhybrid::cli
