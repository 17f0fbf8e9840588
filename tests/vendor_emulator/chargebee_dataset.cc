// The Chargebee emulator's generated data set: linked resources shaped as
// Chargebee's API v2 (Product Catalog 2.0) renders them.
#include "tests/vendor_emulator/chargebee_dataset.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace revhub::testing::chargebee {

using adapter::Json;

std::string ResourceOfPath(const std::string& segment) {
  for (const auto& [path, resource] : kResourcePaths)
    if (segment == path) return resource;
  return "";
}

namespace {

constexpr int64_t kBase = 1767225600;  // 2026-01-01T00:00:00Z
constexpr int64_t kMonth = 31 * 86400;
constexpr char kItemPrice[] = "cb-pro-USD-monthly";
constexpr int64_t kUnitPrice = 2500;

std::string Id(const char* prefix, int64_t k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s_%05lld", prefix,
                static_cast<long long>(k));
  return buf;
}

// Stamps `o` with its time: created_at (unless `dated`), updated_at and
// resource_version.
void Stamp(Json& o, int64_t t, bool dated) {
  if (!dated) o["created_at"] = t;
  o["updated_at"] = t;
  o["resource_version"] = t * 1000;
  o["deleted"] = false;
}

}  // namespace

std::map<std::string, std::map<std::string, Json>> GenerateDataset(int64_t n) {
  std::map<std::string, std::map<std::string, Json>> out;
  int64_t count = 0;
  int64_t t = kBase;
  auto add = [&](const std::string& type, Json o) {
    if (count >= n) return false;
    std::string id = o["id"].get<std::string>();
    out[type][id] = std::move(o);
    ++count;
    ++t;
    return true;
  };
  Json item = {{"id", "cb-pro"},
               {"name", "Pro"},
               {"type", "plan"},
               {"status", "active"},
               {"item_family_id", "cb-family"},
               {"object", "item"}};
  Stamp(item, t, false);
  add("item", item);
  Json price = {{"id", kItemPrice},          {"item_id", "cb-pro"},
                {"name", "Pro USD Monthly"}, {"pricing_model", "per_unit"},
                {"price", kUnitPrice},       {"period", 1},
                {"period_unit", "month"},    {"currency_code", "USD"},
                {"status", "active"},        {"item_type", "plan"},
                {"object", "item_price"}};
  Stamp(price, t, false);
  add("item_price", price);
  for (int64_t k = 1; count < n; ++k) {
    std::string customer = Id("cb_cus", k);
    std::string subscription = Id("cb_sub", k);
    std::string invoice = Id("cb_inv", k);
    std::string txn = Id("cb_txn", k);
    int64_t quantity = 1 + k % 5;
    int64_t amount = quantity * kUnitPrice;
    Json c = {{"id", customer},
              {"first_name", "Ada"},
              {"last_name", absl::StrCat("Customer ", k)},
              {"email", absl::StrCat("billing+", k, "@example.com")},
              {"company", absl::StrCat("Company ", k)},
              {"preferred_currency_code", "USD"},
              {"auto_collection", "on"},
              {"net_term_days", 0},
              {"billing_address",
               {{"line1", absl::StrCat(k, " Market Street")},
                {"city", "San Francisco"},
                {"state_code", "CA"},
                {"zip", "94105"},
                {"country", "US"},
                {"object", "billing_address"}}},
              {"object", "customer"}};
    Stamp(c, t, false);
    if (!add("customer", c)) break;
    int64_t start = t;
    Json s = {{"id", subscription},
              {"customer_id", customer},
              {"status", "active"},
              {"currency_code", "USD"},
              {"billing_period", 1},
              {"billing_period_unit", "month"},
              {"started_at", start},
              {"activated_at", start},
              {"current_term_start", start},
              {"current_term_end", start + kMonth},
              {"subscription_items",
               Json::array({{{"item_price_id", kItemPrice},
                             {"item_type", "plan"},
                             {"quantity", quantity},
                             {"unit_price", kUnitPrice},
                             {"amount", amount},
                             {"object", "subscription_item"}}})},
              {"object", "subscription"}};
    Stamp(s, t, false);
    if (!add("subscription", s)) break;
    Json line = {{"id", Id("li_inv", k)},
                 {"date_from", start},
                 {"date_to", start + kMonth},
                 {"unit_amount", kUnitPrice},
                 {"quantity", quantity},
                 {"amount", amount},
                 {"discount_amount", 0},
                 {"item_level_discount_amount", 0},
                 {"is_taxed", false},
                 {"tax_amount", 0},
                 {"entity_type", "plan_item_price"},
                 {"entity_id", kItemPrice},
                 {"subscription_id", subscription},
                 {"customer_id", customer},
                 {"description", "Pro USD Monthly"},
                 {"pricing_model", "per_unit"},
                 {"object", "line_item"}};
    Json inv = {{"id", invoice},
                {"customer_id", customer},
                {"subscription_id", subscription},
                {"recurring", true},
                {"status", "paid"},
                {"price_type", "tax_exclusive"},
                {"date", t},
                {"due_date", t},
                {"paid_at", t + 1},
                {"generated_at", t},
                {"currency_code", "USD"},
                {"sub_total", amount},
                {"tax", 0},
                {"total", amount},
                {"amount_paid", amount},
                {"amount_due", 0},
                {"amount_adjusted", 0},
                {"credits_applied", 0},
                {"write_off_amount", 0},
                {"line_items", Json::array({line})},
                {"discounts", Json::array()},
                {"taxes", Json::array()},
                {"linked_payments", Json::array({{{"txn_id", txn},
                                                  {"applied_amount", amount},
                                                  {"applied_at", t + 1},
                                                  {"txn_status", "success"},
                                                  {"txn_date", t + 1},
                                                  {"txn_amount", amount}}})},
                {"object", "invoice"}};
    Stamp(inv, t, true);
    int64_t invoice_date = t;
    if (!add("invoice", inv)) break;
    Json pay = {
        {"id", txn},
        {"customer_id", customer},
        {"subscription_id", subscription},
        {"type", "payment"},
        {"status", "success"},
        {"amount", amount},
        {"currency_code", "USD"},
        {"date", t},
        {"payment_method", "card"},
        {"gateway", "chargebee"},
        {"linked_invoices", Json::array({{{"invoice_id", invoice},
                                          {"applied_amount", amount},
                                          {"applied_at", t},
                                          {"invoice_date", invoice_date},
                                          {"invoice_total", amount},
                                          {"invoice_status", "paid"}}})},
        {"linked_refunds", Json::array()},
        {"object", "transaction"}};
    Stamp(pay, t, true);
    if (!add("transaction", pay)) break;
    if (k % 3 != 0) continue;
    Json cn_line = {{"id", Id("li_cn", k)},
                    {"date_from", t},
                    {"date_to", t},
                    {"unit_amount", 500},
                    {"quantity", 1},
                    {"amount", 500},
                    {"discount_amount", 0},
                    {"tax_amount", 0},
                    {"is_taxed", false},
                    {"entity_type", "adhoc"},
                    {"customer_id", customer},
                    {"description", "Goodwill credit"},
                    {"object", "line_item"}};
    Json cn = {{"id", Id("cb_cn", k)},
               {"customer_id", customer},
               {"subscription_id", subscription},
               {"reference_invoice_id", invoice},
               {"type", "refundable"},
               {"reason_code", "service_unsatisfactory"},
               {"status", "refund_due"},
               {"date", t},
               {"generated_at", t},
               {"price_type", "tax_exclusive"},
               {"currency_code", "USD"},
               {"total", 500},
               {"sub_total", 500},
               {"amount_allocated", 0},
               {"amount_refunded", 0},
               {"amount_available", 500},
               {"line_items", Json::array({cn_line})},
               {"taxes", Json::array()},
               {"discounts", Json::array()},
               {"linked_refunds", Json::array()},
               {"allocations", Json::array()},
               {"object", "credit_note"}};
    Stamp(cn, t, true);
    if (!add("credit_note", cn)) break;
  }
  return out;
}

}  // namespace revhub::testing::chargebee
