#include "hub/common/work_queue.h"

#include <algorithm>

namespace revhub::hub {

WorkQueue::WorkQueue(int threads, size_t max_queued)
    : max_queued_(std::max<size_t>(1, max_queued)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkQueue::~WorkQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkQueue::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(fn));
    peak_ = std::max(peak_, queue_.size());
  }
  cv_.notify_one();
}

bool WorkQueue::TryPost(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(fn));
    peak_ = std::max(peak_, queue_.size());
  }
  cv_.notify_one();
  return true;
}

size_t WorkQueue::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

size_t WorkQueue::peak_queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peak_;
}

void WorkQueue::Run() {
  while (true) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    fn();
  }
}

}  // namespace revhub::hub
