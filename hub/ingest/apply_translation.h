// Applying one adapter translation to the canonical model, inside the
// pipeline's transaction for its record (pipeline.h): the entities in the
// order others link to them (customers, products, contracts, invoices,
// payments, then usage records and deliveries, which name a contract's
// line), each with its EntityLinks resolved to hub ids, a customer no
// ref resolves matched by the system's matching rules, what an adapter
// leaves to the hub completed (a product without a name, a Stripe price,
// keeps the stored product's name, SKU, description, state and the
// attributes it does not set, and needs that product; a contract line
// without a unit price takes its product's standalone selling price when
// that is in the contract's currency), validated (canonical/validation.h)
// and upserted with its event (UpsertEntityInTxn) under an idempotency key
// that carries the record id.
//
// What a failure needs to be told to a person is worked out here too: the
// vendor field a canonical field came from (CanonicalEntity.sources), the
// external ref a link names that the hub does not know yet, and the money
// of the entity that could not be applied.
//
// Pure functions over a WriteTxn or a proto; thread-safe.
#ifndef REVHUB_HUB_INGEST_APPLY_TRANSLATION_H_
#define REVHUB_HUB_INGEST_APPLY_TRANSLATION_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "hub/ingest/authority.h"
#include "hub/store/store.h"
#include "revhub/adapter/v1/adapter_service.pb.h"
#include "revhub/canonical/v1/money.pb.h"
#include "revhub/hub/v1/ingest_service.pb.h"
#include "revhub/hub/v1/system_registry_service.pb.h"

namespace revhub::hub {

// A link whose target the hub does not know yet.
struct MissingRef {
  canonical::v1::EntityType type = canonical::v1::ENTITY_TYPE_UNSPECIFIED;
  canonical::v1::ExternalRef ref;
  // The canonical id field that names it ("invoice.customer_id") and the
  // vendor field that field came from ("" when the adapter did not say).
  std::string field_path;
  std::string vendor_field_path;
  // The money of the entity that links to it, when it has one.
  std::optional<canonical::v1::Money> amount_at_stake;
};

// One record's translation being applied. None of the pointers is owned.
struct TranslationToApply {
  const hub::v1::RawRecord* record = nullptr;
  const hub::v1::System* system = nullptr;
  const adapter::v1::TranslationResult* result = nullptr;
  // Whose word counts per entity type (authority.h); null: nobody's more
  // than another's.
  const Authorities* authorities = nullptr;

  // Set by ApplyTranslation: entities written (a new version); the index
  // of the entity it was applying when it failed (-1: none); and, when it
  // failed on a link the hub cannot resolve, that link.
  int changed = 0;
  // Entities left alone because the hub holds a later version from the
  // same system (a newer source_updated_at): webhooks arrive out of order.
  int stale = 0;
  int failed_entity = -1;
  std::optional<MissingRef> missing;
};

// Applies t.result's entities inside txn. On the first failure returns its
// status (a FieldError naming the canonical path, e.g.
// "contract.lines[0].quantity") and leaves t.failed_entity set; a link
// whose target is unknown also sets t.missing and returns
// FAILED_PRECONDITION. The caller rolls txn back on any error.
absl::Status ApplyTranslation(WriteTxn& txn, TranslationToApply& t);

// Returns the vendor field that the canonical `field_path` of `entity`
// came from: the vendor_path of the longest entry of entity.sources whose
// field_path is `field_path` without its entity prefix ("contract.") or a
// prefix of it ending at a path-segment boundary ("lines[0]" answers for
// "lines[0].quantity", "lines" for "lines[2]"); "" when none is.
std::string VendorFieldPathOf(const adapter::v1::CanonicalEntity& entity,
                              absl::string_view field_path);

// Returns the money of `entity`: an invoice's total, a payment's amount, a
// contract's lines (quantity x unit price less each line's discount
// amount); nullopt for other entities or when it cannot be worked out.
std::optional<canonical::v1::Money> AmountOf(
    const adapter::v1::CanonicalEntity& entity);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_INGEST_APPLY_TRANSLATION_H_
