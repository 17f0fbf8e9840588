#include "hub/ingest/apply_translation.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "canonical/field_path.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/util/time_util.h"
#include "hub/entities/contract_value.h"
#include "hub/entities/entity_ops.h"
#include "hub/entities/matching.h"

namespace revhub::hub {
namespace {

using adapter::v1::CanonicalEntity;
using adapter::v1::EntityLink;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

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
    case CanonicalEntity::kUsageRecord:
    case CanonicalEntity::kDelivery:
      return 5;  // they name a contract's line
    default:
      return 6;
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
absl::Status ApplyEntity(WriteTxn& txn, TranslationToApply& t, int i,
                         T entity) {
  using Traits = EntityTraits<T>;
  const CanonicalEntity& ce = t.result->entities(i);
  if (t.authorities != nullptr) {
    const canonical::v1::Customer* customer = nullptr;
    if constexpr (std::is_same_v<T, canonical::v1::Customer>)
      customer = &entity;
    ASSIGN_OR_RETURN(
        AuthorityDecision decision,
        DecideAuthority(txn, *t.authorities, *t.system, Traits::kType,
                        entity.external_refs(), customer));
    if (decision.action == AuthorityAction::kBindRefs) {
      // The authority's record has the content; this one only says that
      // it describes the same entity.
      return BindRefs(txn, Traits::kType, entity.external_refs(),
                      decision.entity_id);
    }
    if (decision.action == AuthorityAction::kWait) {
      const std::string path = absl::StrCat(Traits::kField, ".external_refs");
      const ExternalRef& ref = decision.waiting_for;
      MissingRef missing;
      missing.type = Traits::kType;
      missing.ref = ref;
      missing.field_path = path;
      missing.vendor_field_path = VendorFieldPathOf(ce, path);
      missing.amount_at_stake = AmountOf(ce);
      t.missing = std::move(missing);
      return FieldError(
          absl::StatusCode::kFailedPrecondition, path,
          absl::StrCat("names ", ref.system(), "/", ref.object_type(), "/",
                       ref.vendor_id(), ", whose system is authoritative for ",
                       canonical::v1::EntityType_Name(Traits::kType),
                       " and which the hub has not received"));
    }
  }
  // What the adapter sent: ids are the hub's. A link may still set the
  // entity's own id ("id"): an update of an entity the adapter knows only
  // by a ref of another record (a Stripe price of its product), which
  // waits for that entity like any link.
  if (entity.version() != 0 || entity.has_recorded_at() ||
      !entity.id().empty()) {
    return FieldError(
        absl::StatusCode::kInvalidArgument, absl::StrCat(Traits::kField, ".id"),
        "an adapter leaves id, version and recorded_at to the hub");
  }
  for (int l = 0; l < ce.links_size(); ++l) {
    const EntityLink& link = ce.links(l);
    const auto& target = link.target();
    ASSIGN_OR_RETURN(auto id,
                     txn.ResolveExternalRef(link.target_type(), target));
    const std::string path =
        absl::StrCat(Traits::kField, ".", link.field_path());
    if (!id.has_value()) {
      MissingRef missing;
      missing.type = link.target_type();
      missing.ref = target;
      missing.field_path = path;
      missing.vendor_field_path = VendorFieldPathOf(ce, path);
      missing.amount_at_stake = AmountOf(ce);
      t.missing = std::move(missing);
      return FieldError(
          absl::StatusCode::kFailedPrecondition, path,
          absl::StrCat("refers to ",
                       canonical::v1::EntityType_Name(link.target_type()), " ",
                       target.system(), "/", target.object_type(), "/",
                       target.vendor_id(), ", which the hub has not received"));
    }
    absl::Status set = SetIdAtPath(&entity, link.field_path(), *id);
    if (!set.ok()) {
      return FieldError(absl::StatusCode::kInvalidArgument, path,
                        absl::StrCat("the adapter's link does not fit the "
                                     "entity: ",
                                     set.message()));
    }
  }
  // Out of order: a record older (by the vendor's own modification time)
  // than what the hub holds from the same system changes nothing.
  if (entity.has_source_updated_at()) {
    for (const ExternalRef& r : entity.external_refs()) {
      if (r.system() != t.record->system()) continue;
      ASSIGN_OR_RETURN(auto id, txn.ResolveExternalRef(Traits::kType, r));
      if (!id.has_value()) continue;
      ASSIGN_OR_RETURN(auto stored, txn.GetCurrentEntity(Traits::kType, *id));
      if (!stored.has_value()) break;
      ASSIGN_OR_RETURN(T current, ParseEntity<T>(*stored));
      if (current.has_source_updated_at() &&
          google::protobuf::util::TimeUtil::TimestampToNanoseconds(
              current.source_updated_at()) >
              google::protobuf::util::TimeUtil::TimestampToNanoseconds(
                  entity.source_updated_at())) {
        ++t.stale;
        return absl::OkStatus();
      }
      break;
    }
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
      ASSIGN_OR_RETURN(auto matched, MatchCustomer(txn, *t.system, entity));
      if (matched) entity.set_id(*matched);
    }
  }
  RETURN_IF_ERROR(Traits::Validate(entity));

  // Idempotency by record: the same record translated the same way is
  // applied once, however often it is replayed.
  const std::string scope = absl::StrCat(Traits::kField, ".record");
  const std::string hash = Sha256Hex(DeterministicBytes(entity));
  const std::string key = absl::StrCat("record:", t.record->record_id(), "/", i,
                                       "/", hash.substr(0, 16));
  ASSIGN_OR_RETURN(auto seen, txn.GetIdempotency(scope, key));
  if (seen.has_value()) return absl::OkStatus();

  UpsertArgs args;
  args.source_system = t.record->system();
  args.correlation_id = absl::StrCat("record:", t.record->record_id());
  args.trace_id = t.record->trace_id();
  args.ctx.principal = t.record->principal();
  for (const auto& ev : t.result->events()) {
    if (ev.entity_index() != i) continue;
    if (ev.has_occurred_at()) args.occurred_at = ev.occurred_at();
    if (!ev.vendor_event_id().empty()) args.causation_id = ev.vendor_event_id();
  }
  ASSIGN_OR_RETURN(UpsertResult<T> result,
                   UpsertEntityInTxn(txn, entity, args));
  if (result.changed) ++t.changed;
  return txn.PutIdempotency(
      scope, key, IdempotencyRecord{hash, result.entity.SerializeAsString()});
}

// Returns the name of the entity field set in `entity` ("contract"), or "".
std::string EntityFieldName(const CanonicalEntity& entity) {
  const auto* oneof = entity.GetDescriptor()->FindOneofByName("entity");
  const FieldDescriptor* f =
      entity.GetReflection()->GetOneofFieldDescriptor(entity, oneof);
  return f == nullptr ? "" : f->name();
}

}  // namespace

absl::Status ApplyTranslation(WriteTxn& txn, TranslationToApply& t) {
  t.changed = 0;
  t.stale = 0;
  t.failed_entity = -1;
  t.missing.reset();
  std::vector<int> order(t.result->entities_size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return Rank(t.result->entities(a)) < Rank(t.result->entities(b));
  });
  for (int i : order) {
    t.failed_entity = i;
    const CanonicalEntity& ce = t.result->entities(i);
    switch (ce.entity_case()) {
      case CanonicalEntity::kCustomer:
        RETURN_IF_ERROR(ApplyEntity(txn, t, i, ce.customer()));
        break;
      case CanonicalEntity::kProduct:
        RETURN_IF_ERROR(ApplyEntity(txn, t, i, ce.product()));
        break;
      case CanonicalEntity::kContract:
        RETURN_IF_ERROR(ApplyEntity(txn, t, i, ce.contract()));
        break;
      case CanonicalEntity::kInvoice:
        RETURN_IF_ERROR(ApplyEntity(txn, t, i, ce.invoice()));
        break;
      case CanonicalEntity::kPayment:
        RETURN_IF_ERROR(ApplyEntity(txn, t, i, ce.payment()));
        break;
      case CanonicalEntity::kUsageRecord:
        RETURN_IF_ERROR(ApplyEntity(txn, t, i, ce.usage_record()));
        break;
      case CanonicalEntity::kDelivery:
        RETURN_IF_ERROR(ApplyEntity(txn, t, i, ce.delivery()));
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
  t.failed_entity = -1;
  return absl::OkStatus();
}

std::string VendorFieldPathOf(const CanonicalEntity& entity,
                              absl::string_view field_path) {
  const std::string prefix = absl::StrCat(EntityFieldName(entity), ".");
  absl::string_view path = field_path;
  if (prefix.size() > 1) absl::ConsumePrefix(&path, prefix);
  const adapter::v1::FieldSource* best = nullptr;
  for (const auto& source : entity.sources()) {
    absl::string_view candidate = source.field_path();
    if (candidate.empty() || !absl::StartsWith(path, candidate)) continue;
    if (path.size() > candidate.size()) {
      const char next = path[candidate.size()];
      if (next != '.' && next != '[')
        continue;  // "line" is no prefix of
                   // "lines[0]"
    }
    if (best == nullptr || candidate.size() > best->field_path().size()) {
      best = &source;
    }
  }
  return best == nullptr ? "" : best->vendor_path();
}

std::optional<canonical::v1::Money> AmountOf(const CanonicalEntity& entity) {
  switch (entity.entity_case()) {
    case CanonicalEntity::kInvoice:
      if (!entity.invoice().has_total()) return std::nullopt;
      return entity.invoice().total();
    case CanonicalEntity::kPayment:
      if (!entity.payment().has_amount()) return std::nullopt;
      return entity.payment().amount();
    case CanonicalEntity::kContract:
      return ContractValue(entity.contract());
    default:
      return std::nullopt;
  }
}

}  // namespace revhub::hub
