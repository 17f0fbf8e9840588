#include "hub/ingest/pipeline.h"

#include <algorithm>
#include <iostream>
#include <type_traits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "canonical/field_path.h"
#include "canonical/status_macros.h"
#include "canonical/validation.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "hub/entities/entity_ops.h"
#include "hub/entities/matching.h"
#include "hub/ingest/record_exceptions.h"

namespace revhub::hub {
namespace {

using adapter::v1::CanonicalEntity;
using adapter::v1::EntityLink;
using adapter::v1::TranslationResult;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using hub::v1::RawRecord;
using hub::v1::RecordStatus;
using hub::v1::ReplayOutcome;

bool IsTransient(const absl::Status& st) {
  return absl::IsUnavailable(st) || absl::IsDeadlineExceeded(st) ||
         absl::IsResourceExhausted(st) || absl::IsCancelled(st);
}

// The order entities are applied in: what others link to comes first.
int Rank(const CanonicalEntity& e) {
  switch (e.entity_case()) {
    case CanonicalEntity::kCustomer:
      return 0;
    case CanonicalEntity::kProduct:
      return 1;
    case CanonicalEntity::kContract:
      return 2;
    case CanonicalEntity::kInvoice:
      return 3;
    case CanonicalEntity::kPayment:
      return 4;
    default:
      return 5;
  }
}

// Sets the string field at `path` ("customer_id", "lines[1].product_id")
// of `msg` to `value`.
absl::Status SetIdAtPath(Message* msg, absl::string_view path,
                         const std::string& value) {
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string name = parts[i];
    int index = -1;
    size_t open = name.find('[');
    if (open != std::string::npos) {
      if (name.back() != ']' ||
          !absl::SimpleAtoi(name.substr(open + 1, name.size() - open - 2),
                            &index) ||
          index < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", path, "\" is not a field path"));
      }
      name = name.substr(0, open);
    }
    const FieldDescriptor* f = msg->GetDescriptor()->FindFieldByName(name);
    if (f == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path, "\": ", msg->GetDescriptor()->name(),
                       " has no field ", name));
    }
    const auto* refl = msg->GetReflection();
    const bool last = i + 1 == parts.size();
    if (f->is_repeated() != (index >= 0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", path, "\": ", name,
          f->is_repeated() ? " needs an index" : " is not a list"));
    }
    if (last) {
      if (f->type() != FieldDescriptor::TYPE_STRING || f->is_repeated()) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", path, "\" is not an id field"));
      }
      refl->SetString(msg, f, value);
      return absl::OkStatus();
    }
    if (f->type() != FieldDescriptor::TYPE_MESSAGE) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path, "\": ", name, " is not a message"));
    }
    if (index >= 0) {
      if (index >= refl->FieldSize(*msg, f)) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", path, "\": ", name, " has ",
                         refl->FieldSize(*msg, f), " elements"));
      }
      msg = refl->MutableRepeatedMessage(msg, f, index);
    } else {
      msg = refl->MutableMessage(msg, f);
    }
  }
  return absl::InvalidArgumentError("empty field path");
}

// What one record needs while its translation is applied.
struct RecordContext {
  const RawRecord* record;
  const hub::v1::System* system;
  const TranslationResult* result;
  int changed = 0;
};

// A product an adapter sends without a name updates the product its refs
// name with what it carries (a Stripe price: selling price, revenue rule,
// billing interval) and keeps that product's name, SKU, description, state
// and the attributes it does not set. The product must be known.
absl::Status CompleteNamelessProduct(WriteTxn& txn,
                                     canonical::v1::Product& product) {
  std::optional<std::string> id;
  for (const ExternalRef& r : product.external_refs()) {
    ASSIGN_OR_RETURN(
        id, txn.ResolveExternalRef(canonical::v1::ENTITY_TYPE_PRODUCT, r));
    if (id) break;
  }
  if (!id) {
    return FieldError(absl::StatusCode::kFailedPrecondition, "product.name",
                      "is empty: the record updates a product the hub does "
                      "not know yet; ingest the product, then replay it");
  }
  ASSIGN_OR_RETURN(auto stored, txn.GetCurrentEntity(
                                    canonical::v1::ENTITY_TYPE_PRODUCT, *id));
  if (!stored) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto current, ParseEntity<canonical::v1::Product>(*stored));
  product.set_name(current.name());
  if (product.sku().empty()) product.set_sku(current.sku());
  if (product.description().empty())
    product.set_description(current.description());
  product.set_active(current.active());
  for (const auto& [key, value] : current.attributes()) {
    product.mutable_attributes()->insert({key, value});
  }
  return absl::OkStatus();
}

// A contract line an adapter sends without a unit price (a Stripe schedule
// phase item that names only its price) is priced at its product's
// standalone selling price, when that is in the contract's currency.
absl::Status PriceLinesFromProducts(WriteTxn& txn,
                                    canonical::v1::Contract& contract) {
  for (auto& line : *contract.mutable_lines()) {
    if (line.has_unit_price() || line.product_id().empty()) continue;
    ASSIGN_OR_RETURN(auto stored,
                     txn.GetCurrentEntity(canonical::v1::ENTITY_TYPE_PRODUCT,
                                          line.product_id()));
    if (!stored) continue;
    ASSIGN_OR_RETURN(auto product,
                     ParseEntity<canonical::v1::Product>(*stored));
    if (product.has_standalone_selling_price() &&
        product.standalone_selling_price().currency_code() ==
            contract.currency_code()) {
      *line.mutable_unit_price() = product.standalone_selling_price();
    }
  }
  return absl::OkStatus();
}

// Resolves links, matches, validates and upserts entity `i` of the result.
template <typename T>
absl::Status ApplyEntity(WriteTxn& txn, RecordContext& rc, int i, T entity) {
  using Traits = EntityTraits<T>;
  const CanonicalEntity& ce = rc.result->entities(i);
  for (int l = 0; l < ce.links_size(); ++l) {
    const EntityLink& link = ce.links(l);
    const auto& t = link.target();
    ASSIGN_OR_RETURN(auto id, txn.ResolveExternalRef(link.target_type(), t));
    if (!id.has_value()) {
      return FieldError(
          absl::StatusCode::kFailedPrecondition,
          absl::StrCat(Traits::kField, ".", link.field_path()),
          absl::StrCat("refers to ",
                       canonical::v1::EntityType_Name(link.target_type()), " ",
                       t.system(), "/", t.object_type(), "/", t.vendor_id(),
                       ", which the hub does not know; ingest that record, "
                       "then replay this one"));
    }
    absl::Status set = SetIdAtPath(&entity, link.field_path(), *id);
    if (!set.ok()) {
      return FieldError(
          absl::StatusCode::kInvalidArgument,
          absl::StrCat(Traits::kField, ".", link.field_path()),
          absl::StrCat("the adapter's link does not fit the entity: ",
                       set.message()));
    }
  }
  if (entity.version() != 0 || entity.has_recorded_at() ||
      !entity.id().empty()) {
    return FieldError(
        absl::StatusCode::kInvalidArgument, absl::StrCat(Traits::kField, ".id"),
        "an adapter leaves id, version and recorded_at to the hub");
  }
  if constexpr (std::is_same_v<T, canonical::v1::Product>) {
    if (entity.name().empty())
      RETURN_IF_ERROR(CompleteNamelessProduct(txn, entity));
  }
  if constexpr (std::is_same_v<T, canonical::v1::Contract>) {
    RETURN_IF_ERROR(PriceLinesFromProducts(txn, entity));
  }
  if constexpr (std::is_same_v<T, canonical::v1::Customer>) {
    bool known = false;
    for (const ExternalRef& r : entity.external_refs()) {
      ASSIGN_OR_RETURN(auto id, txn.ResolveExternalRef(Traits::kType, r));
      known = known || id.has_value();
    }
    if (!known) {
      ASSIGN_OR_RETURN(auto matched, MatchCustomer(txn, *rc.system, entity));
      if (matched) entity.set_id(*matched);
    }
  }
  RETURN_IF_ERROR(Traits::Validate(entity));

  // Idempotency by record: the same record translated the same way is
  // applied once, however often it is replayed.
  const std::string scope = absl::StrCat(Traits::kField, ".record");
  const std::string hash = Sha256Hex(DeterministicBytes(entity));
  const std::string key = absl::StrCat("record:", rc.record->record_id(), "/",
                                       i, "/", hash.substr(0, 16));
  ASSIGN_OR_RETURN(auto seen, txn.GetIdempotency(scope, key));
  if (seen.has_value()) return absl::OkStatus();

  UpsertArgs args;
  args.source_system = rc.record->system();
  args.correlation_id = absl::StrCat("record:", rc.record->record_id());
  args.ctx.principal = rc.record->principal();
  for (const auto& ev : rc.result->events()) {
    if (ev.entity_index() != i) continue;
    if (ev.has_occurred_at()) args.occurred_at = ev.occurred_at();
    if (!ev.vendor_event_id().empty()) args.causation_id = ev.vendor_event_id();
  }
  ASSIGN_OR_RETURN(UpsertResult<T> result,
                   UpsertEntityInTxn(txn, entity, args));
  if (result.changed) ++rc.changed;
  return txn.PutIdempotency(
      scope, key, IdempotencyRecord{hash, result.entity.SerializeAsString()});
}

absl::Status ApplyTranslation(WriteTxn& txn, RecordContext& rc) {
  std::vector<int> order(rc.result->entities_size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return Rank(rc.result->entities(a)) < Rank(rc.result->entities(b));
  });
  for (int i : order) {
    const CanonicalEntity& ce = rc.result->entities(i);
    switch (ce.entity_case()) {
      case CanonicalEntity::kCustomer:
        RETURN_IF_ERROR(ApplyEntity(txn, rc, i, ce.customer()));
        break;
      case CanonicalEntity::kProduct:
        RETURN_IF_ERROR(ApplyEntity(txn, rc, i, ce.product()));
        break;
      case CanonicalEntity::kContract:
        RETURN_IF_ERROR(ApplyEntity(txn, rc, i, ce.contract()));
        break;
      case CanonicalEntity::kInvoice:
        RETURN_IF_ERROR(ApplyEntity(txn, rc, i, ce.invoice()));
        break;
      case CanonicalEntity::kPayment:
        RETURN_IF_ERROR(ApplyEntity(txn, rc, i, ce.payment()));
        break;
      case CanonicalEntity::kJournalEntry:
        return FieldError(absl::StatusCode::kFailedPrecondition,
                          "journal_entry",
                          "the hub does not take journal entries from "
                          "adapters");
      default:
        return FieldError(absl::StatusCode::kInvalidArgument,
                          absl::StrCat("entities[", i, "]"),
                          "carries no entity");
    }
  }
  return absl::OkStatus();
}

}  // namespace

Pipeline::Pipeline(Store* store, AdapterSupervisor* adapters,
                   PipelineOptions options)
    : store_(store), adapters_(adapters), options_(options) {
  options_.batch_size = std::clamp(options_.batch_size, 1, 1000);
}

Pipeline::~Pipeline() { Shutdown(); }

void Pipeline::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Pipeline::Notify() {
  std::lock_guard<std::mutex> lock(mu_);
  notified_ = true;
  cv_.notify_one();
}

void Pipeline::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Pipeline::RetryNow(const std::string& system) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = backoff_.begin(); it != backoff_.end();) {
    it = it->second.system == system ? backoff_.erase(it) : std::next(it);
  }
  notified_ = true;
  cv_.notify_one();
}

void Pipeline::NoteTransient(int64_t record_id, const std::string& system) {
  std::lock_guard<std::mutex> lock(mu_);
  Backoff& b = backoff_[record_id];
  b.system = system;
  absl::Duration delay = options_.initial_backoff;
  for (int i = 0; i < b.attempts && delay < options_.max_backoff; ++i)
    delay *= 2;
  b.attempts++;
  b.next_at = absl::Now() + std::min(delay, options_.max_backoff);
}

absl::StatusOr<std::vector<RawRecord>> Pipeline::ListByStatus(
    const std::string& system, RecordStatus status, int limit) {
  std::vector<RawRecord> out;
  RawRecordQuery q;
  q.system = system;
  q.status = status;
  q.page_size = 500;
  // Pages come newest first; keep the oldest `limit`.
  while (true) {
    ASSIGN_OR_RETURN(RawRecordPage page, store_->ListRawRecords(q));
    for (auto& r : page.records) out.push_back(std::move(r));
    if (page.next_page_token.empty()) break;
    q.page_token = page.next_page_token;
  }
  std::reverse(out.begin(), out.end());
  if (static_cast<int>(out.size()) > limit) out.resize(limit);
  return out;
}

void Pipeline::Loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      absl::Time wake = absl::Now() + options_.poll_interval;
      for (const auto& [id, b] : backoff_) wake = std::min(wake, b.next_at);
      cv_.wait_until(lock, absl::ToChronoTime(wake),
                     [&] { return stopping_ || notified_; });
      if (stopping_) return;
      notified_ = false;
    }
    auto received = ListByStatus("", hub::v1::RECORD_STATUS_RECEIVED, 1 << 30);
    if (!received.ok()) {
      std::cerr << "revhubd: pipeline: " << received.status().message()
                << std::endl;
      continue;
    }
    // Oldest first, grouped by system in order of first appearance, minus
    // the records waiting out a backoff.
    std::vector<std::string> systems;
    std::map<std::string, std::vector<int64_t>> by_system;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const absl::Time now = absl::Now();
      for (const RawRecord& r : *received) {
        auto it = backoff_.find(r.record_id());
        if (it != backoff_.end() && it->second.next_at > now) continue;
        auto& ids = by_system[r.system()];
        if (ids.empty()) systems.push_back(r.system());
        ids.push_back(r.record_id());
      }
    }
    for (const std::string& system : systems) {
      const std::vector<int64_t>& ids = by_system[system];
      for (size_t i = 0; i < ids.size();) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (stopping_) return;
        }
        size_t n =
            std::min(ids.size() - i, static_cast<size_t>(options_.batch_size));
        std::vector<int64_t> chunk(ids.begin() + i, ids.begin() + i + n);
        i += n;
        std::lock_guard<std::mutex> lock(process_mu_);
        Process(system, chunk, /*replay=*/false);
      }
    }
  }
}

absl::StatusOr<ReplayOutcome> Pipeline::Replay(int64_t record_id) {
  ASSIGN_OR_RETURN(auto record, store_->GetRawRecord(record_id));
  if (!record.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("record ", record_id, " not found"));
  }
  std::lock_guard<std::mutex> lock(process_mu_);
  std::vector<ReplayOutcome> out =
      Process(record->system(), {record_id}, /*replay=*/true);
  if (out.empty() || out[0].status() == hub::v1::RECORD_STATUS_RECEIVED) {
    return absl::UnavailableError(absl::StrCat(
        "record ", record_id, ": the adapter of system \"", record->system(),
        "\" is not available now; the record keeps its status ",
        hub::v1::RecordStatus_Name(record->status()), "; try again"));
  }
  return out[0];
}

absl::StatusOr<std::vector<ReplayOutcome>> Pipeline::ReplayFailed(
    const std::string& system, int limit) {
  ASSIGN_OR_RETURN(auto failed,
                   ListByStatus(system, hub::v1::RECORD_STATUS_FAILED, limit));
  std::vector<ReplayOutcome> out;
  for (size_t i = 0; i < failed.size();) {
    size_t n =
        std::min(failed.size() - i, static_cast<size_t>(options_.batch_size));
    std::vector<int64_t> chunk;
    for (size_t k = i; k < i + n; ++k) chunk.push_back(failed[k].record_id());
    i += n;
    std::lock_guard<std::mutex> lock(process_mu_);
    for (auto& o : Process(system, chunk, /*replay=*/true))
      out.push_back(std::move(o));
  }
  return out;
}

std::vector<ReplayOutcome> Pipeline::Process(const std::string& system_name,
                                             const std::vector<int64_t>& ids,
                                             bool replay) {
  std::vector<ReplayOutcome> outcomes(ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    outcomes[k].set_record_id(ids[k]);
    outcomes[k].set_status(hub::v1::RECORD_STATUS_RECEIVED);
  }
  auto transient_all = [&](const absl::Status& st) {
    // A system without an adapter (or disabled) just waits, quietly.
    if (!absl::IsFailedPrecondition(st)) {
      std::cerr << "revhubd: pipeline: system " << system_name << ": "
                << st.message() << " (will retry " << ids.size() << " records)"
                << std::endl;
    }
    for (int64_t id : ids) NoteTransient(id, system_name);
    return outcomes;
  };

  auto system = store_->GetSystem(system_name);
  if (!system.ok()) return transient_all(system.status());
  if (!system->has_value()) {
    return transient_all(absl::FailedPreconditionError("is not registered"));
  }
  auto client = adapters_->For(**system);
  if (!client.ok()) return transient_all(client.status());

  // Load the payloads, within the batch's byte budget.
  std::vector<RawRecord> records;
  int64_t bytes = 0;
  for (size_t k = 0; k < ids.size(); ++k) {
    auto r = store_->GetRawRecord(ids[k]);
    if (!r.ok() || !r->has_value()) {
      outcomes.resize(records.size());
      break;
    }
    if (!records.empty() && bytes + (*r)->size_bytes() > options_.batch_bytes) {
      outcomes.resize(records.size());  // the rest waits for the next pass
      break;
    }
    bytes += (*r)->size_bytes();
    records.push_back(std::move(**r));
  }

  std::vector<TranslationResult> results;
  if (records.size() == 1) {
    adapter::v1::TranslateRequest req;
    req.set_system(system_name);
    *req.mutable_config() = (*system)->config();
    auto* vr = req.mutable_record();
    vr->set_record_key(absl::StrCat(records[0].record_id()));
    vr->set_object_type(records[0].object_type());
    vr->set_payload(records[0].payload());
    vr->set_content_type(records[0].content_type());
    auto resp = (*client)->Translate(req);
    if (!resp.ok() && IsTransient(resp.status()))
      return transient_all(resp.status());
    if (resp.ok()) {
      results.push_back(resp->result());
    } else {
      TranslationResult failed;
      failed.set_outcome(adapter::v1::TRANSLATION_OUTCOME_FAILED);
      auto* e = failed.add_errors();
      e->set_reason(absl::StrCat("the adapter refused the record: ",
                                 resp.status().ToString()));
      results.push_back(failed);
    }
  } else if (!records.empty()) {
    adapter::v1::TranslateBatchRequest req;
    req.set_system(system_name);
    *req.mutable_config() = (*system)->config();
    for (const RawRecord& r : records) {
      auto* vr = req.add_records();
      vr->set_record_key(absl::StrCat(r.record_id()));
      vr->set_object_type(r.object_type());
      vr->set_payload(r.payload());
      vr->set_content_type(r.content_type());
    }
    auto resp = (*client)->TranslateBatch(req);
    if (!resp.ok() && IsTransient(resp.status()))
      return transient_all(resp.status());
    for (size_t k = 0; k < records.size(); ++k) {
      if (resp.ok() && static_cast<int>(k) < resp->results_size()) {
        results.push_back(resp->results(k));
        continue;
      }
      TranslationResult failed;
      failed.set_outcome(adapter::v1::TRANSLATION_OUTCOME_FAILED);
      failed.add_errors()->set_reason(
          resp.ok() ? "the adapter returned fewer results than records"
                    : absl::StrCat("the adapter refused the batch: ",
                                   resp.status().ToString()));
      results.push_back(failed);
    }
  }

  for (size_t k = 0; k < records.size(); ++k) {
    const RawRecord& record = records[k];
    const TranslationResult& result = results[k];
    ReplayOutcome& outcome = outcomes[k];
    // Whether this pass may (still) work on the record.
    auto claim = [&](WriteTxn& txn, bool* skip) -> absl::Status {
      ASSIGN_OR_RETURN(auto now, txn.GetRawRecord(record.record_id()));
      if (!now.has_value()) {
        return absl::NotFoundError(
            absl::StrCat("record ", record.record_id(), " not found"));
      }
      *skip = !replay && now->status() != hub::v1::RECORD_STATUS_RECEIVED;
      if (*skip) outcome.set_status(now->status());
      return absl::OkStatus();
    };
    auto fail = [&](const std::vector<RecordError>& errors) {
      absl::Status st = store_->Write([&](WriteTxn& txn) -> absl::Status {
        bool skip = false;
        RETURN_IF_ERROR(claim(txn, &skip));
        if (skip) return absl::OkStatus();
        RETURN_IF_ERROR(txn.SetRawRecordStatus(record.record_id(),
                                               hub::v1::RECORD_STATUS_FAILED));
        ASSIGN_OR_RETURN(
            hub::v1::Exception rejected,
            RejectRecord(txn, options_.exception_routing, record.system(),
                         record.record_id(), errors));
        std::vector<hub::v1::RecordException> views =
            RecordExceptionsOf(rejected);
        if (!views.empty()) *outcome.mutable_exception() = views.back();
        outcome.set_status(hub::v1::RECORD_STATUS_FAILED);
        return absl::OkStatus();
      });
      if (!st.ok()) {
        outcome.set_status(hub::v1::RECORD_STATUS_RECEIVED);
        NoteTransient(record.record_id(), record.system());
      }
    };

    if (result.outcome() == adapter::v1::TRANSLATION_OUTCOME_FAILED ||
        result.outcome() == adapter::v1::TRANSLATION_OUTCOME_UNSPECIFIED) {
      std::vector<RecordError> errors;
      for (const auto& e : result.errors())
        errors.push_back({e.field_path(), e.reason()});
      if (errors.empty())
        errors.push_back({"", "the adapter could not translate the record"});
      fail(errors);
      continue;
    }

    RecordContext rc{&record, &**system, &result, 0};
    absl::Status st = store_->Write([&](WriteTxn& txn) -> absl::Status {
      rc.changed = 0;
      bool skip = false;
      RETURN_IF_ERROR(claim(txn, &skip));
      if (skip) return absl::OkStatus();
      RecordStatus status = hub::v1::RECORD_STATUS_SKIPPED;
      if (result.outcome() == adapter::v1::TRANSLATION_OUTCOME_TRANSLATED) {
        RETURN_IF_ERROR(ApplyTranslation(txn, rc));
        status = hub::v1::RECORD_STATUS_APPLIED;
      }
      RETURN_IF_ERROR(txn.SetRawRecordStatus(record.record_id(), status));
      RETURN_IF_ERROR(ResolveRecordRejections(txn, record.record_id()));
      outcome.set_status(status);
      outcome.set_entities_changed(rc.changed);
      return absl::OkStatus();
    });
    if (st.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      backoff_.erase(record.record_id());
      continue;
    }
    if (IsTransient(st) || absl::IsDataLoss(st) || absl::IsInternal(st)) {
      std::cerr << "revhubd: pipeline: record " << record.record_id() << ": "
                << st.message() << " (will retry)" << std::endl;
      outcome.set_status(hub::v1::RECORD_STATUS_RECEIVED);
      NoteTransient(record.record_id(), record.system());
      continue;
    }
    fail({{FieldPathOf(st), ReasonOf(st)}});
  }
  return outcomes;
}

}  // namespace revhub::hub
