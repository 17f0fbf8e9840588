// WorkQueue: a fixed pool of threads that runs posted closures in FIFO order,
// with a bound on how many may wait.
//
// gRPC reactors must not block, so handlers post their work here; the work
// may block (on the store's group commit, on disk reads). Calls from
// clients are admitted with TryPost, which refuses work once `max_queued`
// closures are waiting (the caller answers RESOURCE_EXHAUSTED), so an
// overloaded hub sheds load instead of queueing without end. Post is for the
// hub's own bounded internal work (event wake-ups) and is never refused.
//
// Thread-safe.
#ifndef REVHUB_HUB_COMMON_WORK_QUEUE_H_
#define REVHUB_HUB_COMMON_WORK_QUEUE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace revhub::hub {

class WorkQueue {
 public:
  // `max_queued` bounds what TryPost lets wait (at least 1).
  explicit WorkQueue(int threads, size_t max_queued = 1024);
  // Runs everything already posted, then joins the threads.
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues fn to run on one of the pool's threads, whatever the queue's
  // length.
  void Post(std::function<void()> fn);

  // Queues fn unless `max_queued` closures already wait; returns whether it
  // was queued (fn is dropped otherwise).
  bool TryPost(std::function<void()> fn);

  int threads() const { return static_cast<int>(threads_.size()); }
  size_t max_queued() const { return max_queued_; }
  // Closures waiting now, and the most that ever waited at once.
  size_t queued() const;
  size_t peak_queued() const;

 private:
  void Run();

  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t peak_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_COMMON_WORK_QUEUE_H_
