#include "scene/dataset_bytes.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace mjhybrid::scene {

namespace {

constexpr char kMagic[8] = {'m', 'j', 'h', 'd', 's', 'e', 't', '1'};

class Packer {
 public:
  template <typename T>
  void Put(const T& v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void PutString(const std::string& s) {
    Put<uint64_t>(s.size());
    out_ += s;
  }
  void PutDoubles(const std::vector<double>& v) {
    Put<uint64_t>(v.size());
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Unpacker {
 public:
  Unpacker(const std::string& bytes, size_t from) : p_(bytes.data() + from), left_(bytes.size() - from) {}
  template <typename T>
  T Get() {
    T v;
    Take(&v, sizeof(T));
    return v;
  }
  std::string GetString() {
    const uint64_t n = Count(1);
    std::string s(p_, n);
    Skip(n);
    return s;
  }
  // an array of doubles; of `expected` of them unless that is kAny
  static constexpr uint64_t kAny = ~uint64_t{0};
  std::vector<double> GetDoubles(uint64_t expected = kAny) {
    const uint64_t n = Count(sizeof(double));
    if (expected != kAny && n != expected) throw std::runtime_error("the packed dataset has an array of the wrong size");
    std::vector<double> v(n);
    Take(v.data(), n * sizeof(double));
    return v;
  }
  bool done() const { return left_ == 0; }

 private:
  // a count of items of `size` bytes, checked against what is left before anything is allocated
  uint64_t Count(size_t size) {
    const uint64_t n = Get<uint64_t>();
    if (n > left_ / size) throw std::runtime_error("the packed dataset is truncated");
    return n;
  }
  void Take(void* dst, size_t n) {
    if (n > left_) throw std::runtime_error("the packed dataset is truncated");
    // an empty array has no storage: memcpy's null destination would be undefined even for 0
    // bytes (found by tests/fuzz: regressions/dataset/packed-empty-array)
    if (n == 0) return;
    std::memcpy(dst, p_, n);
    Skip(n);
  }
  void Skip(size_t n) {
    p_ += n;
    left_ -= n;
  }
  const char* p_;
  size_t left_;
};

}  // namespace

std::string PackDataset(const TrajectoryDataset& data) {
  Packer p;
  p.out().append(kMagic, sizeof(kMagic));
  p.PutString(data.model);
  p.PutString(data.source);
  p.Put(data.timestep);
  p.Put<int32_t>(data.nq);
  p.Put<int32_t>(data.nv);
  p.Put<int32_t>(data.nu);
  p.PutString(nlohmann::json(data.joints).dump());
  p.PutString(nlohmann::json(data.actuators).dump());
  p.PutString(data.excitation.dump());
  p.Put<uint64_t>(data.seed);
  p.Put<uint64_t>(data.episodes.size());
  for (const Episode& e : data.episodes) {
    p.PutDoubles(e.time);
    p.PutDoubles(e.qpos);
    p.PutDoubles(e.qvel);
    p.PutDoubles(e.ctrl);
  }
  return std::move(p.out());
}

TrajectoryDataset UnpackDataset(const std::string& bytes) {
  if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    throw std::runtime_error("not a packed dataset");
  }
  Unpacker u(bytes, sizeof(kMagic));
  TrajectoryDataset data;
  data.model = u.GetString();
  data.source = u.GetString();
  data.timestep = u.Get<double>();
  data.nq = u.Get<int32_t>();
  data.nv = u.Get<int32_t>();
  data.nu = u.Get<int32_t>();
  // the bounds LoadDataset holds datasets to; with them no array size below can overflow
  constexpr int32_t kMaxCoordinates = 100000;
  for (int32_t n : {data.nq, data.nv, data.nu}) {
    if (n < 0 || n > kMaxCoordinates) throw std::runtime_error("the packed dataset has sizes out of range");
  }
  try {
    data.joints = nlohmann::json::parse(u.GetString()).get<std::vector<std::string>>();
    data.actuators = nlohmann::json::parse(u.GetString()).get<std::vector<std::string>>();
    data.excitation = nlohmann::json::parse(u.GetString());
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("the packed dataset has malformed names: ") + e.what());
  }
  data.seed = u.Get<uint64_t>();
  const uint64_t episodes = u.Get<uint64_t>();
  for (uint64_t i = 0; i < episodes; ++i) {
    Episode e;
    e.time = u.GetDoubles();
    const uint64_t states = e.time.size();
    if (states < 2) throw std::runtime_error("the packed dataset has an episode of fewer than two states");
    e.qpos = u.GetDoubles(states * data.nq);
    e.qvel = u.GetDoubles(states * data.nv);
    e.ctrl = u.GetDoubles((states - 1) * data.nu);
    data.episodes.push_back(std::move(e));
  }
  if (!u.done()) throw std::runtime_error("the packed dataset has bytes after its last episode");
  return data;
}

}  // namespace mjhybrid::scene
