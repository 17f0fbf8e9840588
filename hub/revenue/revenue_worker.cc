#include "hub/revenue/revenue_worker.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "canonical/validation.h"
#include "google/protobuf/util/message_differencer.h"
#include "hub/common/util.h"
#include "hub/entities/fulfilment.h"
#include "hub/events/consumers.h"
#include "hub/observability/log.h"
#include "hub/revenue/revenue_records.h"
#include "revhub/canonical/v1/contract.pb.h"
#include "revhub/canonical/v1/fulfilment.pb.h"
#include "revhub/canonical/v1/invoice.pb.h"
#include "revhub/canonical/v1/payment.pb.h"
#include "revhub/canonical/v1/product.pb.h"

namespace revhub::hub {
namespace {

namespace canon = ::revhub::canonical::v1;
using canon::Contract;
using canon::JournalEntry;
using canon::RevenueSchedule;

constexpr int kBatch = 64;
constexpr char kPrincipal[] = "system:revenue-engine";

const std::vector<EventType>& WatchedTypes() {
  static const std::vector<EventType> kTypes = {
      canon::EVENT_TYPE_CONTRACT_BOOKED,
      canon::EVENT_TYPE_CONTRACT_AMENDED,
      canon::EVENT_TYPE_CONTRACT_CANCELLED,
      canon::EVENT_TYPE_RENEWAL_ACCEPTED,
      canon::EVENT_TYPE_CONTRACT_CHANGED,
      canon::EVENT_TYPE_INVOICE_ISSUED,
      canon::EVENT_TYPE_CREDIT_ISSUED,
      canon::EVENT_TYPE_INVOICE_CHANGED,
      canon::EVENT_TYPE_PAYMENT_RECEIVED,
      canon::EVENT_TYPE_PAYMENT_CHANGED,
      canon::EVENT_TYPE_PRODUCT_CHANGED,
      canon::EVENT_TYPE_USAGE_REPORTED,
      canon::EVENT_TYPE_SERVICE_ACTIVATED,
      canon::EVENT_TYPE_MILESTONE_ACHIEVED,
  };
  return kTypes;
}

template <typename T>
absl::StatusOr<T> Parse(const StoredEntity& stored, absl::string_view what) {
  T out;
  if (!out.ParseFromString(stored.payload)) {
    return absl::DataLossError(absl::StrCat("stored ", what, " ", stored.id,
                                            " v", stored.version,
                                            " does not parse"));
  }
  return out;
}

// Returns whether a and b are equal but for version and recorded_at.
template <typename T>
bool SameContent(T a, T b) {
  a.clear_version();
  b.clear_version();
  a.clear_recorded_at();
  b.clear_recorded_at();
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

// One contract to recompute because of an event.
struct Target {
  std::string contract_id;
  int64_t up_to_version = 0;    // the latest contract version to account for
  bool contract_event = false;  // a new version even when nothing changed
};

// What a recomputation produced, read and computed before the transaction.
struct Outcome {
  Target target;
  absl::Status engine_status;  // not OK: the engine refused the contract
  revenue::RevenueResult result;
  std::string legal_entity, currency_code;  // of the latest version
  std::vector<JournalEntry> live_entries;   // stored before this run
};

absl::StatusOr<std::optional<RevenueSchedule>> ReadSchedule(
    Store& store, absl::string_view contract_id) {
  ASSIGN_OR_RETURN(auto stored,
                   store.GetEntity(canon::ENTITY_TYPE_REVENUE_SCHEDULE,
                                   ScheduleIdFor(contract_id), {}));
  if (!stored.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(auto schedule, Parse<RevenueSchedule>(*stored, "schedule"));
  return schedule;
}

// Adds the billing target of a contract, if it has a schedule.
absl::Status AddBillingTarget(Store& store, const std::string& contract_id,
                              std::vector<Target>* targets) {
  if (contract_id.empty()) return absl::OkStatus();
  for (const Target& t : *targets) {
    if (t.contract_id == contract_id) return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(auto schedule, ReadSchedule(store, contract_id));
  if (!schedule.has_value()) return absl::OkStatus();  // not booked (yet)
  targets->push_back({contract_id, schedule->contract_version(), false});
  return absl::OkStatus();
}

// Adds the contract ids the invoice named in its versions up to
// `up_to_version` (0: all).
absl::Status ContractsOfInvoice(Store& store, const std::string& invoice_id,
                                int64_t up_to_version,
                                std::set<std::string>* contracts) {
  ASSIGN_OR_RETURN(auto versions, store.ListEntityVersions(
                                      canon::ENTITY_TYPE_INVOICE, invoice_id));
  for (const StoredEntity& stored : versions) {
    if (up_to_version > 0 && stored.version > up_to_version) break;
    ASSIGN_OR_RETURN(auto invoice, Parse<canon::Invoice>(stored, "invoice"));
    if (!invoice.contract_id().empty())
      contracts->insert(invoice.contract_id());
  }
  return absl::OkStatus();
}

// Adds the contract ids a usage record or delivery named in its versions up
// to `up_to_version`: one it moved away from loses it too.
template <typename Fact>
absl::Status ContractsOfFact(Store& store, EntityType type,
                             const std::string& id, int64_t up_to_version,
                             std::set<std::string>* contracts) {
  ASSIGN_OR_RETURN(auto versions, store.ListEntityVersions(type, id));
  for (const StoredEntity& stored : versions) {
    if (stored.version > up_to_version) break;
    ASSIGN_OR_RETURN(auto fact, Parse<Fact>(stored, "revenue fact"));
    contracts->insert(fact.contract_id());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Target>> TargetsOf(Store& store,
                                              const BusinessEvent& event) {
  std::vector<Target> targets;
  switch (event.type()) {
    case canon::EVENT_TYPE_CONTRACT_BOOKED:
    case canon::EVENT_TYPE_CONTRACT_AMENDED:
    case canon::EVENT_TYPE_CONTRACT_CANCELLED:
    case canon::EVENT_TYPE_RENEWAL_ACCEPTED:
      targets.push_back(
          {event.subject().id(), event.subject().version(), true});
      break;
    case canon::EVENT_TYPE_CONTRACT_CHANGED: {
      ASSIGN_OR_RETURN(auto schedule,
                       ReadSchedule(store, event.subject().id()));
      if (schedule.has_value()) {
        targets.push_back(
            {event.subject().id(), event.subject().version(), false});
      }
      break;
    }
    case canon::EVENT_TYPE_INVOICE_ISSUED:
    case canon::EVENT_TYPE_CREDIT_ISSUED:
    case canon::EVENT_TYPE_INVOICE_CHANGED: {
      // Every contract the invoice named up to this version: one it moved
      // away from loses the invoice too.
      std::set<std::string> contracts;
      RETURN_IF_ERROR(ContractsOfInvoice(
          store, event.subject().id(), event.subject().version(), &contracts));
      for (const std::string& id : contracts) {
        RETURN_IF_ERROR(AddBillingTarget(store, id, &targets));
      }
      break;
    }
    case canon::EVENT_TYPE_PRODUCT_CHANGED: {
      // A product's revenue rule or SSP was fixed: the contracts that sell
      // it are recomputed (a new version only when their revenue changes,
      // e.g. a FAILED schedule that now succeeds).
      ListEntitiesQuery query;
      query.type = canon::ENTITY_TYPE_CONTRACT;
      query.filters = {{"product_id", event.subject().id()}};
      query.page_size = 500;
      while (true) {
        ASSIGN_OR_RETURN(EntityPage page, store.ListEntities(query));
        for (const StoredEntity& contract : page.entities) {
          RETURN_IF_ERROR(AddBillingTarget(store, contract.id, &targets));
        }
        if (page.next_page_token.empty()) break;
        query.page_token = page.next_page_token;
      }
      break;
    }
    case canon::EVENT_TYPE_USAGE_REPORTED:
    case canon::EVENT_TYPE_SERVICE_ACTIVATED:
    case canon::EVENT_TYPE_MILESTONE_ACHIEVED: {
      std::set<std::string> contracts;
      if (event.subject().entity_type() == canon::ENTITY_TYPE_USAGE_RECORD) {
        RETURN_IF_ERROR(ContractsOfFact<canon::UsageRecord>(
            store, canon::ENTITY_TYPE_USAGE_RECORD, event.subject().id(),
            event.subject().version(), &contracts));
      } else if (event.subject().entity_type() == canon::ENTITY_TYPE_DELIVERY) {
        RETURN_IF_ERROR(ContractsOfFact<canon::Delivery>(
            store, canon::ENTITY_TYPE_DELIVERY, event.subject().id(),
            event.subject().version(), &contracts));
      }
      for (const std::string& id : contracts) {
        RETURN_IF_ERROR(AddBillingTarget(store, id, &targets));
      }
      break;
    }
    case canon::EVENT_TYPE_PAYMENT_RECEIVED:
    case canon::EVENT_TYPE_PAYMENT_CHANGED: {
      // The contracts of every invoice the payment was allocated to, up to
      // this version.
      ASSIGN_OR_RETURN(auto versions,
                       store.ListEntityVersions(canon::ENTITY_TYPE_PAYMENT,
                                                event.subject().id()));
      std::set<std::string> invoices;
      for (const StoredEntity& stored : versions) {
        if (stored.version > event.subject().version()) break;
        ASSIGN_OR_RETURN(auto payment,
                         Parse<canon::Payment>(stored, "payment"));
        for (const auto& a : payment.allocations()) {
          invoices.insert(a.invoice_id());
        }
      }
      std::set<std::string> contracts;
      for (const std::string& invoice : invoices) {
        RETURN_IF_ERROR(ContractsOfInvoice(store, invoice, 0, &contracts));
      }
      for (const std::string& id : contracts) {
        RETURN_IF_ERROR(AddBillingTarget(store, id, &targets));
      }
      break;
    }
    default:
      break;
  }
  return targets;
}

// Lists every current entity of `type` with index key = value.
absl::StatusOr<std::vector<StoredEntity>> ListAll(Store& store, EntityType type,
                                                  const std::string& key,
                                                  const std::string& value) {
  std::vector<StoredEntity> out;
  ListEntitiesQuery query;
  query.type = type;
  query.filters = {{key, value}};
  query.page_size = 500;
  while (true) {
    ASSIGN_OR_RETURN(EntityPage page, store.ListEntities(query));
    for (StoredEntity& e : page.entities) out.push_back(std::move(e));
    if (page.next_page_token.empty()) break;
    query.page_token = page.next_page_token;
  }
  return out;
}

// Adds the usage records and deliveries stored for the target's contract,
// as they were at `then`, to input.events.
absl::Status AddFulfilment(Store& store, const Target& target,
                           const VersionSelector& then,
                           revenue::RevenueInput& input) {
  ASSIGN_OR_RETURN(auto usage, ListAll(store, canon::ENTITY_TYPE_USAGE_RECORD,
                                       "contract_id", target.contract_id));
  for (const StoredEntity& current : usage) {
    ASSIGN_OR_RETURN(
        auto stored,
        store.GetEntity(canon::ENTITY_TYPE_USAGE_RECORD, current.id, then));
    if (!stored.has_value()) continue;  // recorded after the event
    ASSIGN_OR_RETURN(auto record,
                     Parse<canon::UsageRecord>(*stored, "usage record"));
    if (record.contract_id() != target.contract_id) continue;
    input.events.usage.push_back(UsageReportedOf(record));
  }
  ASSIGN_OR_RETURN(auto deliveries, ListAll(store, canon::ENTITY_TYPE_DELIVERY,
                                            "contract_id", target.contract_id));
  for (const StoredEntity& current : deliveries) {
    ASSIGN_OR_RETURN(auto stored, store.GetEntity(canon::ENTITY_TYPE_DELIVERY,
                                                  current.id, then));
    if (!stored.has_value()) continue;
    ASSIGN_OR_RETURN(auto delivery,
                     Parse<canon::Delivery>(*stored, "delivery"));
    if (delivery.contract_id() != target.contract_id) continue;
    if (delivery.kind() == canon::DELIVERY_KIND_MILESTONE) {
      input.events.milestones.push_back(MilestoneAchievedOf(delivery));
    } else {
      input.events.activations.push_back(ServiceActivatedOf(delivery));
    }
  }
  return absl::OkStatus();
}

// Reads what the target's schedule depends on and runs the engine. Products,
// invoices and payments are read as they were at `as_of` (the causing
// event's recorded time), so the result depends on the log, not on when the
// worker gets to the event. Returns nullopt when the contract has no ACTIVE
// version up to the one named (never booked: nothing to account for). Store
// errors are returned; engine errors are kept in Outcome::engine_status.
absl::StatusOr<std::optional<Outcome>> Recompute(
    Store& store, const Target& target,
    const revenue::RevenueSettings& settings, absl::Time as_of) {
  VersionSelector then;
  then.as_of = as_of;
  ASSIGN_OR_RETURN(auto stored_versions,
                   store.ListEntityVersions(canon::ENTITY_TYPE_CONTRACT,
                                            target.contract_id));
  revenue::RevenueInput input;
  bool booked = false;
  for (const StoredEntity& stored : stored_versions) {
    if (stored.version > target.up_to_version) break;
    ASSIGN_OR_RETURN(auto contract, Parse<Contract>(stored, "contract"));
    // Versions before the first ACTIVE one were negotiation, not contract.
    booked = booked || contract.status() == canon::CONTRACT_STATUS_ACTIVE;
    if (booked) input.contract_versions.push_back(std::move(contract));
  }
  if (input.contract_versions.empty()) return std::nullopt;

  Outcome outcome;
  outcome.target = target;
  outcome.legal_entity = input.contract_versions.back().legal_entity();
  outcome.currency_code = input.contract_versions.back().currency_code();

  std::set<std::string> product_ids;
  for (const Contract& c : input.contract_versions) {
    for (const auto& line : c.lines()) {
      if (!line.product_id().empty()) product_ids.insert(line.product_id());
    }
  }
  for (const std::string& id : product_ids) {
    ASSIGN_OR_RETURN(auto stored,
                     store.GetEntity(canon::ENTITY_TYPE_PRODUCT, id, then));
    if (!stored.has_value()) continue;  // the engine names the missing one
    ASSIGN_OR_RETURN(auto product, Parse<canon::Product>(*stored, "product"));
    input.products.push_back(std::move(product));
  }

  ASSIGN_OR_RETURN(auto invoices, ListAll(store, canon::ENTITY_TYPE_INVOICE,
                                          "contract_id", target.contract_id));
  std::set<std::string> payment_ids;
  for (const StoredEntity& current : invoices) {
    ASSIGN_OR_RETURN(auto stored, store.GetEntity(canon::ENTITY_TYPE_INVOICE,
                                                  current.id, then));
    if (!stored.has_value()) continue;  // recorded after the event
    ASSIGN_OR_RETURN(auto invoice, Parse<canon::Invoice>(*stored, "invoice"));
    if (invoice.contract_id() != target.contract_id) continue;
    ASSIGN_OR_RETURN(auto payments, ListAll(store, canon::ENTITY_TYPE_PAYMENT,
                                            "invoice_id", invoice.id()));
    for (const StoredEntity& p : payments) {
      if (!payment_ids.insert(p.id).second) continue;
      ASSIGN_OR_RETURN(auto at,
                       store.GetEntity(canon::ENTITY_TYPE_PAYMENT, p.id, then));
      if (!at.has_value()) continue;
      ASSIGN_OR_RETURN(auto payment, Parse<canon::Payment>(*at, "payment"));
      bool allocated_here = false;
      for (const auto& a : payment.allocations()) {
        allocated_here = allocated_here || a.invoice_id() == invoice.id();
      }
      if (!allocated_here) continue;  // reallocated since
      input.payments.push_back(std::move(payment));
    }
    input.events.invoices.push_back(std::move(invoice));
  }

  // Usage records and deliveries stored for the contract, as they were
  // then. An open-ended contract is recognised by the periods it is billed
  // for (docs/revenue.md): its metered usage is in its invoices, so the
  // facts stay stored but are not the engine's.
  bool open_ended = false;
  for (const Contract& c : input.contract_versions) {
    open_ended = open_ended || IsOpenEnded(c);
  }
  if (!open_ended) RETURN_IF_ERROR(AddFulfilment(store, target, then, input));

  // The periods closed then for the contract's legal entity, and the
  // schedule as stored now (the worker is its one writer).
  revenue::RevenueSettings run_settings = settings;
  ASSIGN_OR_RETURN(run_settings.closed_periods,
                   store.ClosedPeriodsAt(outcome.legal_entity, as_of));
  ASSIGN_OR_RETURN(run_settings.previous,
                   ReadSchedule(store, target.contract_id));

  ASSIGN_OR_RETURN(outcome.live_entries,
                   ReadLiveJournalEntries(store, target.contract_id));
  // What is already posted stays in its period when that period closes.
  if (!run_settings.closed_periods.empty()) {
    run_settings.previous_entries = outcome.live_entries;
  }
  absl::StatusOr<revenue::RevenueResult> result =
      revenue::PreviewSchedule(input, run_settings);
  if (result.ok()) {
    outcome.result = *std::move(result);
  } else {
    outcome.engine_status = result.status();
  }
  return outcome;
}

absl::Status PutSchedule(WriteTxn& txn, RevenueSchedule& schedule) {
  StoredEntity stored;
  stored.type = canon::ENTITY_TYPE_REVENUE_SCHEDULE;
  stored.id = schedule.id();
  stored.version = schedule.version();
  stored.recorded_at = txn.Now();
  stored.payload = schedule.SerializeAsString();
  return txn.PutEntityVersion(stored,
                              {{"contract_id", schedule.contract_id()}});
}

absl::Status PutJournalEntry(WriteTxn& txn, const JournalEntry& entry,
                             const char* index_key) {
  StoredEntity stored;
  stored.type = canon::ENTITY_TYPE_JOURNAL_ENTRY;
  stored.id = entry.id();
  stored.version = entry.version();
  stored.recorded_at = txn.Now();
  stored.payload = entry.SerializeAsString();
  return txn.PutEntityVersion(stored, {{index_key, entry.contract_id()}});
}

// Stores one outcome inside the event's transaction.
absl::Status Apply(WriteTxn& txn, const BusinessEvent& cause,
                   Outcome& outcome) {
  const std::string& contract_id = outcome.target.contract_id;
  const std::string schedule_id = ScheduleIdFor(contract_id);
  std::optional<RevenueSchedule> previous;
  {
    ASSIGN_OR_RETURN(
        auto stored,
        txn.GetCurrentEntity(canon::ENTITY_TYPE_REVENUE_SCHEDULE, schedule_id));
    if (stored.has_value()) {
      ASSIGN_OR_RETURN(previous, Parse<RevenueSchedule>(*stored, "schedule"));
    }
  }
  const int64_t next_version =
      previous.has_value() ? previous->version() + 1 : 1;

  if (!outcome.engine_status.ok()) {
    const std::string error = absl::StrCat(
        "contract ", contract_id, " v", outcome.target.up_to_version, ": ",
        absl::StatusCodeToString(outcome.engine_status.code()), ": ",
        outcome.engine_status.message());
    observability::LogWarn("revenue", error, {{"contract_id", contract_id}});
    if (previous.has_value() &&
        previous->status() == canon::REVENUE_SCHEDULE_STATUS_FAILED &&
        previous->recomputation_error() == error) {
      return absl::OkStatus();  // already recorded
    }
    RevenueSchedule failed;
    if (previous.has_value()) {
      failed = *previous;
    } else {
      failed.set_id(schedule_id);
      failed.set_contract_id(contract_id);
      failed.set_legal_entity(outcome.legal_entity);
      failed.set_currency_code(outcome.currency_code);
    }
    failed.set_contract_version(outcome.target.up_to_version);
    failed.set_status(canon::REVENUE_SCHEDULE_STATUS_FAILED);
    failed.set_recomputation_error(error);
    failed.set_version(next_version);
    *failed.mutable_recorded_at() = ToProto(txn.Now());
    return PutSchedule(txn, failed);
  }

  RevenueSchedule schedule = std::move(outcome.result.schedule);
  schedule.set_id(schedule_id);
  schedule.set_version(next_version);
  *schedule.mutable_recorded_at() = ToProto(txn.Now());

  // Journal entries: write those that changed, withdraw those gone.
  std::vector<JournalEntry> writes, withdrawals;
  std::set<std::string> produced;
  for (JournalEntry& entry : outcome.result.journal_entries) {
    produced.insert(entry.id());
    ASSIGN_OR_RETURN(
        auto stored,
        txn.GetCurrentEntity(canon::ENTITY_TYPE_JOURNAL_ENTRY, entry.id()));
    int64_t version = 0;
    if (stored.has_value()) {
      ASSIGN_OR_RETURN(auto current, Parse<JournalEntry>(*stored, "journal"));
      if (SameContent(current, entry)) continue;
      version = stored->version;
    }
    entry.set_version(version + 1);
    *entry.mutable_recorded_at() = ToProto(txn.Now());
    writes.push_back(std::move(entry));
  }
  for (const JournalEntry& live : outcome.live_entries) {
    if (produced.count(live.id()) > 0) continue;
    JournalEntry gone = live;
    gone.clear_lines();
    gone.set_memo(absl::StrCat("withdrawn: revenue schedule ", schedule_id,
                               " v", next_version, " no longer has it"));
    gone.set_version(live.version() + 1);
    *gone.mutable_recorded_at() = ToProto(txn.Now());
    withdrawals.push_back(std::move(gone));
  }

  // The same schedule as the previous version, whatever its status: a
  // confirmation holds for what was confirmed, so an unchanged schedule
  // stays CONFIRMED (a billing event absorbed by a workflow that has
  // confirmed already leaves nothing to confirm again).
  bool schedule_same = false;
  if (previous.has_value() &&
      previous->status() != canon::REVENUE_SCHEDULE_STATUS_FAILED) {
    RevenueSchedule before = *previous;
    before.set_status(schedule.status());
    schedule_same = SameContent(before, schedule);
    if (schedule_same) schedule.set_status(previous->status());
  }
  if (!outcome.target.contract_event && schedule_same && writes.empty() &&
      withdrawals.empty()) {
    return absl::OkStatus();  // a billing event that changed nothing
  }

  RETURN_IF_ERROR(PutSchedule(txn, schedule));
  for (const JournalEntry& e : writes) {
    RETURN_IF_ERROR(PutJournalEntry(txn, e, kJournalContractKey));
  }
  for (const JournalEntry& e : withdrawals) {
    RETURN_IF_ERROR(PutJournalEntry(txn, e, kJournalWithdrawnKey));
  }

  BusinessEvent event;
  event.set_event_id(NewId("evt"));
  event.set_type(canon::EVENT_TYPE_REVENUE_SCHEDULE_CHANGED);
  auto* subject = event.mutable_subject();
  subject->set_entity_type(canon::ENTITY_TYPE_REVENUE_SCHEDULE);
  subject->set_id(schedule_id);
  subject->set_version(schedule.version());
  event.set_correlation_id(cause.correlation_id().empty()
                               ? cause.event_id()
                               : cause.correlation_id());
  event.set_causation_id(cause.event_id());
  event.set_trace_id(cause.trace_id());
  event.set_principal(kPrincipal);
  *event.mutable_occurred_at() = cause.occurred_at();
  auto* changed = event.mutable_revenue_schedule_changed();
  std::vector<canon::RevenueScheduleLine> changes = revenue::ScheduleChanges(
      previous.has_value() ? *previous : RevenueSchedule(), schedule);
  *changed->mutable_schedule() = std::move(schedule);
  changed->set_previous_version(previous.has_value() ? previous->version() : 0);
  for (auto& line : changes) *changed->add_changes() = std::move(line);
  return txn.AppendEvent(std::move(event)).status();
}

}  // namespace

RevenueWorker::RevenueWorker(Store* store, EventBus* events,
                             const revenue::RevenueSettings* settings)
    : store_(store),
      events_(events),
      settings_(settings),
      wakeup_(std::make_shared<Wakeup>()) {}

RevenueWorker::~RevenueWorker() { Stop(); }

void RevenueWorker::Start() {
  thread_ = std::thread([this] { Run(); });
}

void RevenueWorker::Stop() {
  stopping_ = true;
  {
    std::lock_guard<std::mutex> lock(wakeup_->mu);
    wakeup_->signalled = true;
  }
  wakeup_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RevenueWorker::Run() {
  while (!stopping_) {
    if (!Step() && !stopping_) WaitForEvents(position_);
  }
}

void RevenueWorker::Sleep(absl::Duration d) {
  std::unique_lock<std::mutex> lock(wakeup_->mu);
  wakeup_->cv.wait_for(lock, absl::ToChronoMilliseconds(d),
                       [&] { return stopping_.load(); });
}

void RevenueWorker::WaitForEvents(int64_t after) {
  {
    std::lock_guard<std::mutex> lock(wakeup_->mu);
    wakeup_->signalled = false;
  }
  events_->CallWhenBeyond(after, [w = wakeup_] {
    {
      std::lock_guard<std::mutex> lock(w->mu);
      w->signalled = true;
    }
    w->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(wakeup_->mu);
  wakeup_->cv.wait(lock,
                   [&] { return wakeup_->signalled || stopping_.load(); });
}

bool RevenueWorker::Step() {
  auto retry_later = [this](const absl::Status& status) {
    observability::LogWarn("revenue",
                           absl::StrCat(status.ToString(), "; retrying in ",
                                        absl::FormatDuration(backoff_)));
    Sleep(backoff_);
    backoff_ = std::min(backoff_ * 2, absl::Seconds(5));
    position_ = -1;  // re-read the acknowledged position
    return true;
  };
  if (position_ < 0) {
    absl::StatusOr<std::optional<hub::v1::Consumer>> consumer =
        store_->GetConsumer(kRevenueConsumer);
    if (!consumer.ok()) return retry_later(consumer.status());
    position_ =
        consumer->has_value() ? (*consumer)->acknowledged_position() : 0;
  }
  const int64_t last = store_->LastEventPosition();
  if (last <= position_) return false;
  absl::StatusOr<std::vector<BusinessEvent>> events =
      store_->ReadEvents(position_ + 1, last, WatchedTypes(), kBatch);
  if (!events.ok()) return retry_later(events.status());
  for (const BusinessEvent& event : *events) {
    if (stopping_) return true;
    absl::StatusOr<std::vector<Target>> targets = TargetsOf(*store_, event);
    if (!targets.ok()) return retry_later(targets.status());
    std::vector<Outcome> outcomes;
    for (const Target& target : *targets) {
      absl::StatusOr<std::optional<Outcome>> outcome = Recompute(
          *store_, target, *settings_, FromProto(event.recorded_at()));
      if (!outcome.ok()) return retry_later(outcome.status());
      if (outcome->has_value()) outcomes.push_back(std::move(**outcome));
    }
    const int64_t expected = position_;
    absl::Status written = store_->Write([&](WriteTxn& txn) -> absl::Status {
      for (Outcome& outcome : outcomes) {
        RETURN_IF_ERROR(Apply(txn, event, outcome));
      }
      return AdvanceConsumer(txn, kRevenueConsumer, expected, event.position());
    });
    if (!written.ok()) return retry_later(written);
    position_ = event.position();
    backoff_ = absl::Milliseconds(100);
  }
  if (static_cast<int>(events->size()) < kBatch && position_ < last) {
    // Nothing else up to `last` concerns revenue: acknowledge it.
    const int64_t expected = position_;
    absl::Status written = store_->Write([&](WriteTxn& txn) {
      return AdvanceConsumer(txn, kRevenueConsumer, expected, last);
    });
    if (!written.ok()) return retry_later(written);
    position_ = last;
  }
  return true;
}

}  // namespace revhub::hub
