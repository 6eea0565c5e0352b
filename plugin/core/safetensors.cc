#include "plugin/core/safetensors.h"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "plugin/core/atomic_file.h"

namespace mjhybrid {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100'000'000;

uint64_t ReadLittleEndian64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::string ModelFileTooLarge(uint64_t bytes) {
  return "file is " + std::to_string(bytes) + " bytes, more than the " +
         std::to_string(kMaxModelFileBytes) + " (1 GiB) a model file may have";
}

bool LooksLikeSafetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char head[9];
  if (!in.read(reinterpret_cast<char*>(head), 9)) return false;
  uint64_t n = ReadLittleEndian64(head);
  return n >= 2 && n < kMaxHeaderBytes && head[8] == '{';
}

bool ReadSafetensors(const std::string& path, SafetensorsFile* file, std::string* error) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    *error = "cannot open file";
    return false;
  }
  const std::streamoff size = in.tellg();
  if (size < 0) {
    *error = "cannot tell the file's size";
    return false;
  }
  if (static_cast<uint64_t>(size) > kMaxModelFileBytes) {
    *error = ModelFileTooLarge(static_cast<uint64_t>(size));
    return false;
  }
  std::vector<unsigned char> bytes(static_cast<size_t>(size));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), size);
  bytes.resize(static_cast<size_t>(in.gcount()));  // the file may have shrunk since
  if (bytes.size() < 8) {
    *error = "file too short for a safetensors header";
    return false;
  }
  uint64_t header_len = ReadLittleEndian64(bytes.data());
  if (header_len > kMaxHeaderBytes || 8 + header_len > bytes.size()) {
    *error = "corrupt safetensors header length";
    return false;
  }
  nlohmann::json header = nlohmann::json::parse(bytes.begin() + 8,
                                                bytes.begin() + 8 + header_len, nullptr, false);
  if (header.is_discarded() || !header.is_object()) {
    *error = "safetensors header is not valid JSON";
    return false;
  }
  const size_t data_start = 8 + header_len;
  const size_t data_size = bytes.size() - data_start;
  file->tensors.clear();
  file->metadata.clear();
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) {
        *error = "__metadata__ is not an object";
        return false;
      }
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) {
          *error = "__metadata__ value '" + m.key() + "' is not a string";
          return false;
        }
        file->metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    const nlohmann::json& t = *it;
    if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") ||
        !t.contains("data_offsets") || !t["shape"].is_array() ||
        !t["data_offsets"].is_array() || t["data_offsets"].size() != 2) {
      *error = "tensor '" + it.key() + "' has a malformed entry";
      return false;
    }
    if (t["dtype"] != "F32") {
      *error = "tensor '" + it.key() + "' has dtype " + t["dtype"].dump() + ", expected F32";
      return false;
    }
    FloatTensor tensor;
    uint64_t count = 1;
    const uint64_t max_count = data_size / sizeof(float);
    for (const auto& d : t["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) {
        *error = "tensor '" + it.key() + "' has a bad shape";
        return false;
      }
      // no product may exceed what the file can hold (this also rules out overflow)
      uint64_t dim = d.get<uint64_t>();
      if (dim != 0 && count > max_count / dim) {
        *error = "tensor '" + it.key() + "' data is out of bounds or does not match its shape";
        return false;
      }
      tensor.shape.push_back(d.get<int64_t>());
      count *= dim;
    }
    if (!t["data_offsets"][0].is_number_unsigned() || !t["data_offsets"][1].is_number_unsigned()) {
      *error = "tensor '" + it.key() + "' has bad data offsets";
      return false;
    }
    uint64_t begin = t["data_offsets"][0], end = t["data_offsets"][1];
    if (begin > end || end > data_size || end - begin != count * sizeof(float)) {
      *error = "tensor '" + it.key() + "' data is out of bounds or does not match its shape";
      return false;
    }
    tensor.data.resize(count);
    if (count) std::memcpy(tensor.data.data(), bytes.data() + data_start + begin, end - begin);
    file->tensors[it.key()] = std::move(tensor);
  }
  return true;
}

bool WriteSafetensors(const std::string& path, const SafetensorsFile& file, std::string* error) {
  nlohmann::json header = nlohmann::json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : file.tensors) {
    uint64_t count = 1;
    for (int64_t d : tensor.shape) count *= d;
    if (count != tensor.data.size()) {
      *error = "tensor '" + name + "' shape does not match its data";
      return false;
    }
    uint64_t bytes = count * sizeof(float);
    header[name] = {{"dtype", "F32"}, {"shape", tensor.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  // pad the header with spaces so the tensor data starts 8-byte aligned, as the format suggests
  while ((text.size() + 8) % 8) text.push_back(' ');
  // written whole or not at all: a kill never leaves a truncated model that looks complete
  return WriteFileAtomically(path, [&](std::ostream& out) {
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>((text.size() >> (8 * i)) & 0xff);
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(text.data(), text.size());
    for (const auto& [name, tensor] : file.tensors) {
      out.write(reinterpret_cast<const char*>(tensor.data.data()), tensor.data.size() * sizeof(float));
    }
    return static_cast<bool>(out);
  }, error);
}

}  // namespace mjhybrid
