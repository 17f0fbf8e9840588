#include "hub/events/event_bus.h"

namespace revhub::hub {

EventBus::EventBus(WorkQueue* work, int64_t committed)
    : work_(work), committed_(committed) {}

void EventBus::Published(int64_t position) {
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (position <= committed_) return;
    committed_ = position;
    auto it = waiters_.begin();
    while (it != waiters_.end()) {
      if (it->first < committed_) {
        ready.push_back(std::move(it->second));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& fn : ready) work_->Post(std::move(fn));
}

int64_t EventBus::committed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return committed_;
}

void EventBus::CallWhenBeyond(int64_t after, std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (committed_ <= after && !closed_) {
      waiters_.emplace_back(after, std::move(fn));
      return;
    }
  }
  work_->Post(std::move(fn));
}

void EventBus::Close() {
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    for (auto& w : waiters_) ready.push_back(std::move(w.second));
    waiters_.clear();
  }
  for (auto& fn : ready) work_->Post(std::move(fn));
}

bool EventBus::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

}  // namespace revhub::hub
