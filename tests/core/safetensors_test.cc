// Tests for the safetensors reader and writer: round trips, and corrupt files that must give
// an error message (never a crash, an exception or an out-of-bounds read).

#include "plugin/core/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/common/peak_memory.h"

namespace mjhybrid {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "mjhybrid_safetensors_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // writes raw bytes, for files the writer would never produce
  std::string WriteBytes(const std::string& name, const std::string& bytes) const {
    std::string path = Path(name);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), bytes.size());
    return path;
  }

  // 8-byte little-endian length + header text + data bytes
  std::string WriteRaw(const std::string& name, const std::string& header,
                       const std::string& data, uint64_t header_len) const {
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header_len >> (8 * i)) & 0xff);
    return WriteBytes(name, bytes + header + data);
  }
  std::string WriteRaw(const std::string& name, const std::string& header,
                       const std::string& data) const {
    return WriteRaw(name, header, data, header.size());
  }

  // reading must fail with a message; returns the message
  std::string ExpectReadFails(const std::string& path) const {
    SafetensorsFile file;
    std::string error;
    bool ok = true;
    EXPECT_NO_THROW(ok = ReadSafetensors(path, &file, &error));
    EXPECT_FALSE(ok) << path;
    EXPECT_FALSE(error.empty()) << path;
    return error;
  }

  std::string dir_;
};

std::string FloatBytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

SafetensorsFile SampleFile() {
  SafetensorsFile file;
  file.tensors["weight"] = {{2, 3}, {1.5f, -2.25f, 3e-7f, 1e30f, -0.0f, 42.0f}};
  file.tensors["bias"] = {{3}, {0.1f, 0.2f, 0.3f}};
  file.tensors["scalar"] = {{}, {7.0f}};
  file.tensors["empty"] = {{0, 4}, {}};
  file.metadata["mjhybrid"] = R"({"format": "x", "nested": [1, 2]})";
  file.metadata["note"] = "plain text with \"quotes\" and unicode \xc3\xa9";
  return file;
}

TEST_F(SafetensorsTest, RoundTripKeepsShapesValuesAndMetadata) {
  const SafetensorsFile written = SampleFile();
  std::string error;
  const std::string path = Path("sample.safetensors");
  ASSERT_TRUE(WriteSafetensors(path, written, &error)) << error;
  EXPECT_TRUE(LooksLikeSafetensors(path));

  SafetensorsFile read;
  ASSERT_TRUE(ReadSafetensors(path, &read, &error)) << error;
  ASSERT_EQ(read.tensors.size(), written.tensors.size());
  for (const auto& [name, tensor] : written.tensors) {
    ASSERT_EQ(read.tensors.count(name), 1) << name;
    const FloatTensor& got = read.tensors.at(name);
    EXPECT_EQ(got.shape, tensor.shape) << name;
    ASSERT_EQ(got.data.size(), tensor.data.size()) << name;
    // bit for bit, so -0.0 and denormal-adjacent values survive too
    // (memcmp of an empty tensor's null data pointer is undefined: scripts/sanitize.sh)
    if (!tensor.data.empty()) {
      EXPECT_EQ(std::memcmp(got.data.data(), tensor.data.data(), tensor.data.size() * sizeof(float)), 0) << name;
    }
  }
  EXPECT_EQ(read.metadata, written.metadata);
}

TEST_F(SafetensorsTest, TensorDataStartsEightByteAligned) {
  std::string error;
  const std::string path = Path("aligned.safetensors");
  ASSERT_TRUE(WriteSafetensors(path, SampleFile(), &error)) << error;
  std::ifstream in(path, std::ios::binary);
  unsigned char len[8];
  in.read(reinterpret_cast<char*>(len), 8);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len[i];
  EXPECT_EQ((8 + header_len) % 8, 0u);
}

TEST_F(SafetensorsTest, ReadsAFileWrittenByHand) {
  // the layout PyTorch's safetensors writes: tensors in any order, offsets relative to data
  const std::string header =
      R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
      R"("a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},)"
      R"("__metadata__":{"k":"v"}})";
  const std::string path = WriteRaw("hand.safetensors", header, FloatBytes({1, 2, 3, 4}));
  SafetensorsFile file;
  std::string error;
  ASSERT_TRUE(ReadSafetensors(path, &file, &error)) << error;
  EXPECT_EQ(file.tensors["a"].shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(file.tensors["a"].data, (std::vector<float>{1, 2}));
  EXPECT_EQ(file.tensors["b"].data, (std::vector<float>{3, 4}));
  EXPECT_EQ(file.metadata["k"], "v");
}

TEST_F(SafetensorsTest, WriterRejectsShapeThatDoesNotMatchData) {
  SafetensorsFile file;
  file.tensors["w"] = {{2, 2}, {1, 2, 3}};
  std::string error;
  EXPECT_FALSE(WriteSafetensors(Path("bad.safetensors"), file, &error));
  EXPECT_THAT(error, HasSubstr("'w'"));
}

TEST_F(SafetensorsTest, WriterReportsUnwritablePath) {
  std::string error;
  EXPECT_FALSE(WriteSafetensors(Path("no/such/folder/x.safetensors"), SampleFile(), &error));
  EXPECT_FALSE(error.empty());
}

TEST_F(SafetensorsTest, MissingFile) {
  EXPECT_THAT(ExpectReadFails(Path("missing.safetensors")), HasSubstr("cannot open"));
  EXPECT_FALSE(LooksLikeSafetensors(Path("missing.safetensors")));
}

TEST_F(SafetensorsTest, EmptyFile) {
  const std::string path = WriteBytes("empty.safetensors", "");
  EXPECT_THAT(ExpectReadFails(path), HasSubstr("too short"));
  EXPECT_FALSE(LooksLikeSafetensors(path));
}

TEST_F(SafetensorsTest, EveryTruncationOfAValidFileFails) {
  std::string error;
  const std::string full = Path("full.safetensors");
  ASSERT_TRUE(WriteSafetensors(full, SampleFile(), &error)) << error;
  std::ifstream in(full, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 16u);
  // the last tensor ends at the end of the file, so every proper prefix is corrupt
  for (size_t n = 0; n < bytes.size(); ++n) {
    SCOPED_TRACE("prefix of " + std::to_string(n) + " bytes");
    ExpectReadFails(WriteBytes("cut.safetensors", bytes.substr(0, n)));
  }
}

TEST_F(SafetensorsTest, HeaderLengthLargerThanFile) {
  EXPECT_THAT(ExpectReadFails(WriteRaw("long.safetensors", "{}", "", 1000)),
              HasSubstr("header length"));
  // lengths near 2^64 must not wrap around in the bounds check
  EXPECT_THAT(ExpectReadFails(WriteRaw("huge.safetensors", "{}", "", ~uint64_t{0} - 4)),
              HasSubstr("header length"));
  EXPECT_FALSE(LooksLikeSafetensors(Path("huge.safetensors")));
}

TEST_F(SafetensorsTest, HeaderNotJson) {
  EXPECT_THAT(ExpectReadFails(WriteRaw("text.safetensors", "{not json at all", "")),
              HasSubstr("not valid JSON"));
  EXPECT_THAT(ExpectReadFails(WriteRaw("array.safetensors", "[1, 2, 3]", "")),
              HasSubstr("not valid JSON"));
}

TEST_F(SafetensorsTest, MalformedEntries) {
  const std::string data = FloatBytes({1, 2});
  // no data_offsets
  EXPECT_THAT(
      ExpectReadFails(WriteRaw("a.safetensors", R"({"t":{"dtype":"F32","shape":[2]}})", data)),
      HasSubstr("'t'"));
  // entry is not an object
  EXPECT_THAT(ExpectReadFails(WriteRaw("b.safetensors", R"({"t":[1,2]})", data)),
              HasSubstr("'t'"));
  // fractional, negative or string dimensions
  for (const char* shape : {"[2.5]", "[-2]", "[\"2\"]"}) {
    SCOPED_TRACE(shape);
    std::string header = std::string(R"({"t":{"dtype":"F32","shape":)") + shape +
                         R"(,"data_offsets":[0,8]}})";
    EXPECT_THAT(ExpectReadFails(WriteRaw("c.safetensors", header, data)), HasSubstr("shape"));
  }
  // negative or fractional offsets
  for (const char* offsets : {"[-8,0]", "[0,8.0]", "[0]"}) {
    SCOPED_TRACE(offsets);
    std::string header = std::string(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":)") +
                         offsets + "}}";
    ExpectReadFails(WriteRaw("d.safetensors", header, data));
  }
  // metadata values must be strings
  EXPECT_THAT(ExpectReadFails(WriteRaw("e.safetensors", R"({"__metadata__":{"k":1}})", "")),
              HasSubstr("'k'"));
  EXPECT_THAT(ExpectReadFails(WriteRaw("f.safetensors", R"({"__metadata__":[1]})", "")),
              HasSubstr("__metadata__"));
}

TEST_F(SafetensorsTest, OffsetsOutOfBounds) {
  const std::string data = FloatBytes({1, 2});
  // past the end of the file
  EXPECT_THAT(ExpectReadFails(WriteRaw(
                  "a.safetensors", R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
                  data)),
              HasSubstr("out of bounds"));
  // begin after end
  EXPECT_THAT(ExpectReadFails(WriteRaw(
                  "b.safetensors", R"({"t":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})",
                  data)),
              HasSubstr("out of bounds"));
  // offsets near 2^64 must not wrap around in the bounds check
  EXPECT_THAT(ExpectReadFails(WriteRaw("c.safetensors",
                                       R"({"t":{"dtype":"F32","shape":[2],)"
                                       R"("data_offsets":[18446744073709551612,4]}})",
                                       data)),
              HasSubstr("out of bounds"));
}

TEST_F(SafetensorsTest, ShapeDoesNotMatchOffsets) {
  const std::string data = FloatBytes({1, 2, 3, 4});
  EXPECT_THAT(ExpectReadFails(WriteRaw(
                  "a.safetensors", R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})",
                  data)),
              HasSubstr("does not match its shape"));
  EXPECT_THAT(ExpectReadFails(WriteRaw(
                  "b.safetensors",
                  R"({"t":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}})", data)),
              HasSubstr("does not match its shape"));
}

TEST_F(SafetensorsTest, ShapeWhoseElementCountOverflowsIsRejected) {
  // 2^62 + 1 elements: the byte count wraps around to 4 in 64 bits, which matches the span
  // [0, 4); a reader that trusts it would try to allocate 2^62 floats
  const std::string data = FloatBytes({1});
  std::string error = ExpectReadFails(
      WriteRaw("a.safetensors",
               R"({"t":{"dtype":"F32","shape":[4611686018427387905],"data_offsets":[0,4]}})",
               data));
  EXPECT_THAT(error, HasSubstr("'t'"));
  // 2^32 x 2^32 elements wrap to 0: an "empty" tensor whose shape claims 2^64 values
  ExpectReadFails(WriteRaw(
      "b.safetensors",
      R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", ""));
}

// a header claiming a 1e12-float tensor (4 TB) over 8 bytes of data is refused by the bytes
// the file holds, before anything of the claimed size is allocated
TEST_F(SafetensorsTest, TensorLargerThanTheFileIsRefusedWithoutAllocating) {
  const double peak_before = testutil::PeakRssBytes();
  EXPECT_THAT(
      ExpectReadFails(WriteRaw(
          "a.safetensors",
          R"({"t":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,4000000000000]}})",
          FloatBytes({1, 2}))),
      HasSubstr("'t' data is out of bounds"));
  // offsets that fit the file, a shape that does not
  EXPECT_THAT(
      ExpectReadFails(WriteRaw(
          "b.safetensors", R"({"t":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,8]}})",
          FloatBytes({1, 2}))),
      HasSubstr("'t' data is out of bounds or does not match its shape"));
  EXPECT_LT(testutil::PeakRssBytes() - peak_before, 50e6);
}

// a file over the 1 GiB cap is refused by its size, not read: a sparse file (it takes no
// disk) of a valid header and then zeros, which would otherwise read as a valid empty file
TEST_F(SafetensorsTest, FileOverTheSizeCapIsRefusedUnread) {
  const std::string path = WriteRaw("big.safetensors", "{}", "");
  std::filesystem::resize_file(path, kMaxModelFileBytes + 1);
  ASSERT_TRUE(LooksLikeSafetensors(path));
  const double peak_before = testutil::PeakRssBytes();
  EXPECT_EQ(ExpectReadFails(path), "file is 1073741825 bytes, more than the 1073741824 (1 GiB) a "
                                   "model file may have");
  EXPECT_LT(testutil::PeakRssBytes() - peak_before, 50e6);
}

TEST_F(SafetensorsTest, NonF32DtypeIsRejectedByName) {
  for (const char* dtype : {"F64", "F16", "BF16", "I64"}) {
    SCOPED_TRACE(dtype);
    std::string header = std::string(R"({"t":{"dtype":")") + dtype +
                         R"(","shape":[2],"data_offsets":[0,8]}})";
    std::string error = ExpectReadFails(WriteRaw("t.safetensors", header, FloatBytes({1, 2})));
    EXPECT_THAT(error, HasSubstr(dtype));
    EXPECT_THAT(error, HasSubstr("F32"));
  }
}

TEST_F(SafetensorsTest, ErrorsAreOneLine) {
  std::string error = ExpectReadFails(WriteRaw("a.safetensors", "{oops", ""));
  EXPECT_THAT(error, Not(HasSubstr("\n")));
}

TEST_F(SafetensorsTest, LooksLikeSafetensorsRejectsOtherFiles) {
  EXPECT_FALSE(LooksLikeSafetensors(WriteBytes("zip.pt", std::string("PK\x03\x04", 4) + "rest")));
  EXPECT_FALSE(LooksLikeSafetensors(WriteBytes("text.txt", "hello, this is not a model")));
  EXPECT_FALSE(LooksLikeSafetensors(WriteBytes("short.bin", "\x02")));
  EXPECT_TRUE(LooksLikeSafetensors(WriteRaw("ok.safetensors", "{}", "")));
}

}  // namespace
}  // namespace mjhybrid
