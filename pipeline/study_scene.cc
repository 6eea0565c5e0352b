#include "pipeline/study_scene.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "scene/mujoco_util.h"

namespace mjhybrid::pipeline {

namespace fs = std::filesystem;
using scene::Episode;
using scene::LoadModel;
using scene::TrajectoryDataset;

namespace {

std::string NameOf(const mjModel* m, mjtObj type, int id) {
  const char* name = mj_id2name(m, type, id);
  return name ? name : "";
}

}  // namespace

Scene CheckScene(const std::string& folder, const std::string& other_sim) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw std::runtime_error("'" + folder + "' is not a scene folder");
  Scene s;
  s.folder = folder;
  for (const char* name : {"real.xml", "sim.xml"}) {
    if (!fs::is_regular_file(fs::path(folder) / name, ec)) {
      throw std::runtime_error("scene '" + folder + "' has no " + name + " (a study needs real.xml and sim.xml)");
    }
  }
  s.real = (fs::path(folder) / "real.xml").string();
  s.sim = (fs::path(folder) / "sim.xml").string();
  if (!other_sim.empty()) {
    if (!fs::is_regular_file(other_sim, ec)) throw std::runtime_error("--sim '" + other_sim + "': no such file");
    s.sim = other_sim;
  }
  if (fs::is_regular_file(fs::path(folder) / "scene.json", ec)) s.config = (fs::path(folder) / "scene.json").string();
  ModelPtr real = LoadModel(s.real), sim = LoadModel(s.sim);
  auto differ = [&](const std::string& what) {
    throw std::runtime_error("real.xml and sim.xml of '" + folder + "' do not describe the same system: " + what);
  };
  if (real->nq != sim->nq || real->nv != sim->nv || real->nu != sim->nu) {
    differ("nq/nv/nu " + std::to_string(real->nq) + "/" + std::to_string(real->nv) + "/" + std::to_string(real->nu) +
           " vs " + std::to_string(sim->nq) + "/" + std::to_string(sim->nv) + "/" + std::to_string(sim->nu));
  }
  if (real->njnt != sim->njnt) differ(std::to_string(real->njnt) + " vs " + std::to_string(sim->njnt) + " joints");
  for (int j = 0; j < real->njnt; ++j) {
    if (NameOf(real.get(), mjOBJ_JOINT, j) != NameOf(sim.get(), mjOBJ_JOINT, j)) {
      differ("joint " + std::to_string(j) + " is '" + NameOf(real.get(), mjOBJ_JOINT, j) + "' in real.xml, '" +
             NameOf(sim.get(), mjOBJ_JOINT, j) + "' in sim.xml");
    }
  }
  for (int a = 0; a < real->nu; ++a) {
    if (NameOf(real.get(), mjOBJ_ACTUATOR, a) != NameOf(sim.get(), mjOBJ_ACTUATOR, a)) {
      differ("actuator " + std::to_string(a) + " is '" + NameOf(real.get(), mjOBJ_ACTUATOR, a) + "' in real.xml, '" +
             NameOf(sim.get(), mjOBJ_ACTUATOR, a) + "' in sim.xml");
    }
  }
  return s;
}

TrajectoryDataset FirstSeconds(const TrajectoryDataset& data, double seconds) {
  TrajectoryDataset out = data;
  out.episodes.clear();
  long left = std::lround(seconds / data.timestep);
  const int piece = static_cast<int>(std::max(1L, left / 5));
  for (const Episode& ep : data.episodes) {
    for (int s = 0; s < ep.steps() && left > 0; s += piece) {
      const int n = static_cast<int>(std::min<long>({piece, ep.steps() - s, left}));
      Episode e;
      e.time.assign(ep.time.begin() + s, ep.time.begin() + s + n + 1);
      e.qpos.assign(ep.qpos.begin() + s * data.nq, ep.qpos.begin() + (s + n + 1) * data.nq);
      e.qvel.assign(ep.qvel.begin() + s * data.nv, ep.qvel.begin() + (s + n + 1) * data.nv);
      e.ctrl.assign(ep.ctrl.begin() + s * data.nu, ep.ctrl.begin() + (s + n) * data.nu);
      out.episodes.push_back(std::move(e));
      left -= n;
    }
  }
  return out;
}

}  // namespace mjhybrid::pipeline
