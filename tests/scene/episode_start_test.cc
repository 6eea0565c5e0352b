// Where an episode starts (scene/episode_start.h): one grammar for scene.json's "collect" and
// task.json's "reset", read by one reader and checked by one validator. The same text gives
// the same start in both files; malformed text and names the model lacks are one-line errors
// that name the file and the key.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>

#include "scene/collect.h"
#include "scene/episode_start.h"
#include "scene/mujoco_util.h"
#include "scene/scene_config.h"

namespace mjhybrid::scene {
namespace {

using nlohmann::json;

const std::string kPush = std::string(MJHYBRID_SOURCE_DIR) + "/scenes/push";

// the error ReadEpisodeStart gives for `section`, "" when it reads
std::string ReadError(const json& section) {
  EpisodeStart start;
  try {
    ReadEpisodeStart(section, "reset", "task.json", &start);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(EpisodeStartTest, ScenesCollectSectionAndATasksResetReadTheSameStart) {
  const json section = json::parse(R"({"joints": {"pusher_x": [-0.1, 0.1]}, "qvel": 0.2,
                                       "free": {"object": {"xy": [-0.02, 0.02], "z": [0, 0.01],
                                                           "yaw": [-1, 1], "vel": 0.3, "angvel": 0.4}}})");
  EpisodeStart from_task;
  ReadEpisodeStart(section, "reset", "task.json", &from_task);

  // the same text inside scene.json's "collect", read by the scene reader
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "mjhybrid-episode-start-test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "scene.json").string();
  json scene = {{"collect", section}};
  scene["collect"]["steps"] = 10;
  std::ofstream(path) << scene.dump();
  const EpisodeStart from_scene = LoadSceneConfig(path).collect.start;

  for (const EpisodeStart* s : {static_cast<const EpisodeStart*>(&from_task), &from_scene}) {
    ASSERT_EQ(s->joints.size(), 1u);
    EXPECT_EQ(s->joints.at("pusher_x").lo, -0.1);
    EXPECT_EQ(s->joints.at("pusher_x").hi, 0.1);
    EXPECT_EQ(s->qvel, 0.2);
    EXPECT_FALSE(s->every_free.has_value());
    const FreePlacement p = s->PlacementOf("object");
    EXPECT_EQ(p.z.hi, 0.01);
    EXPECT_EQ(p.yaw.lo, -1);
    EXPECT_EQ(p.vel, 0.3);
    EXPECT_EQ(p.angvel, 0.4);
    EXPECT_EQ(s->PlacementOf("other").xy.hi, 0) << "a free joint nobody placed stays put";
  }
}

TEST(EpisodeStartTest, OnePlacementForEveryFreeJointOrOnePerName) {
  EpisodeStart every;
  ReadEpisodeStart(json::parse(R"({"free": {"xy": [-1, 1], "vel": 2}})"), "collect", "scene.json", &every);
  ASSERT_TRUE(every.every_free.has_value());
  EXPECT_EQ(every.PlacementOf("box").xy.hi, 1);
  EXPECT_EQ(every.PlacementOf(nullptr).vel, 2);

  // scene.json's older name for qvel still reads
  EpisodeStart old;
  ReadEpisodeStart(json::parse(R"({"init_qvel": 0.7})"), "collect", "scene.json", &old, "init_qvel");
  EXPECT_EQ(old.qvel, 0.7);
}

TEST(EpisodeStartTest, MalformedSectionsAreOneLineNamingTheFileAndKey) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"joints": {"elbow": [0.1, -0.1]}})", "'reset.joints.elbow' is an empty range"},
      {R"({"joints": {"elbow": 0.1}})", "'reset.joints.elbow' must be [lo, hi]"},
      {R"({"qvel": -1})", "'reset.qvel' must be a standard deviation"},
      {R"({"free": {"xy": [0, 1], "box": {"xy": [0, 1]}}})", "'reset.free' mixes placement keys"},
      {R"({"free": {"box": {"xyz": [0, 1]}}})", "'reset.free.box.xyz' is an unknown key"},
      {R"({"free": {"box": {"vel": -2}}})", "'reset.free.box.vel' must be a standard deviation"},
      {R"({"free": [1, 2]})", "'reset.free' must be a placement"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string error = ReadError(json::parse(text));
    EXPECT_NE(error.find(expected), std::string::npos) << text << " -> " << error;
    EXPECT_EQ(error.rfind("task.json: ", 0), 0u) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST(EpisodeStartTest, NamesTheModelLacksAreRefusedByTheValidator) {
  ModelPtr push = LoadModel(kPush + "/sim.xml");
  EpisodeStart start;
  ReadEpisodeStart(json::parse(R"({"joints": {"pusher_x": [0, 1]}, "free": {"object": {}}})"), "reset",
                   "task.json", &start);
  EXPECT_NO_THROW(CheckEpisodeStart(start, push.get(), "reset", "task.json", "the model"));

  const std::pair<const char*, const char*> cases[] = {
      {R"({"joints": {"wrist": [0, 1]}})", "'reset.joints.wrist': the model has no hinge or slide joint"},
      {R"({"joints": {"object": [0, 1]}})", "'reset.joints.object': the model has no hinge or slide joint"},
      {R"({"free": {"pusher_x": {}}})", "'reset.free.pusher_x': the model has no free joint"},
  };
  for (const auto& [text, expected] : cases) {
    EpisodeStart bad;
    ReadEpisodeStart(json::parse(text), "reset", "task.json", &bad);
    try {
      CheckEpisodeStart(bad, push.get(), "reset", "task.json", "the model");
      ADD_FAILURE() << text << " was accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

// collection places and throws a free body as its placement says
TEST(EpisodeStartTest, CollectionPlacesAFreeBodyWithinItsPlacement) {
  ModelPtr push = LoadModel(kPush + "/real.xml");
  DataPtr data = MakeData(push.get());
  const int object = mj_name2id(push.get(), mjOBJ_JOINT, "object");
  ASSERT_GE(object, 0);
  const int q = push->jnt_qposadr[object], v = push->jnt_dofadr[object];
  CollectOptions options;
  ReadEpisodeStart(json::parse(R"({"free": {"object": {"xy": [0.01, 0.02], "z": [0.003, 0.004], "vel": 0.5}}})"),
                   "collect", "scene.json", &options.start);
  std::mt19937_64 rng(3);
  for (int e = 0; e < 20; ++e) {
    mj_resetData(push.get(), data.get());
    PlaceRandomly(push.get(), data.get(), options, &rng);
    for (int i = 0; i < 2; ++i) {
      const double dx = data->qpos[q + i] - push->qpos0[q + i];
      EXPECT_GE(dx, 0.01 - 1e-12);
      EXPECT_LE(dx, 0.02 + 1e-12);
    }
    const double dz = data->qpos[q + 2] - push->qpos0[q + 2];
    EXPECT_GE(dz, 0.003 - 1e-12);
    EXPECT_LE(dz, 0.004 + 1e-12);
    EXPECT_NE(data->qvel[v], 0) << "thrown with vel 0.5";
    EXPECT_EQ(data->qvel[v + 3], 0) << "no angvel given";
  }
}

}  // namespace
}  // namespace mjhybrid::scene
