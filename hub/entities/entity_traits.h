// EntityTraits<T>: what the hub's generic entity code needs to know about one
// canonical entity type (Customer, Product, Contract, Invoice, Payment, and
// the revenue facts UsageRecord and Delivery).
//
// Each specialization gives the entity type, its id prefix and field name,
// its validation, the index entries List filters on, the references to other
// entities it must check inside the write, and the business event a change
// produces.
#ifndef REVHUB_HUB_ENTITIES_ENTITY_TRAITS_H_
#define REVHUB_HUB_ENTITIES_ENTITY_TRAITS_H_

#include <vector>

#include "absl/status/status.h"
#include "hub/store/store.h"
#include "revhub/canonical/v1/contract.pb.h"
#include "revhub/canonical/v1/customer.pb.h"
#include "revhub/canonical/v1/events.pb.h"
#include "revhub/canonical/v1/fulfilment.pb.h"
#include "revhub/canonical/v1/invoice.pb.h"
#include "revhub/canonical/v1/payment.pb.h"
#include "revhub/canonical/v1/product.pb.h"
#include "revhub/hub/v1/contract_service.pb.h"
#include "revhub/hub/v1/customer_service.pb.h"
#include "revhub/hub/v1/invoice_service.pb.h"
#include "revhub/hub/v1/payment_service.pb.h"
#include "revhub/hub/v1/product_service.pb.h"
#include "revhub/hub/v1/revenue_service.pb.h"

namespace revhub::hub {

template <typename T>
struct EntityTraits;

#define REVHUB_DECLARE_ENTITY_TRAITS(Type, ListRequest)                       \
  template <>                                                                 \
  struct EntityTraits<canonical::v1::Type> {                                  \
    using Entity = canonical::v1::Type;                                       \
    static const EntityType kType;                                            \
    static const char* const kIdPrefix;                                       \
    static const char* const kField;                                          \
    /* Returns OK when the entity is well formed on its own. */               \
    static absl::Status Validate(const Entity& entity);                       \
    /* Returns OK when every entity this one names exists (inside txn). */    \
    static absl::Status CheckReferences(WriteTxn& txn, const Entity& entity); \
    /* Returns the index entries List filters on. */                          \
    static std::vector<IndexEntry> Index(const Entity& entity);               \
    /* Returns the List filters of a request. */                              \
    static std::vector<IndexEntry> Filters(const hub::v1::ListRequest& req);  \
    /* Sets the event's type and payload for a change from `previous`         \
       (nullptr for a new entity) to `current`. */                            \
    static void DescribeChange(const Entity* previous, const Entity& current, \
                               BusinessEvent* event);                         \
  }

REVHUB_DECLARE_ENTITY_TRAITS(Customer, ListCustomersRequest);
REVHUB_DECLARE_ENTITY_TRAITS(Product, ListProductsRequest);
REVHUB_DECLARE_ENTITY_TRAITS(Contract, ListContractsRequest);
REVHUB_DECLARE_ENTITY_TRAITS(Invoice, ListInvoicesRequest);
REVHUB_DECLARE_ENTITY_TRAITS(Payment, ListPaymentsRequest);
REVHUB_DECLARE_ENTITY_TRAITS(UsageRecord, ListFulfilmentRequest);
REVHUB_DECLARE_ENTITY_TRAITS(Delivery, ListFulfilmentRequest);

#undef REVHUB_DECLARE_ENTITY_TRAITS

// Whether a caller may create an entity of type T under an id of its own.
// The hub assigns the ids of customers, products, contracts, invoices and
// payments; a usage record or delivery is idempotent by the id its sender
// gives it (derived from the vendor's id), so the same fact sent twice is
// one entity. Without an id the hub assigns one, as for any entity.
template <typename T>
inline constexpr bool kCallerAssignsId = false;
template <>
inline constexpr bool kCallerAssignsId<canonical::v1::UsageRecord> = true;
template <>
inline constexpr bool kCallerAssignsId<canonical::v1::Delivery> = true;

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ENTITIES_ENTITY_TRAITS_H_
