#include "scene/dataset.h"

#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "plugin/core/atomic_file.h"
#include "scene/child_process.h"
#include "scene/dataset_bytes.h"

namespace mjhybrid::scene {

namespace {

using nlohmann::json;

// closes an HDF5 handle when it goes out of scope
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t), const std::string& what) : id_(id), close_(close) {
    if (id_ < 0) throw std::runtime_error(what);
  }
  ~Handle() { if (id_ >= 0) close_(id_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  operator hid_t() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// `cols` of kVector: a one-dimensional array of `rows` values (time); any other, rows x cols,
// zero columns included (ctrl of a system without actuators is T x 0)
constexpr hsize_t kVector = ~hsize_t{0};

void WriteMatrix(hid_t group, const char* name, const std::vector<double>& v, hsize_t rows,
                 hsize_t cols) {
  hsize_t dims[2] = {rows, cols};
  Handle space(H5Screate_simple(cols == kVector ? 1 : 2, dims, nullptr), H5Sclose, "HDF5 dataspace");
  Handle set(H5Dcreate2(group, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose, std::string("cannot create dataset ") + name);
  if (!v.empty() && H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0) {
    throw std::runtime_error(std::string("cannot write dataset ") + name);
  }
}

// the dims of a dataspace of any rank (HDF5 allows up to H5S_MAX_RANK): reading them into a
// fixed array of the rank we expect would overflow it
std::vector<hsize_t> Dims(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0 || rank > H5S_MAX_RANK) throw std::runtime_error("HDF5 dataspace has no valid rank");
  std::vector<hsize_t> dims(rank);
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

std::string ShapeText(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

// reads a float64 array and checks its shape: rows x cols (cols = 0 for a vector). The shape is
// checked before anything is allocated, so rows (which the caller has counted against the
// memory budget) bounds the allocation, whatever the file claims.
std::vector<double> ReadMatrix(hid_t group, const std::string& where, const char* name,
                               hsize_t rows, hsize_t cols) {
  if (H5Lexists(group, name, H5P_DEFAULT) <= 0) throw std::runtime_error(where + " lacks '" + name + "'");
  Handle set(H5Dopen2(group, name, H5P_DEFAULT), H5Dclose, where + "/" + name + " cannot be opened");
  Handle space(H5Dget_space(set), H5Sclose, "HDF5 dataspace");
  const std::vector<hsize_t> dims = Dims(space);
  const std::vector<hsize_t> expected = cols == kVector ? std::vector<hsize_t>{rows} : std::vector<hsize_t>{rows, cols};
  // files written before zero-column matrices were two-dimensional hold a system without
  // actuators' ctrl as `rows` unwritten zeros: nothing to read
  if (cols == 0 && dims == std::vector<hsize_t>{rows}) return {};
  if (dims != expected) {
    throw std::runtime_error(where + "/" + name + " has shape " + ShapeText(dims) + ", expected " +
                             ShapeText(expected));
  }
  std::vector<double> v(rows * (cols == kVector ? 1 : cols));
  if (!v.empty() && H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0) {
    throw std::runtime_error(where + "/" + name + " cannot be read");
  }
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      size_t row = cols == kVector ? i : i / cols;
      throw std::runtime_error(where + "/" + name + " has a non-finite value at step " + std::to_string(row));
    }
  }
  return v;
}

void WriteAttr(hid_t obj, const char* name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "HDF5 type");
  H5Tset_size(type, value.empty() ? 1 : value.size());
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "HDF5 dataspace");
  Handle attr(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, name);
  H5Awrite(attr, type, value.empty() ? "" : value.data());
}

void WriteAttr(hid_t obj, const char* name, double value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "HDF5 dataspace");
  Handle attr(H5Acreate2(obj, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, name);
  H5Awrite(attr, H5T_NATIVE_DOUBLE, &value);
}

void WriteAttr(hid_t obj, const char* name, long long value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "HDF5 dataspace");
  Handle attr(H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, name);
  H5Awrite(attr, H5T_NATIVE_LLONG, &value);
}

// more qpos, qvel or ctrl coordinates than any model a dataset could come from has
constexpr double kMaxCoordinates = 100000;

std::string ReadStringAttr(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) throw std::runtime_error(std::string("attribute '") + name + "' missing");
  Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, name);
  Handle type(H5Aget_type(attr), H5Tclose, name);
  if (H5Tget_class(type) != H5T_STRING) throw std::runtime_error(std::string("attribute '") + name + "' is not a string");
  if (H5Tis_variable_str(type) > 0) {
    // written by h5py as a variable-length string
    char* s = nullptr;
    Handle mem(H5Tget_native_type(type, H5T_DIR_ASCEND), H5Tclose, name);
    H5Aread(attr, mem, &s);
    std::string out = s ? s : "";
    H5free_memory(s);
    return out;
  }
  std::string s(H5Tget_size(type), '\0');
  H5Aread(attr, type, s.data());
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

double ReadNumberAttr(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) throw std::runtime_error(std::string("attribute '") + name + "' missing");
  Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, name);
  double v = 0;
  if (H5Aread(attr, H5T_NATIVE_DOUBLE, &v) < 0) throw std::runtime_error(std::string("attribute '") + name + "' is not a number");
  return v;
}

// a whole number in [0, limit]: a size or a seed. Checked before the cast, which is undefined
// for a value the integer cannot hold (found by tests/fuzz: regressions/dataset/huge-nq).
double ReadWholeAttr(hid_t obj, const char* name, double limit) {
  const double v = ReadNumberAttr(obj, name);
  if (!(v >= 0 && v <= limit && v == std::floor(v))) {
    throw std::runtime_error(std::string("attribute '") + name + "' is not a whole number in [0, " +
                             std::to_string(static_cast<long long>(limit)) + "]");
  }
  return v;
}

std::string EpisodeName(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%06zu", i);
  return buf;
}

}  // namespace

void Episode::ControlHistory(int t, int history, int nu, double* out) const {
  for (int k = 1; k <= history; ++k) {
    double* dst = out + (k - 1) * nu;
    for (int i = 0; i < nu; ++i) dst[i] = t - k >= 0 ? ctrl[(t - k) * nu + i] : 0.0;
  }
}

long long TrajectoryDataset::transitions() const {
  long long n = 0;
  for (const Episode& e : episodes) n += e.steps();
  return n;
}

namespace {

void WriteDatasetFile(const std::string& path, const TrajectoryDataset& data) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
              "cannot create the file");
  WriteAttr(file, "format", std::string(kDatasetFormat));
  WriteAttr(file, "model", data.model);
  WriteAttr(file, "source", data.source);
  WriteAttr(file, "timestep", data.timestep);
  WriteAttr(file, "nq", static_cast<long long>(data.nq));
  WriteAttr(file, "nv", static_cast<long long>(data.nv));
  WriteAttr(file, "nu", static_cast<long long>(data.nu));
  WriteAttr(file, "joints", json(data.joints).dump());
  WriteAttr(file, "actuators", json(data.actuators).dump());
  WriteAttr(file, "excitation", data.excitation.dump());
  WriteAttr(file, "seed", static_cast<long long>(data.seed));
  Handle episodes(H5Gcreate2(file, "episodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                  "cannot create group episodes");
  for (size_t i = 0; i < data.episodes.size(); ++i) {
    const Episode& e = data.episodes[i];
    Handle g(H5Gcreate2(episodes, EpisodeName(i).c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Gclose, "cannot create episode group");
    hsize_t t = e.steps();
    WriteMatrix(g, "time", e.time, t + 1, kVector);
    WriteMatrix(g, "qpos", e.qpos, t + 1, data.nq);
    WriteMatrix(g, "qvel", e.qvel, t + 1, data.nv);
    WriteMatrix(g, "ctrl", e.ctrl, t, data.nu);
  }
}

}  // namespace

void SaveDataset(const std::string& path, const TrajectoryDataset& data) {
  // written under a temporary name and renamed once closed: a kill never leaves a truncated
  // dataset that looks complete (plugin/core/atomic_file.h)
  const std::string partial = PartialPathFor(path);
  try {
    WriteDatasetFile(partial, data);
  } catch (const std::exception& e) {
    std::remove(partial.c_str());
    throw std::runtime_error("cannot write '" + path + "': " + e.what());
  }
  std::string error;
  if (!CommitPartial(partial, path, &error)) throw std::runtime_error("cannot write '" + path + "': " + error);
}

namespace {

// the bytes an episode of `states` states takes once loaded: doubles, as the formula of
// DatasetMemoryBytes. In floating point, because a file can claim 2^64 - 1 states.
double EpisodeBytes(double states, const TrajectoryDataset& data) {
  return 8 * (states * (1 + data.nq + data.nv) + (states - 1) * data.nu) + kEpisodeOverheadBytes;
}

std::runtime_error OverBudget(const char* at_least, hsize_t episodes, double bytes,
                              const MemoryBudget& budget) {
  return std::runtime_error(
      "its " + std::to_string(episodes) + (episodes == 1 ? " episode needs " : " episodes need ") +
      at_least + FormatBytes(bytes) + " in memory, more than the " + FormatBytes(budget.bytes) +
      " budget (" + budget.source + "); split it");
}

// The number of states of each of the `count` episodes, read from the shape of its 'time'
// (cheap: no data is read), after checking that all of them together fit `budget`. A count
// that cannot fit even as two-state episodes is refused before the episodes are walked.
std::vector<hsize_t> EpisodeLengths(hid_t episodes, hsize_t count, const TrajectoryDataset& data,
                                    const MemoryBudget& budget) {
  if (count * EpisodeBytes(2, data) > budget.bytes) {
    throw OverBudget("at least ", count, count * EpisodeBytes(2, data), budget);
  }
  std::vector<hsize_t> states(count);
  double bytes = 0;
  for (hsize_t i = 0; i < count; ++i) {
    const std::string name = EpisodeName(i);
    const std::string where = "episodes/" + name;
    if (H5Lexists(episodes, name.c_str(), H5P_DEFAULT) <= 0) throw std::runtime_error("missing " + where);
    Handle g(H5Gopen2(episodes, name.c_str(), H5P_DEFAULT), H5Gclose, where);
    if (H5Lexists(g, "time", H5P_DEFAULT) <= 0) throw std::runtime_error(where + " lacks 'time'");
    Handle set(H5Dopen2(g, "time", H5P_DEFAULT), H5Dclose, where + "/time cannot be opened");
    Handle space(H5Dget_space(set), H5Sclose, "HDF5 dataspace");
    const std::vector<hsize_t> dims = Dims(space);
    if (dims.size() != 1) {
      throw std::runtime_error(where + "/time has shape " + ShapeText(dims) + ", expected [states]");
    }
    if (dims[0] < 2) throw std::runtime_error(where + " has fewer than two states");
    states[i] = dims[0];
    bytes += EpisodeBytes(static_cast<double>(dims[0]), data);
  }
  if (bytes > budget.bytes) throw OverBudget("", count, bytes, budget);
  return states;
}

}  // namespace

uint64_t DatasetMemoryBytes(const TrajectoryDataset& data) {
  uint64_t bytes = 0;
  for (const Episode& e : data.episodes) {
    bytes += 8 * (e.time.size() + e.qpos.size() + e.qvel.size() + e.ctrl.size()) + kEpisodeOverheadBytes;
  }
  return bytes;
}

namespace {

// the file through libhdf5; runs in the reader process (LoadDataset); throws one line, without
// the file's name
TrajectoryDataset ReadDatasetFile(const std::string& path, const MemoryBudget& budget) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error("file not found");
    std::fclose(f);
    throw std::runtime_error("not an HDF5 file");
  }
  TrajectoryDataset data;
  {
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open file");
    std::string format = ReadStringAttr(file, "format");
    if (format != kDatasetFormat) throw std::runtime_error("format '" + format + "', expected '" + kDatasetFormat + "'");
    data.model = ReadStringAttr(file, "model");
    data.source = ReadStringAttr(file, "source");
    data.timestep = ReadNumberAttr(file, "timestep");
    data.nq = static_cast<int>(ReadWholeAttr(file, "nq", kMaxCoordinates));
    data.nv = static_cast<int>(ReadWholeAttr(file, "nv", kMaxCoordinates));
    data.nu = static_cast<int>(ReadWholeAttr(file, "nu", kMaxCoordinates));
    data.joints = json::parse(ReadStringAttr(file, "joints")).get<std::vector<std::string>>();
    data.actuators = json::parse(ReadStringAttr(file, "actuators")).get<std::vector<std::string>>();
    data.excitation = json::parse(ReadStringAttr(file, "excitation"));
    // seeds are written as int64
    data.seed = static_cast<uint64_t>(ReadWholeAttr(file, "seed", 9.2e18));
    if (!(data.timestep > 0) || data.nq < 0 || data.nv < 0 || data.nu < 0) throw std::runtime_error("bad timestep or sizes");
    Handle episodes(H5Gopen2(file, "episodes", H5P_DEFAULT), H5Gclose, "no group 'episodes'");
    H5G_info_t info;
    if (H5Gget_info(episodes, &info) < 0) throw std::runtime_error("group 'episodes' cannot be read");
    // every episode's length before any episode is read: what the file claims is counted
    // against the budget first, and then read exactly (ReadMatrix refuses any other shape)
    const std::vector<hsize_t> states = EpisodeLengths(episodes, info.nlinks, data, budget);
    data.episodes.reserve(states.size());
    for (size_t i = 0; i < states.size(); ++i) {
      std::string name = EpisodeName(i);
      std::string where = "episodes/" + name;
      Handle g(H5Gopen2(episodes, name.c_str(), H5P_DEFAULT), H5Gclose, where);
      const hsize_t n = states[i];
      Episode e;
      e.time = ReadMatrix(g, where, "time", n, kVector);
      e.qpos = ReadMatrix(g, where, "qpos", n, data.nq);
      e.qvel = ReadMatrix(g, where, "qvel", n, data.nv);
      e.ctrl = ReadMatrix(g, where, "ctrl", n - 1, data.nu);
      data.episodes.push_back(std::move(e));
    }
  }
  if (data.episodes.empty()) throw std::runtime_error("no episodes");
  return data;
}

}  // namespace

TrajectoryDataset LoadDataset(const std::string& path) { return LoadDataset(path, LoaderMemoryBudget()); }

TrajectoryDataset LoadDataset(const std::string& path, const MemoryBudget& budget) {
  // libhdf5 is not memory-safe on corrupt files (scene/child_process.h): it reads in a child
  // process, which hands the dataset over packed, or says why it could not
  try {
    return UnpackDataset(RunInChildProcess([&] { return PackDataset(ReadDatasetFile(path, budget)); }));
  } catch (const std::exception& e) {
    throw std::runtime_error("dataset '" + path + "': " + e.what());
  }
}

}  // namespace mjhybrid::scene
