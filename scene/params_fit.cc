#include "scene/params_fit.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>

#include "plugin/mujoco/contact_pairs.h"
#include "plugin/mujoco/contact_rewrite.h"
#include "plugin/mujoco/residual_instance.h"
#include "plugin/mujoco/state_layout_from_model.h"
#include "scene/attach.h"
#include "scene/dataset_fit.h"
#include "scene/least_squares.h"
#include "scene/mujoco_util.h"

namespace mjhybrid::scene {

namespace {

using P = ContactParameter;

// search box: ratios within a factor of 100 of the start, impedances within 6 in logit
constexpr double kMaxLogRatio = 4.6;
constexpr double kMaxLogit = 6;
// torsional friction stays on only where it lowers the cost by this fraction (params_fit.h)
constexpr double kTorsionGain = 0.01;
// a parameter the scene leaves at zero still needs a scale to move in ratios
double RatioBase(P p, double nominal) {
  const double floor = p == P::kSolimpWidth ? 1e-4 : 1e-3;
  return std::max(nominal, floor);
}
bool InLogit(P p) { return p == P::kSolimpMin || p == P::kSolimpMax; }
double Logit(double x) { return std::log(x / (1 - x)); }
double Sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

double ValueAt(P p, double start, double theta, double timestep) {
  double v;
  if (InLogit(p)) {
    const ParameterRange r = StableRange(p, timestep);
    v = Sigmoid(Logit(std::clamp(start, r.low, r.high)) + theta);
  } else {
    v = RatioBase(p, start) * std::exp(theta);
  }
  const ParameterRange r = StableRange(p, timestep);
  return std::clamp(v, r.low, r.high);
}

std::string GeomName(const mjModel* m, int g) {
  const char* n = mj_id2name(m, mjOBJ_GEOM, g);
  return n && n[0] ? n : "";
}

// one hybrid model copy and mjData per worker thread, with the plugin's rewrite to drive
struct Worker {
  explicit Worker(const mjModel* m) : model(mj_copyModel(nullptr, m)), data(MakeData(model.get())) {
    rewrite = ContactRewriteOf(model.get(), data.get(), ContactParamsInstance(model.get()));
    if (!rewrite) throw std::runtime_error("fit-params: the working scene has no contact-parameter instance");
  }
  ModelPtr model;
  DataPtr data;
  ContactRewrite* rewrite = nullptr;
};

// start values from an earlier fit, for the pairs and parameters it shares with `model`
void StartFrom(const ContactParamsModel& earlier, const ContactParamsModel& model, std::vector<double>* start) {
  const int K = model.columns();
  for (size_t i = 0; i < model.pairs.size(); ++i) {
    const ContactPair& p = model.pairs[i];
    for (size_t j = 0; j < earlier.pairs.size(); ++j) {
      const ContactPair& q = earlier.pairs[j];
      const bool same = (p.geom1.name == q.geom1.name && p.geom2.name == q.geom2.name) ||
                        (p.geom1.name == q.geom2.name && p.geom2.name == q.geom1.name);
      if (!same) continue;
      for (int k = 0; k < K; ++k) {
        for (int l = 0; l < earlier.columns(); ++l) {
          if (earlier.parameters[l] == model.parameters[k]) (*start)[i * K + k] = earlier.value(static_cast<int>(j), l);
        }
      }
    }
  }
}

}  // namespace

std::vector<PairInData> PairsInContact(const mjModel* m, const TrajectoryDataset& data,
                                       const std::vector<ContactParameter>& parameters) {
  DataPtr d = MakeData(m);
  std::map<std::pair<int, int>, PairInData> seen;
  long long states = 0;
  for (const Episode& ep : data.episodes) {
    for (int s = 0; s <= ep.steps(); s += 5) {
      mju_copy(d->qpos, ep.qpos.data() + s * m->nq, m->nq);
      mju_copy(d->qvel, ep.qvel.data() + s * m->nv, m->nv);
      mj_forward(m, d.get());
      ++states;
      std::map<std::pair<int, int>, bool> here;
      for (int i = 0; i < d->ncon; ++i) {
        const mjContact& c = d->contact[i];
        if (c.geom[0] < 0 || c.geom[1] < 0 || c.efc_address < 0) continue;
        const std::pair<int, int> key = {std::min(c.geom[0], c.geom[1]), std::max(c.geom[0], c.geom[1])};
        if (here[key]) continue;
        here[key] = true;
        PairInData& p = seen[key];
        if (p.nominal.empty()) {
          p.geom1 = key.first;
          p.geom2 = key.second;
          for (ContactParameter k : parameters) {
            p.nominal.push_back(ContactValue(c, k));
            p.start.push_back(k == P::kTorsion && c.dim == 3 ? c.friction[2] : p.nominal.back());
          }
        }
        p.share += 1;
      }
    }
  }
  std::vector<PairInData> out;
  for (auto& [key, p] : seen) {
    p.share /= std::max<long long>(1, states);
    out.push_back(p);
  }
  std::stable_sort(out.begin(), out.end(), [](const PairInData& a, const PairInData& b) { return a.share > b.share; });
  return out;
}

bool HasContactToFit(const mjModel* m, const TrajectoryDataset& data, const ParamsFitOptions& options) {
  for (const PairInData& p : PairsInContact(m, data, options.parameters)) {
    if (p.share >= options.min_contact_share && !GeomName(m, p.geom1).empty() && !GeomName(m, p.geom2).empty()) {
      return true;
    }
  }
  return false;
}

ParamsFitResult FitContactParams(const std::string& sim_path, const TrajectoryDataset& data,
                                 const ParamsFitOptions& options, const std::string& scratch) {
  ModelPtr sim = LoadModel(sim_path);
  const mjModel* m = sim.get();
  if (WholeSteps(data.timestep, m->opt.timestep) == 0) {
    throw std::runtime_error("fit-params: the dataset was recorded every " + std::to_string(data.timestep) +
                             " s, not a whole number of the model's timestep " + std::to_string(m->opt.timestep) + " s");
  }
  if (options.parameters.empty()) throw std::runtime_error("fit-params: no contact parameters to fit");
  ParamsFitResult result;
  ContactParamsModel& model = result.model;
  std::vector<double> start;  // as model.nominal
  model.signature = StateLayoutFromModel(m);
  model.signature.control_period = data.timestep;
  model.parameters = options.parameters;
  const int K = static_cast<int>(options.parameters.size());
  char share[64];
  for (const PairInData& p : PairsInContact(m, data, options.parameters)) {
    const std::string a = GeomName(m, p.geom1), b = GeomName(m, p.geom2);
    std::snprintf(share, sizeof(share), "%.1f %%", 100 * p.share);
    const std::string label = "(" + (a.empty() ? "#" + std::to_string(p.geom1) : a) + ", " +
                              (b.empty() ? "#" + std::to_string(p.geom2) : b) + ")";
    if (a.empty() || b.empty()) {
      result.skipped.push_back(label + ": unnamed geom (a model file names its pairs' geoms)");
    } else if (p.share < options.min_contact_share) {
      result.skipped.push_back(label + ": in contact in " + share + " of the recorded states");
    } else {
      model.pairs.push_back({GeomShapeOf(m, p.geom1), GeomShapeOf(m, p.geom2)});
      model.nominal.insert(model.nominal.end(), p.nominal.begin(), p.nominal.end());
      start.insert(start.end(), p.start.begin(), p.start.end());
    }
  }
  if (model.pairs.empty()) {
    char share[32];
    std::snprintf(share, sizeof(share), "%g", 100 * options.min_contact_share);
    throw std::runtime_error(std::string("fit-params: no pair of named geoms is in contact in at least ") + share +
                             " % of the recorded states: nothing to fit");
  }
  const double h = m->opt.timestep;
  if (options.start) StartFrom(*options.start, model, &start);
  for (size_t i = 0; i < model.nominal.size(); ++i) {
    // the nominal as the solver sees it (MuJoCo clamps the time constant to 2 timesteps too)
    const ParameterRange r = StableRange(model.parameters[i % K], h);
    model.nominal[i] = std::clamp(model.nominal[i], r.low, r.high);
    start[i] = std::clamp(start[i], r.low, r.high);
  }
  model.values = model.nominal;
  std::string error;
  if (!SaveContactParams(scratch, model, &error)) throw std::runtime_error("fit-params: " + scratch + ": " + error);
  struct RemoveScratch {
    std::string path;
    ~RemoveScratch() { std::filesystem::remove(path); }
  } remove_scratch{scratch};

  AttachOptions attach;
  attach.sim_path = sim_path;
  attach.params_model = scratch;
  ModelPtr hybrid = CompileHybrid(attach);
  WindowResiduals residuals(hybrid.get(), data, options.horizon, options.stride, "fit-params", /*velocities=*/false);
  result.rollouts = residuals.windows();
  const int threads = std::max(1, options.threads);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(std::make_unique<Worker>(hybrid.get()));

  const int n = static_cast<int>(model.nominal.size());
  // Tried and left out: searching solref as the contact's damping and stiffness (log b, log k)
  // instead of time constant and damping ratio. Same on push (76.8 / 85.1 against 76.1 / 86.2 %
  // at h = 10 / 100), much worse on toss (46 / 15 against 79 / 35 %): a bouncy contact lies
  // 5.6 in log k from the scene's, further than six sweeps of coordinate steps travel.
  auto values_at = [&](const Eigen::VectorXd& theta) {
    std::vector<double> v(n);
    for (int i = 0; i < n; ++i) v[i] = ValueAt(model.parameters[i % K], start[i], theta[i], h);
    return v;
  };
  auto evaluate = [&](const Eigen::VectorXd& theta, int worker, double* r) {
    Worker& w = *workers[worker];
    w.rewrite->set_values(values_at(theta));
    residuals.Evaluate(w.model.get(), w.data.get(), r);
  };
  auto cost_of = [&](const std::vector<double>& values) {
    workers[0]->rewrite->set_values(values);
    return residuals.MeanSquare(workers[0]->model.get(), workers[0]->data.get());
  };
  auto bound = [&](Eigen::VectorXd* theta) {
    for (int i = 0; i < n; ++i) {
      const double limit = InLogit(model.parameters[i % K]) ? kMaxLogit : kMaxLogRatio;
      (*theta)[i] = std::clamp((*theta)[i], -limit, limit);
    }
  };
  // the search starts from the start values: theta 0 for ratios, and for impedances too
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(n);
  for (int i = 0; i < n; ++i) {
    const P p = model.parameters[i % K];
    if (!InLogit(p)) theta[i] = std::max(-kMaxLogRatio, std::log(start[i] / RatioBase(p, start[i])));
  }
  CompassOptions search;
  search.sweeps = options.iterations;
  search.threads = threads;
  if (options.progress) search.progress = "fit-params";
  const LeastSquaresResult fit = CompassSearch(residuals.size(), evaluate, bound, search, &theta);
  model.values = values_at(theta);
  // the scene as it is (the search may have started elsewhere: torsional friction on)
  result.initial_cost = start == model.nominal ? fit.initial_cost : cost_of(model.nominal);
  result.final_cost = fit.final_cost;
  // torsional friction: off again for each pair where it does not earn its row (params_fit.h)
  for (int k = 0; k < K; ++k) {
    if (model.parameters[k] != P::kTorsion) continue;
    for (size_t pair = 0; pair < model.pairs.size(); ++pair) {
      double& torsion = model.values[pair * K + k];
      if (torsion == 0) continue;
      std::vector<double> off = model.values;
      off[pair * K + k] = 0;
      const double cost_off = cost_of(off);
      if (result.final_cost > (1 - kTorsionGain) * cost_off) {
        torsion = 0;
        result.final_cost = cost_off;
      }
    }
  }
  result.iterations = fit.iterations;
  model.provenance = {{"fit", "fit-params: compass search on the multi-step error"},
                      {"horizon", options.horizon}, {"stride", options.stride},
                      {"initial_cost", result.initial_cost}, {"final_cost", result.final_cost},
                      {"iterations", fit.iterations}, {"skipped_pairs", result.skipped}};
  return result;
}

}  // namespace mjhybrid::scene
