// WorkQueue: a fixed pool of threads that runs posted closures in FIFO order.
//
// gRPC reactors must not block, so handlers post their work here; the work
// may block (on the store's group commit, on disk reads). Thread-safe.
#ifndef REVHUB_HUB_COMMON_WORK_QUEUE_H_
#define REVHUB_HUB_COMMON_WORK_QUEUE_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace revhub::hub {

class WorkQueue {
 public:
  explicit WorkQueue(int threads);
  // Runs everything already posted, then joins the threads.
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues fn to run on one of the pool's threads.
  void Post(std::function<void()> fn);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_COMMON_WORK_QUEUE_H_
