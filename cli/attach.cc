// mjhybrid attach: write a hybrid scene, sim.xml plus the residual plugin (scene/attach.h):
// a residual, a contact-parameter model, or both.

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "scene/attach.h"

namespace mjhybrid::cli {

namespace {

struct AttachArgs {
  scene::AttachOptions options;
  std::string mode = "auto";
  std::string out;
  bool force = false;
  bool no_native_pairs = false;
};

}  // namespace

void AddAttachCommand(CLI::App* app) {
  auto c = std::make_shared<AttachArgs>();
  CLI::App* cmd = app->add_subcommand("attach", "write a hybrid scene: sim.xml plus the residual plugin");
  cmd->add_option("--model", c->options.sim_path, "MJCF of the analytic model (sim.xml)")->required();
  cmd->add_option("--residual", c->options.residual.model, "residual model file");
  cmd->add_option("--params", c->options.params_model, "contact-parameter model file (mjhybrid fit-params): an instance in mode params");
  cmd->add_option("--out", c->out, "output hybrid MJCF")->required();
  cmd->add_option("--mode", c->mode, "auto | off | augment | replace (auto: from the model kind)")->check(CLI::IsMember({"auto", "off", "augment", "replace"}))->capture_default_str();
  cmd->add_option("--scale", c->options.residual.scale, "residual scale")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_flag("--no-native-pairs", c->no_native_pairs,
                "with --params: leave every value to the plugin's rewrite instead of also declaring the pairs "
                "as <contact><pair> (slower; docs/CONTACT.md)");
  cmd->add_flag("--force", c->force, "overwrite an existing output");
  cmd->callback([c] {
    scene::SetAttachMode(c->mode, &c->options);
    c->options.native_pairs = !c->no_native_pairs;
    scene::Attach(c->options, c->out, c->force);
    std::fprintf(stderr, "[attach] wrote %s\n", c->out.c_str());
  });
}

}  // namespace mjhybrid::cli
