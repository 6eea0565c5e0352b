#include "pipeline/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "plugin/core/mlp.h"

namespace mjhybrid::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// per-column statistics of a rows x cols row-major matrix
struct ColumnStats {
  std::vector<float> mean, std, min, max;
};

ColumnStats Stats(const std::vector<double>& x, int rows, int cols) {
  ColumnStats s;
  for (int c = 0; c < cols; ++c) {
    double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
    for (int r = 0; r < rows; ++r) {
      double v = x[r * cols + c];
      sum += v;
      sq += v * v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    double mean = sum / rows, var = std::max(0.0, sq / rows - mean * mean);
    // a constant feature carries no information; unit scale keeps it harmless
    double sd = std::sqrt(var) > 1e-6 * std::max(1.0, std::abs(mean)) ? std::sqrt(var) : 1.0;
    s.mean.push_back(static_cast<float>(mean));
    s.std.push_back(static_cast<float>(sd));
    s.min.push_back(static_cast<float>(lo));
    s.max.push_back(static_cast<float>(hi));
  }
  return s;
}

torch::Tensor Normalized(const std::vector<double>& x, const std::vector<int>& rows, int cols,
                         const ColumnStats& s) {
  torch::Tensor t = torch::empty({static_cast<long>(rows.size()), cols}, torch::kFloat32);
  float* p = t.data_ptr<float>();
  for (size_t r = 0; r < rows.size(); ++r) {
    for (int c = 0; c < cols; ++c) p[r * cols + c] = static_cast<float>((x[rows[r] * cols + c] - s.mean[c]) / s.std[c]);
  }
  return t;
}

torch::nn::Sequential MakeNetwork(int in, const std::vector<int>& hidden, int out) {
  torch::nn::Sequential net;
  int width = in;
  for (int h : hidden) {
    net->push_back(torch::nn::Linear(width, h));
    net->push_back(torch::nn::Tanh());
    width = h;
  }
  net->push_back(torch::nn::Linear(width, out));
  return net;
}

std::vector<DenseLayer> ExportLayers(torch::nn::Sequential& net) {
  std::vector<DenseLayer> layers;
  for (auto& module : net->children()) {
    auto* linear = module->as<torch::nn::Linear>();
    if (!linear) continue;
    torch::Tensor w = linear->weight.detach().contiguous(), b = linear->bias.detach().contiguous();
    DenseLayer layer;
    layer.weight = Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        w.data_ptr<float>(), w.size(0), w.size(1));
    layer.bias = Eigen::Map<Eigen::VectorXf>(b.data_ptr<float>(), b.size(0));
    layers.push_back(std::move(layer));
  }
  return layers;
}

torch::Tensor Loss(const torch::Tensor& prediction, const torch::Tensor& target, const TrainOptions& opt) {
  if (opt.huber_delta > 0) return torch::huber_loss(prediction, target, at::Reduction::Mean, opt.huber_delta);
  return torch::mse_loss(prediction, target);
}

}  // namespace

int ValidationEpisodeCount(int episodes, double fraction) {
  return std::clamp(static_cast<int>(std::lround(episodes * fraction)), 1, std::max(1, episodes - 1));
}

TrainResult TrainResidual(const TrainingSet& set, const StateLayout& layout, const FeatureSpec& spec,
                          const TrainOptions& opt, bool progress) {
  const auto start = Clock::now();
  torch::set_num_threads(std::max(1, opt.threads));
  const int nf = set.feature_count, no = set.output_count;

  // hold out whole episodes (neighbouring steps of one episode are nearly the same sample)
  const int episodes = set.episodes;
  const int held = ValidationEpisodeCount(episodes, opt.validation_fraction);
  std::vector<int> train_rows, val_rows;
  for (int r = 0; r < set.rows(); ++r) (set.episode[r] >= episodes - held ? val_rows : train_rows).push_back(r);
  if (train_rows.empty() || val_rows.empty()) throw std::runtime_error("need at least 2 episodes to train and validate");

  ColumnStats in = Stats(set.features, set.rows(), nf);
  ColumnStats out = Stats(set.targets, set.rows(), no);
  torch::Tensor x_train = Normalized(set.features, train_rows, nf, in);
  torch::Tensor y_train = Normalized(set.targets, train_rows, no, out);
  torch::Tensor x_val = Normalized(set.features, val_rows, nf, in);
  torch::Tensor y_val = Normalized(set.targets, val_rows, no, out);

  std::vector<std::vector<DenseLayer>> members;
  nlohmann::json member_reports = nlohmann::json::array();
  const long n = x_train.size(0);
  for (int e = 0; e < opt.members; ++e) {
    torch::manual_seed(opt.seed * 7919 + e);
    torch::nn::Sequential net = MakeNetwork(nf, opt.hidden, no);
    torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(opt.learning_rate));
    double best = INFINITY;
    int best_epoch = 0, epoch = 0;
    std::vector<torch::Tensor> best_params;
    const double budget = opt.time_budget_s * (e + 1) / opt.members;
    for (epoch = 0; epoch < opt.epochs && Seconds(start) < budget; ++epoch) {
      // cosine decay to 5 % of the initial rate
      double lr = opt.learning_rate * (0.05 + 0.95 * 0.5 * (1 + std::cos(M_PI * epoch / opt.epochs)));
      for (auto& group : adam.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
      net->train();
      torch::Tensor order = torch::randperm(n, torch::kLong);
      for (long b = 0; b < n; b += opt.batch) {
        torch::Tensor idx = order.slice(0, b, std::min(n, b + opt.batch));
        torch::Tensor loss = Loss(net->forward(x_train.index_select(0, idx)), y_train.index_select(0, idx), opt);
        adam.zero_grad();
        loss.backward();
        adam.step();
      }
      torch::NoGradGuard no_grad;
      net->eval();
      double val = Loss(net->forward(x_val), y_val, opt).item<double>();
      if (val < best) {
        best = val;
        best_epoch = epoch;
        best_params.clear();
        for (auto& p : net->parameters()) best_params.push_back(p.detach().clone());
      }
      if (progress && (epoch % 25 == 0 || epoch + 1 == opt.epochs)) {
        std::fprintf(stderr, "[train] member %d/%d epoch %d/%d  val %s %.4f (normalized)  %.0f s\n",
                     e + 1, opt.members, epoch + 1, opt.epochs, opt.huber_delta > 0 ? "huber" : "mse", val,
                     Seconds(start));
      }
    }
    {
      torch::NoGradGuard no_grad;
      auto params = net->parameters();
      for (size_t i = 0; i < params.size(); ++i) params[i].copy_(best_params[i]);
    }
    // the selected network's MSE, whatever loss selected it: comparable across models
    double train_mse, val_mse;
    {
      torch::NoGradGuard no_grad;
      train_mse = torch::mse_loss(net->forward(x_train), y_train).item<double>();
      val_mse = torch::mse_loss(net->forward(x_val), y_val).item<double>();
    }
    if (epoch < opt.epochs) {
      std::fprintf(stderr, "[train] warning: time budget of %.0f s reached at epoch %d/%d; "
                   "the result depends on machine load (raise --time-budget)\n",
                   opt.time_budget_s, epoch, opt.epochs);
    }
    member_reports.push_back({{"epochs", epoch}, {"best_epoch", best_epoch},
                              {"val_loss", best}, {"val_mse", val_mse}, {"train_mse", train_mse}});
    members.push_back(ExportLayers(net));
  }

  auto model = std::make_shared<ResidualModel>();
  model->signature = layout;
  model->features = spec;
  model->input_mean = in.mean;
  model->input_std = in.std;
  model->input_min = in.min;
  model->input_max = in.max;
  model->output_mean = out.mean;
  model->output_std = out.std;
  for (int i = 0; i < no; ++i) {
    float largest = std::max(std::abs(out.min[i]), std::abs(out.max[i]));
    model->output_bound.push_back(static_cast<float>(opt.bound_factor * largest));
  }
  model->network = std::make_shared<MlpEnsemble>(std::move(members));

  TrainResult result;
  result.model = model;
  result.report = {{"seconds", Seconds(start)}, {"members", member_reports},
                   {"train_rows", train_rows.size()}, {"validation_rows", val_rows.size()},
                   {"hidden", opt.hidden}, {"epochs", opt.epochs}, {"batch", opt.batch},
                   {"learning_rate", opt.learning_rate}, {"seed", opt.seed},
                   {"torch_threads", opt.threads},
                   {"loss", opt.huber_delta > 0 ? "huber" : "mse"}, {"huber_delta", opt.huber_delta}};
  return result;
}

}  // namespace mjhybrid::pipeline
