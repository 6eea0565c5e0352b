// Test fixture for the TorchScript tests: a scratch folder per suite holding random arm2
// residuals of one member and of three, each saved as arm2_x<members>.safetensors and exported
// with scripts/export_torchscript.py to arm2_x<members>.pt next to it. A suite makes them once,
// in its SetUpTestSuite, because starting Python and torch takes seconds.

#ifndef MJHYBRID_TESTS_TORCH_EXPORT_FIXTURE_H_
#define MJHYBRID_TESTS_TORCH_EXPORT_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "plugin/core/residual_model.h"
#include "tests/torch/test_models.h"

namespace mjhybrid {

class ExportedModelsTest : public ::testing::Test {
 protected:
  // makes the folder and the models, member count n with seed seed_base + n; on failure
  // error_ says why and every test of the suite fails in SetUp
  static void MakeModels(const std::string& prefix, uint32_t seed_base) {
    dir_ = new std::string(testutil::MakeScratchDir(prefix));
    error_ = new std::string;
    if (dir_->empty()) {
      *error_ = "cannot create a scratch folder";
      return;
    }
    StateLayout layout = testutil::LayoutFromScene(testutil::Arm2SimPath(), error_);
    if (!error_->empty()) return;
    for (int members : {1, 3}) {
      testutil::RandomModelSpec spec;
      spec.members = members;
      spec.seed = seed_base + members;
      if (!SaveResidualModel(Path(members, ".safetensors"),
                             *testutil::RandomMlpModel(layout, spec), error_) ||
          !testutil::ExportTorchScript(Path(members, ".safetensors"), Path(members, ".pt"),
                                       error_)) {
        return;
      }
    }
  }

  static void TearDownTestSuite() {
    testutil::RemoveScratchDir(*dir_);
    delete dir_;
    delete error_;
  }

  void SetUp() override { ASSERT_TRUE(error_->empty()) << *error_; }

  // <dir>/arm2_x<members><ext>
  static std::string Path(int members, const std::string& ext) {
    return *dir_ + "/arm2_x" + std::to_string(members) + ext;
  }

  // shared by the suites of one executable; each torch test executable has a single suite
  inline static std::string* dir_ = nullptr;
  inline static std::string* error_ = nullptr;
};

// a measured number for RecordProperty, to three significant digits
inline std::string Format(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g", v);
  return buf;
}

}  // namespace mjhybrid

#endif  // MJHYBRID_TESTS_TORCH_EXPORT_FIXTURE_H_
