// RevenueWorker: revhubd's in-process consumer that keeps every booked
// contract's revenue schedule and journal entries up to date.
//
// It follows the event log from the durable consumer "revenue-engine"'s
// acknowledged position (Store::ReadEvents; woken by the EventBus), on its
// own thread, never on a gRPC or work-queue thread. For each event that can
// change a contract's revenue:
//
//   ContractBooked, ContractAmended, ContractCancelled, RenewalAccepted,
//   ContractChanged (of a contract with a schedule)   -> that contract, up to
//       the event's contract version
//   InvoiceIssued, CreditIssued, InvoiceChanged        -> the invoice's
//       contract, when it has a schedule
//   PaymentReceived, PaymentChanged                    -> the contracts of the
//       invoices the payment is allocated to, when they have a schedule
//   ProductChanged                                     -> every contract whose
//       lines sell the product, when it has a schedule
//   UsageReported, ServiceActivated, MilestoneAchieved -> the contract the
//       usage record or delivery names (every one it named up to the
//       event's version), when it has a schedule
//
// it recomputes with revenue::PreviewSchedule from every stored version of
// the contract (from its first ACTIVE version up to the one named), its
// products, invoices and credit notes, their payments, and its usage
// records and deliveries (not for an open-ended contract, whose usage is
// in what it is billed) — all but the contract as they were at the causing
// event's recorded time —, with the settings' closed_periods set to the
// periods closed at that time for the contract's legal entity (and for
// every entity) and `previous` to the schedule as stored; and then, in ONE
// store transaction together with advancing the consumer to the event's
// position: stores the schedule as the next version of REVENUE_SCHEDULE
// "rs_<contract>", stores changed journal entries (revenue_records.h), and
// appends RevenueScheduleChanged with changes = ScheduleChanges(previous,
// new). A contract event always gives a new version; a billing event only
// when the schedule or the journal entries changed. A crash before the
// commit redoes the event after restart; after it, never.
//
// An engine error (a contract that cannot be accounted for) does not stop
// the worker: the schedule gets a new version with status FAILED, the last
// good lines kept and recomputation_error naming the contract version, the
// field and the rule; no RevenueScheduleChanged is appended, and the worker
// moves on. A store error is retried (with backoff) without advancing.
#ifndef REVHUB_HUB_REVENUE_REVENUE_WORKER_H_
#define REVHUB_HUB_REVENUE_REVENUE_WORKER_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "canonical/revenue/engine.h"
#include "hub/events/event_bus.h"
#include "hub/store/store.h"

namespace revhub::hub {

class RevenueWorker {
 public:
  // None of the pointers is owned; all outlive the worker.
  RevenueWorker(Store* store, EventBus* events,
                const revenue::RevenueSettings* settings);
  ~RevenueWorker();  // Stop()s

  RevenueWorker(const RevenueWorker&) = delete;
  RevenueWorker& operator=(const RevenueWorker&) = delete;

  // Starts the worker thread.
  void Start();
  // Stops after the event in progress (its transaction completes or is not
  // begun) and joins the thread. Idempotent.
  void Stop();

 private:
  struct Wakeup {
    std::mutex mu;
    std::condition_variable cv;
    bool signalled = false;
  };

  void Run();
  // Processes the events after the consumer's position; returns false when
  // it must wait (caught up, or retrying later).
  bool Step();
  void WaitForEvents(int64_t after);
  void Sleep(absl::Duration d);

  Store* store_;
  EventBus* events_;
  const revenue::RevenueSettings* settings_;
  std::shared_ptr<Wakeup> wakeup_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  int64_t position_ = -1;  // worker thread only; -1: not read yet
  absl::Duration backoff_ = absl::Milliseconds(100);
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_REVENUE_REVENUE_WORKER_H_
