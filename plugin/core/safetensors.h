// Reading and writing safetensors files: an 8-byte little-endian header length, a JSON header
// ({"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {str: str}}), then the raw
// little-endian tensor bytes. We use float32 tensors only; the format is the one PyTorch users
// already read with `safetensors.torch.load_file`. Readers validate every offset and shape, so
// a truncated or corrupt file is an error message, never an out-of-bounds read.

#ifndef MJHYBRID_PLUGIN_CORE_SAFETENSORS_H_
#define MJHYBRID_PLUGIN_CORE_SAFETENSORS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mjhybrid {

struct FloatTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;  // row-major
};

struct SafetensorsFile {
  std::map<std::string, FloatTensor> tensors;
  std::map<std::string, std::string> metadata;
};

// the largest model file we read, 1 GiB: ReadSafetensors reads the whole file into memory
// (LoadResidualModel applies the same cap to a TorchScript archive), and a residual model is
// kilobytes to megabytes, so a larger file is a mistake, refused by its size before a byte is
// read
inline constexpr uint64_t kMaxModelFileBytes = uint64_t{1} << 30;

// the one-line reason a file of `bytes` bytes (over kMaxModelFileBytes) is refused
std::string ModelFileTooLarge(uint64_t bytes);

// true when the file starts like a safetensors file (header length, then '{')
bool LooksLikeSafetensors(const std::string& path);

// on failure returns false and sets *error to a one-line reason (without the path)
bool ReadSafetensors(const std::string& path, SafetensorsFile* file, std::string* error);
bool WriteSafetensors(const std::string& path, const SafetensorsFile& file, std::string* error);

}  // namespace mjhybrid

#endif  // MJHYBRID_PLUGIN_CORE_SAFETENSORS_H_
