// EventBus: tells event-stream subscribers that new events have committed.
//
// The store calls Published() after each commit that appended events. A
// subscriber that has read everything up to position P calls
// CallWhenBeyond(P, fn); fn runs on the work queue once an event after P has
// committed (at once if one already has). Thread-safe.
#ifndef REVHUB_HUB_EVENTS_EVENT_BUS_H_
#define REVHUB_HUB_EVENTS_EVENT_BUS_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "hub/common/work_queue.h"

namespace revhub::hub {

class EventBus {
 public:
  EventBus(WorkQueue* work, int64_t committed);

  // Records that every event up to `position` is committed and wakes the
  // waiters it satisfies.
  void Published(int64_t position);

  // Returns the highest position known to be committed.
  int64_t committed() const;

  // Runs fn on the work queue once committed() > after, or once the bus is
  // closed.
  void CallWhenBeyond(int64_t after, std::function<void()> fn);

  // Closes the bus for shutdown: every waiter runs now, and closed() tells
  // subscriptions to end instead of waiting.
  void Close();
  bool closed() const;

 private:
  WorkQueue* work_;
  mutable std::mutex mu_;
  int64_t committed_;
  bool closed_ = false;
  std::vector<std::pair<int64_t, std::function<void()>>> waiters_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_EVENTS_EVENT_BUS_H_
