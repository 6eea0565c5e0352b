// A fixed set of worker threads that run one parallel loop at a time: ParallelFor(n, fn) calls
// fn(i) for i in [0, n) and returns when all are done. The caller's thread takes a share, so a
// pool of one thread runs everything inline. Work is split into contiguous blocks, one per
// thread: environment steps are short and alike, so a static split beats a shared queue.

#ifndef MJHYBRID_RL_THREAD_POOL_H_
#define MJHYBRID_RL_THREAD_POOL_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mjhybrid::rl {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }
  void ParallelFor(int n, const std::function<void(int)>& fn);

 private:
  void Work(int worker);
  void RunBlock(int block);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(int)>* fn_ = nullptr;
  int n_ = 0;
  long generation_ = 0;  // one per ParallelFor, so a worker runs each loop once
  int pending_ = 0;      // workers still busy with the current loop
  bool stop_ = false;
};

}  // namespace mjhybrid::rl

#endif  // MJHYBRID_RL_THREAD_POOL_H_
