// The Chargebee emulator's resources: the list paths it serves and the
// deterministic linked data set it generates ({"generate": N}). Pure
// functions: thread-safe.
#ifndef REVHUB_TESTS_VENDOR_EMULATOR_CHARGEBEE_DATASET_H_
#define REVHUB_TESTS_VENDOR_EMULATOR_CHARGEBEE_DATASET_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "adapters/sdk/mapping.h"

namespace revhub::testing::chargebee {

// (list path segment, resource) pairs: {"customers", "customer"}, ...
inline const std::pair<const char*, const char*> kResourcePaths[] = {
    {"customers", "customer"},
    {"items", "item"},
    {"item_prices", "item_price"},
    {"plans", "plan"},
    {"addons", "addon"},
    {"subscriptions", "subscription"},
    {"invoices", "invoice"},
    {"credit_notes", "credit_note"},
    {"transactions", "transaction"}};

// The resource of a list path segment ("credit_notes" -> "credit_note"),
// or "" for none.
std::string ResourceOfPath(const std::string& segment);

// Returns `n` resources (resource -> id -> object): an item and its item
// price first, then per customer its subscription, its paid invoice and the
// payment transaction, and for every third customer a refundable credit
// note against the invoice, until there are n. Timestamps are one second
// apart from 2026-01-01T00:00:00Z in that order; every resource carries
// resource_version (updated_at in milliseconds).
std::map<std::string, std::map<std::string, adapter::Json>> GenerateDataset(
    int64_t n);

}  // namespace revhub::testing::chargebee

#endif  // REVHUB_TESTS_VENDOR_EMULATOR_CHARGEBEE_DATASET_H_
