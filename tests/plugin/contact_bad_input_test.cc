// The compile errors of contact models that do not fit the scene, on the push scene
// (tests/plugin/push_fixture.h): one line naming what is wrong and what would be valid.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "tests/plugin/push_fixture.h"

namespace mjhybrid {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testutil::Shape;

// ---------------------------------------------------------------- bad input

class ContactBadInputTest : public PushTest {
 protected:
  // loading must fail with one line; returns it. A MuJoCo error raised while compiling is
  // the compile error; one raised only when the test makes an mjData fails the test.
  std::string ExpectCompileError(const std::string& xml) {
    std::string error;
    ModelPtr m;
    try {
      m = LoadXml(xml, &error);
    } catch (const MujocoError& e) {
      ADD_FAILURE() << "the error escaped mj_loadXML as an exception: " << e.what();
      return e.what();
    }
    EXPECT_EQ(m, nullptr) << "compiled, but should not have";
    if (m) {
      try {
        DataPtr d(mj_makeData(m.get()));
        ADD_FAILURE() << "mj_makeData succeeded too";
      } catch (const MujocoError& e) {
        return e.what();
      }
    }
    EXPECT_FALSE(error.empty());
    EXPECT_THAT(error, Not(HasSubstr("\n"))) << error;
    return error;
  }

  std::string SaveContact(const std::vector<ContactPair>& pairs, const std::string& name) {
    return SaveResidual(RandomContactResidual(sim_.get(), pairs, 1, 61), name);
  }
};

// This check runs when mjData is made: MuJoCo fills the exclude table after it asks for the
// state size, and compiling makes no mjData. Under this fixture's throwing handler our
// message arrives as a warning beside MuJoCo's "init failed" (the Python test checks MuJoCo's
// own handling, where it is the error itself).
TEST_F(ContactBadInputTest, ReplaceWithoutExclude) {
  const std::string path = SaveContact({PusherObject()}, "replace.safetensors");
  AllowWarnings();
  std::string error;
  ModelPtr m = LoadXml(HybridXml(xml_, path, "replace"), &error);
  ASSERT_NE(m, nullptr) << error;
  bool refused = false;
  try {
    DataPtr d(mj_makeData(m.get()));
    refused = d == nullptr;
  } catch (const MujocoError& e) {
    refused = true;
    error = e.what();
  }
  EXPECT_TRUE(refused) << "mj_makeData accepted a replace scene whose pair still collides";
  std::string text = error;
  for (const std::string& w : TakeWarnings()) text += "\n" + w;
  EXPECT_THAT(text,
              AllOf(HasSubstr("'residual'"), HasSubstr("mode 'replace'"), HasSubstr("'pusher'"),
                    HasSubstr("'object'"), HasSubstr("still collide natively"),
                    HasSubstr("<exclude body1=\"pusher\" body2=\"object\"/>")));
}

TEST_F(ContactBadInputTest, ReplaceWithAnExplicitPair) {
  const std::string path = SaveContact({PusherObject()}, "replace.safetensors");
  const std::string xml = WithContactSection(
      xml_, "    <exclude body1=\"pusher\" body2=\"object\"/>\n"
            "    <pair geom1=\"pusher\" geom2=\"object\"/>\n");
  EXPECT_THAT(ExpectCompileError(HybridXml(xml, path, "replace")),
              AllOf(HasSubstr("still collide natively"), HasSubstr("<pair>")));
}

TEST_F(ContactBadInputTest, GeomTheSceneLacks) {
  const std::string path =
      SaveContact({{PusherShape(), Shape("crate", "box", 0.04, 0.03, 0.025)}}, "crate.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(exclude_xml_, path, "replace")),
              AllOf(HasSubstr("crate.safetensors"), HasSubstr("no geom named 'crate'")));
}

TEST_F(ContactBadInputTest, BoxOfAnotherSize) {
  const std::string path = SaveContact({PusherObject()}, "box.safetensors");
  const std::string xml =
      Edit(exclude_xml_, "size=\"0.04 0.03 0.025\" mass=\"0.35\"",
           "size=\"0.05 0.03 0.025\" mass=\"0.35\"");
  EXPECT_THAT(ExpectCompileError(HybridXml(xml, path, "replace")),
              AllOf(HasSubstr("box.safetensors"), HasSubstr("'object'"),
                    HasSubstr("is a box of size 0.05 0.03 0.025"),
                    HasSubstr("box of size 0.04 0.03 0.025 in the model")));
}

TEST_F(ContactBadInputTest, RodOfAnotherType) {
  const std::string path = SaveContact({PusherObject()}, "rod.safetensors");
  const std::string xml = Edit(exclude_xml_, "type=\"capsule\"", "type=\"cylinder\"");
  EXPECT_THAT(ExpectCompileError(HybridXml(xml, path, "replace")),
              AllOf(HasSubstr("'pusher'"), HasSubstr("is a cylinder"), HasSubstr("capsule")));
}

TEST_F(ContactBadInputTest, GeomsThatCanNeverTouch) {
  // the floor and a wall are both fixed to the world
  const std::vector<ContactPair> pairs = {
      {Shape("floor", "plane", 0.5, 0.5, 0.05), Shape("wall_px", "box", 0.01, 0.165, 0.025)}};
  const std::string path =
      SaveResidual(WholeStateWithPairs(sim_.get(), pairs, 0, 62), "walls.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(xml_, path, "augment")),
              AllOf(HasSubstr("walls.safetensors"), HasSubstr("floor"), HasSubstr("wall_px"),
                    HasSubstr("never touch")));
}

TEST_F(ContactBadInputTest, ReplaceWithAWholeStateModel) {
  const std::string path =
      SaveResidual(WholeStateWithPairs(sim_.get(), {PusherObject()}, 0, 63), "whole.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(exclude_xml_, path, "replace")),
              AllOf(HasSubstr("whole.safetensors"), HasSubstr("mode 'replace' needs a contact model"),
                    HasSubstr("use mode 'augment'")));
  // a whole-state model without any pair, too
  const std::string plain = SaveResidual(RandomResidual(sim_.get(), 0, 1, 64), "plain.safetensors");
  EXPECT_THAT(ExpectCompileError(HybridXml(exclude_xml_, plain, "replace")),
              HasSubstr("mode 'replace' needs a contact model"));
}

TEST_F(ContactBadInputTest, AugmentWithAContactModel) {
  const std::string path = SaveContact({PusherObject()}, "contact.safetensors");
  for (const std::string& xml : {xml_, exclude_xml_}) {
    EXPECT_THAT(ExpectCompileError(HybridXml(xml, path, "augment")),
                AllOf(HasSubstr("contact.safetensors"), HasSubstr("contact model"),
                      HasSubstr("use mode 'replace'")));
  }
  // augment is the default mode
  EXPECT_THAT(ExpectCompileError(HybridXml(exclude_xml_, path, "")), HasSubstr("use mode 'replace'"));
}

}  // namespace
}  // namespace mjhybrid
