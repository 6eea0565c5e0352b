#include "rl/thread_pool.h"

#include <algorithm>

namespace mjhybrid::rl {

ThreadPool::ThreadPool(int threads) {
  for (int w = 1; w < std::max(1, threads); ++w) workers_.emplace_back([this, w] { Work(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  start_.notify_all();
  for (std::thread& t : workers_) t.join();
}

// block b of threads() contiguous blocks of [0, n)
void ThreadPool::RunBlock(int block) {
  const int t = threads();
  const int begin = static_cast<int>(static_cast<long>(n_) * block / t);
  const int end = static_cast<int>(static_cast<long>(n_) * (block + 1) / t);
  for (int i = begin; i < end; ++i) (*fn_)(i);
}

void ThreadPool::ParallelFor(int n, const std::function<void(int)>& fn) {
  if (workers_.empty() || n < 2) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = &fn;
    n_ = n;
    pending_ = static_cast<int>(workers_.size());
    ++generation_;
  }
  start_.notify_all();
  RunBlock(0);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
  fn_ = nullptr;
}

void ThreadPool::Work(int worker) {
  long seen = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    RunBlock(worker);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }
}

}  // namespace mjhybrid::rl
