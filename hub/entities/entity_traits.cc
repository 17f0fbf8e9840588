#include "hub/entities/entity_traits.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "canonical/field_path.h"
#include "canonical/status_macros.h"
#include "canonical/validation.h"
#include "hub/entities/fulfilment.h"
#include "hub/entities/matching.h"

namespace revhub::hub {
namespace {

using namespace canonical::v1;  // NOLINT: the canonical model's names

std::string Num(int v) { return absl::StrCat(v); }

// Returns OK when an entity of `type` with `id` exists; otherwise an
// INVALID_ARGUMENT naming `field`.
absl::Status MustExist(WriteTxn& txn, EntityType type, const std::string& id,
                       absl::string_view field, absl::string_view what) {
  ASSIGN_OR_RETURN(auto found, txn.GetCurrentEntity(type, id));
  if (!found.has_value()) {
    return FieldError(absl::StatusCode::kInvalidArgument, field,
                      absl::StrCat("no ", what, " with id \"", id, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

// --- Customer

const EntityType EntityTraits<Customer>::kType = ENTITY_TYPE_CUSTOMER;
const char* const EntityTraits<Customer>::kIdPrefix = "cus";
const char* const EntityTraits<Customer>::kField = "customer";

absl::Status EntityTraits<Customer>::Validate(const Customer& c) {
  return ValidateCustomer(c);
}
absl::Status EntityTraits<Customer>::CheckReferences(WriteTxn&,
                                                     const Customer&) {
  return absl::OkStatus();
}
std::vector<IndexEntry> EntityTraits<Customer>::Index(const Customer& c) {
  std::vector<IndexEntry> out = {{"status", Num(c.status())}};
  if (!c.legal_entity().empty())
    out.push_back({"legal_entity", c.legal_entity()});
  // The ingest pipeline: what matching rules compare.
  for (IndexEntry& e : CustomerMatchIndex(c)) out.push_back(std::move(e));
  return out;
}
std::vector<IndexEntry> EntityTraits<Customer>::Filters(
    const hub::v1::ListCustomersRequest& r) {
  std::vector<IndexEntry> out;
  if (!r.legal_entity().empty())
    out.push_back({"legal_entity", r.legal_entity()});
  if (r.status() != CUSTOMER_STATUS_UNSPECIFIED)
    out.push_back({"status", Num(r.status())});
  return out;
}
void EntityTraits<Customer>::DescribeChange(const Customer*,
                                            const Customer& cur,
                                            BusinessEvent* event) {
  event->set_type(EVENT_TYPE_CUSTOMER_CHANGED);
  *event->mutable_customer_changed()->mutable_customer() = cur;
}

// --- Product

const EntityType EntityTraits<Product>::kType = ENTITY_TYPE_PRODUCT;
const char* const EntityTraits<Product>::kIdPrefix = "prd";
const char* const EntityTraits<Product>::kField = "product";

absl::Status EntityTraits<Product>::Validate(const Product& p) {
  return ValidateProduct(p);
}
absl::Status EntityTraits<Product>::CheckReferences(WriteTxn&, const Product&) {
  return absl::OkStatus();
}
std::vector<IndexEntry> EntityTraits<Product>::Index(const Product& p) {
  return {{"revenue_rule", Num(p.revenue_rule())}};
}
std::vector<IndexEntry> EntityTraits<Product>::Filters(
    const hub::v1::ListProductsRequest& r) {
  std::vector<IndexEntry> out;
  if (r.revenue_rule() != REVENUE_RULE_UNSPECIFIED) {
    out.push_back({"revenue_rule", Num(r.revenue_rule())});
  }
  return out;
}
void EntityTraits<Product>::DescribeChange(const Product*, const Product& cur,
                                           BusinessEvent* event) {
  event->set_type(EVENT_TYPE_PRODUCT_CHANGED);
  *event->mutable_product_changed()->mutable_product() = cur;
}

// --- Contract

const EntityType EntityTraits<Contract>::kType = ENTITY_TYPE_CONTRACT;
const char* const EntityTraits<Contract>::kIdPrefix = "ctr";
const char* const EntityTraits<Contract>::kField = "contract";

absl::Status EntityTraits<Contract>::Validate(const Contract& c) {
  return ValidateContract(c);
}
absl::Status EntityTraits<Contract>::CheckReferences(WriteTxn& txn,
                                                     const Contract& c) {
  RETURN_IF_ERROR(MustExist(txn, ENTITY_TYPE_CUSTOMER, c.customer_id(),
                            "contract.customer_id", "customer"));
  for (int i = 0; i < c.lines_size(); ++i) {
    if (c.lines(i).product_id().empty()) continue;
    RETURN_IF_ERROR(MustExist(
        txn, ENTITY_TYPE_PRODUCT, c.lines(i).product_id(),
        absl::StrCat("contract.lines[", i, "].product_id"), "product"));
  }
  if (!c.renewal_of_contract_id().empty()) {
    if (c.renewal_of_contract_id() == c.id()) {
      return FieldError(absl::StatusCode::kInvalidArgument,
                        "contract.renewal_of_contract_id",
                        "a contract cannot renew itself");
    }
    RETURN_IF_ERROR(MustExist(txn, ENTITY_TYPE_CONTRACT,
                              c.renewal_of_contract_id(),
                              "contract.renewal_of_contract_id", "contract"));
  }
  return absl::OkStatus();
}
std::vector<IndexEntry> EntityTraits<Contract>::Index(const Contract& c) {
  std::vector<IndexEntry> out = {{"customer_id", c.customer_id()},
                                 {"status", Num(c.status())}};
  if (!c.legal_entity().empty())
    out.push_back({"legal_entity", c.legal_entity()});
  // The revenue worker finds the contracts that sell a changed product.
  std::set<std::string> products;
  for (const auto& line : c.lines()) {
    if (!line.product_id().empty()) products.insert(line.product_id());
  }
  for (const std::string& p : products) out.push_back({"product_id", p});
  return out;
}
std::vector<IndexEntry> EntityTraits<Contract>::Filters(
    const hub::v1::ListContractsRequest& r) {
  std::vector<IndexEntry> out;
  if (!r.customer_id().empty()) out.push_back({"customer_id", r.customer_id()});
  if (r.status() != CONTRACT_STATUS_UNSPECIFIED)
    out.push_back({"status", Num(r.status())});
  if (!r.legal_entity().empty())
    out.push_back({"legal_entity", r.legal_entity()});
  return out;
}
void EntityTraits<Contract>::DescribeChange(const Contract* prev,
                                            const Contract& cur,
                                            BusinessEvent* event) {
  const ContractStatus before =
      prev == nullptr ? CONTRACT_STATUS_UNSPECIFIED : prev->status();
  if (cur.status() == CONTRACT_STATUS_ACTIVE &&
      before == CONTRACT_STATUS_ACTIVE) {
    event->set_type(EVENT_TYPE_CONTRACT_AMENDED);
    auto* p = event->mutable_contract_amended();
    *p->mutable_contract() = cur;
    p->set_previous_version(prev->version());
  } else if (cur.status() == CONTRACT_STATUS_ACTIVE &&
             (before == CONTRACT_STATUS_UNSPECIFIED ||
              before == CONTRACT_STATUS_DRAFT)) {
    if (!cur.renewal_of_contract_id().empty()) {
      event->set_type(EVENT_TYPE_RENEWAL_ACCEPTED);
      auto* p = event->mutable_renewal_accepted();
      *p->mutable_contract() = cur;
      p->set_renewed_contract_id(cur.renewal_of_contract_id());
    } else {
      event->set_type(EVENT_TYPE_CONTRACT_BOOKED);
      *event->mutable_contract_booked()->mutable_contract() = cur;
    }
  } else if (cur.status() == CONTRACT_STATUS_CANCELLED &&
             before != CONTRACT_STATUS_CANCELLED) {
    event->set_type(EVENT_TYPE_CONTRACT_CANCELLED);
    *event->mutable_contract_cancelled()->mutable_contract() = cur;
  } else {
    event->set_type(EVENT_TYPE_CONTRACT_CHANGED);
    *event->mutable_contract_changed()->mutable_contract() = cur;
  }
}

// --- Invoice

const EntityType EntityTraits<Invoice>::kType = ENTITY_TYPE_INVOICE;
const char* const EntityTraits<Invoice>::kIdPrefix = "inv";
const char* const EntityTraits<Invoice>::kField = "invoice";

absl::Status EntityTraits<Invoice>::Validate(const Invoice& inv) {
  return ValidateInvoice(inv);
}
absl::Status EntityTraits<Invoice>::CheckReferences(WriteTxn& txn,
                                                    const Invoice& inv) {
  RETURN_IF_ERROR(MustExist(txn, ENTITY_TYPE_CUSTOMER, inv.customer_id(),
                            "invoice.customer_id", "customer"));
  if (!inv.contract_id().empty()) {
    ASSIGN_OR_RETURN(auto stored, txn.GetCurrentEntity(ENTITY_TYPE_CONTRACT,
                                                       inv.contract_id()));
    if (!stored.has_value()) {
      return FieldError(
          absl::StatusCode::kInvalidArgument, "invoice.contract_id",
          absl::StrCat("no contract with id \"", inv.contract_id(), "\""));
    }
    Contract contract;
    if (!contract.ParseFromString(stored->payload)) {
      return absl::DataLossError("stored contract does not parse");
    }
    if (contract.currency_code() != inv.currency_code()) {
      return FieldError(
          absl::StatusCode::kInvalidArgument, "invoice.currency_code",
          absl::StrCat("is ", inv.currency_code(), " but contract ",
                       contract.id(), " is in ", contract.currency_code()));
    }
    if (contract.customer_id() != inv.customer_id()) {
      return FieldError(
          absl::StatusCode::kInvalidArgument, "invoice.customer_id",
          absl::StrCat("is ", inv.customer_id(), " but contract ",
                       contract.id(), " belongs to ", contract.customer_id()));
    }
  }
  if (!inv.credited_invoice_id().empty()) {
    RETURN_IF_ERROR(MustExist(txn, ENTITY_TYPE_INVOICE,
                              inv.credited_invoice_id(),
                              "invoice.credited_invoice_id", "invoice"));
  }
  return absl::OkStatus();
}
std::vector<IndexEntry> EntityTraits<Invoice>::Index(const Invoice& inv) {
  std::vector<IndexEntry> out = {{"customer_id", inv.customer_id()},
                                 {"kind", Num(inv.kind())},
                                 {"status", Num(inv.status())}};
  if (!inv.contract_id().empty())
    out.push_back({"contract_id", inv.contract_id()});
  return out;
}
std::vector<IndexEntry> EntityTraits<Invoice>::Filters(
    const hub::v1::ListInvoicesRequest& r) {
  std::vector<IndexEntry> out;
  if (!r.customer_id().empty()) out.push_back({"customer_id", r.customer_id()});
  if (!r.contract_id().empty()) out.push_back({"contract_id", r.contract_id()});
  if (r.kind() != INVOICE_KIND_UNSPECIFIED)
    out.push_back({"kind", Num(r.kind())});
  if (r.status() != INVOICE_STATUS_UNSPECIFIED)
    out.push_back({"status", Num(r.status())});
  return out;
}
void EntityTraits<Invoice>::DescribeChange(const Invoice* prev,
                                           const Invoice& cur,
                                           BusinessEvent* event) {
  auto issued = [](InvoiceStatus s) {
    return s == INVOICE_STATUS_OPEN || s == INVOICE_STATUS_PAID;
  };
  const bool was_issued =
      prev != nullptr &&
      (issued(prev->status()) || prev->status() == INVOICE_STATUS_VOID ||
       prev->status() == INVOICE_STATUS_UNCOLLECTIBLE);
  if (issued(cur.status()) && !was_issued) {
    if (cur.kind() == INVOICE_KIND_CREDIT_NOTE) {
      event->set_type(EVENT_TYPE_CREDIT_ISSUED);
      *event->mutable_credit_issued()->mutable_credit_note() = cur;
    } else {
      event->set_type(EVENT_TYPE_INVOICE_ISSUED);
      *event->mutable_invoice_issued()->mutable_invoice() = cur;
    }
  } else {
    event->set_type(EVENT_TYPE_INVOICE_CHANGED);
    *event->mutable_invoice_changed()->mutable_invoice() = cur;
  }
}

// --- Payment

const EntityType EntityTraits<Payment>::kType = ENTITY_TYPE_PAYMENT;
const char* const EntityTraits<Payment>::kIdPrefix = "pay";
const char* const EntityTraits<Payment>::kField = "payment";

absl::Status EntityTraits<Payment>::Validate(const Payment& p) {
  return ValidatePayment(p);
}
absl::Status EntityTraits<Payment>::CheckReferences(WriteTxn& txn,
                                                    const Payment& p) {
  RETURN_IF_ERROR(MustExist(txn, ENTITY_TYPE_CUSTOMER, p.customer_id(),
                            "payment.customer_id", "customer"));
  for (int i = 0; i < p.allocations_size(); ++i) {
    RETURN_IF_ERROR(MustExist(
        txn, ENTITY_TYPE_INVOICE, p.allocations(i).invoice_id(),
        absl::StrCat("payment.allocations[", i, "].invoice_id"), "invoice"));
  }
  return absl::OkStatus();
}
std::vector<IndexEntry> EntityTraits<Payment>::Index(const Payment& p) {
  std::vector<IndexEntry> out = {{"customer_id", p.customer_id()},
                                 {"status", Num(p.status())}};
  for (const auto& a : p.allocations())
    out.push_back({"invoice_id", a.invoice_id()});
  return out;
}
std::vector<IndexEntry> EntityTraits<Payment>::Filters(
    const hub::v1::ListPaymentsRequest& r) {
  std::vector<IndexEntry> out;
  if (!r.customer_id().empty()) out.push_back({"customer_id", r.customer_id()});
  if (!r.invoice_id().empty()) out.push_back({"invoice_id", r.invoice_id()});
  if (r.status() != PAYMENT_STATUS_UNSPECIFIED)
    out.push_back({"status", Num(r.status())});
  return out;
}
void EntityTraits<Payment>::DescribeChange(const Payment* prev,
                                           const Payment& cur,
                                           BusinessEvent* event) {
  const bool was_received =
      prev != nullptr && (prev->status() == PAYMENT_STATUS_SUCCEEDED ||
                          prev->status() == PAYMENT_STATUS_REFUNDED ||
                          prev->status() == PAYMENT_STATUS_PARTIALLY_REFUNDED);
  if (cur.status() == PAYMENT_STATUS_SUCCEEDED && !was_received) {
    event->set_type(EVENT_TYPE_PAYMENT_RECEIVED);
    *event->mutable_payment_received()->mutable_payment() = cur;
  } else {
    event->set_type(EVENT_TYPE_PAYMENT_CHANGED);
    *event->mutable_payment_changed()->mutable_payment() = cur;
  }
}

// --- UsageRecord

const EntityType EntityTraits<UsageRecord>::kType = ENTITY_TYPE_USAGE_RECORD;
const char* const EntityTraits<UsageRecord>::kIdPrefix = "use";
const char* const EntityTraits<UsageRecord>::kField = "usage_record";

absl::Status EntityTraits<UsageRecord>::Validate(const UsageRecord& r) {
  return ValidateUsageRecord(r);
}
absl::Status EntityTraits<UsageRecord>::CheckReferences(WriteTxn& txn,
                                                        const UsageRecord& r) {
  return CheckFulfilmentLine(txn, "usage_record", r.contract_id(), r.line_id(),
                             LineUse::kUsage, nullptr);
}
std::vector<IndexEntry> EntityTraits<UsageRecord>::Index(const UsageRecord& r) {
  return {{"contract_id", r.contract_id()}, {"line_id", r.line_id()}};
}
std::vector<IndexEntry> EntityTraits<UsageRecord>::Filters(
    const hub::v1::ListFulfilmentRequest& r) {
  std::vector<IndexEntry> out;
  if (!r.contract_id().empty()) out.push_back({"contract_id", r.contract_id()});
  return out;
}
void EntityTraits<UsageRecord>::DescribeChange(const UsageRecord*,
                                               const UsageRecord& cur,
                                               BusinessEvent* event) {
  // A corrected record is reported again: the engine counts each record
  // once, by usage_record_id, at its latest version.
  event->set_type(EVENT_TYPE_USAGE_REPORTED);
  *event->mutable_usage_reported() = UsageReportedOf(cur);
}

// --- Delivery

const EntityType EntityTraits<Delivery>::kType = ENTITY_TYPE_DELIVERY;
const char* const EntityTraits<Delivery>::kIdPrefix = "dlv";
const char* const EntityTraits<Delivery>::kField = "delivery";

absl::Status EntityTraits<Delivery>::Validate(const Delivery& d) {
  return ValidateDelivery(d);
}
absl::Status EntityTraits<Delivery>::CheckReferences(WriteTxn& txn,
                                                     const Delivery& d) {
  const bool milestone = d.kind() == DELIVERY_KIND_MILESTONE;
  return CheckFulfilmentLine(
      txn, "delivery", d.contract_id(), d.line_id(),
      milestone ? LineUse::kMilestone : LineUse::kActivation,
      d.has_quantity() ? &d.quantity() : nullptr);
}
std::vector<IndexEntry> EntityTraits<Delivery>::Index(const Delivery& d) {
  return {{"contract_id", d.contract_id()},
          {"line_id", d.line_id()},
          {"kind", Num(d.kind())}};
}
std::vector<IndexEntry> EntityTraits<Delivery>::Filters(
    const hub::v1::ListFulfilmentRequest& r) {
  std::vector<IndexEntry> out;
  if (!r.contract_id().empty()) out.push_back({"contract_id", r.contract_id()});
  return out;
}
void EntityTraits<Delivery>::DescribeChange(const Delivery*,
                                            const Delivery& cur,
                                            BusinessEvent* event) {
  if (cur.kind() == DELIVERY_KIND_MILESTONE) {
    event->set_type(EVENT_TYPE_MILESTONE_ACHIEVED);
    *event->mutable_milestone_achieved() = MilestoneAchievedOf(cur);
  } else {
    event->set_type(EVENT_TYPE_SERVICE_ACTIVATED);
    *event->mutable_service_activated() = ServiceActivatedOf(cur);
  }
}

}  // namespace revhub::hub
