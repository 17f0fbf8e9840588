// StripeData::Generate: a deterministic data set shaped as Stripe returns
// its objects (API 2024-06-20 shapes, as in examples/quickstart/stripe).
//
// N counts every object. First three products and their prices (a monthly
// seat, a yearly seat, a one-time onboarding fee), then one group per
// customer, in this order: the customer, a subscription of one price, its
// first invoice (paid), the charge that paid it; every fifth group also a
// credit note on that invoice and a refund of part of the charge. Objects
// refer only to earlier ones. Ids are "<prefix>_gen<6 digits>" (the group
// number, or the product number), `created` increases by 60 s per object
// from 2026-01-01T00:00:00Z.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/vendor_emulator/stripe_emulator_data.h"

namespace revhub::emulator {
namespace {

constexpr int64_t kEpoch = 1767225600;  // 2026-01-01T00:00:00Z

std::string Id(const char* prefix, int n) {
  return absl::StrFormat("%s_gen%06d", prefix, n);
}

struct PriceSpec {
  const char* product_name;
  const char* nickname;
  int64_t unit_amount;
  const char* interval;  // nullptr: one-time
};

constexpr PriceSpec kPrices[3] = {
    {"Analytics seat (monthly)", "Seat, monthly", 2000, "month"},
    {"Analytics seat (annual)", "Seat, yearly", 20000, "year"},
    {"Onboarding package", "Onboarding", 50000, nullptr},
};

Json Product(int n, int64_t created) {
  return {{"id", Id("prod", n)},
          {"object", "product"},
          {"active", true},
          {"created", created},
          {"default_price", Id("price", n)},
          {"description", nullptr},
          {"images", Json::array()},
          {"livemode", false},
          {"marketing_features", Json::array()},
          {"metadata", Json::object()},
          {"name", kPrices[n - 1].product_name},
          {"package_dimensions", nullptr},
          {"shippable", nullptr},
          {"statement_descriptor", nullptr},
          {"tax_code", "txcd_10103001"},
          {"type", "service"},
          {"unit_label", nullptr},
          {"updated", created},
          {"url", nullptr}};
}

Json Price(int n, int64_t created) {
  const PriceSpec& p = kPrices[n - 1];
  Json recurring = nullptr;
  if (p.interval != nullptr) {
    recurring = {{"aggregate_usage", nullptr},   {"interval", p.interval},
                 {"interval_count", 1},          {"meter", nullptr},
                 {"trial_period_days", nullptr}, {"usage_type", "licensed"}};
  }
  return {{"id", Id("price", n)},
          {"object", "price"},
          {"active", true},
          {"billing_scheme", "per_unit"},
          {"created", created},
          {"currency", "usd"},
          {"custom_unit_amount", nullptr},
          {"livemode", false},
          {"lookup_key", nullptr},
          {"metadata", Json::object()},
          {"nickname", p.nickname},
          {"product", Id("prod", n)},
          {"recurring", recurring},
          {"tax_behavior", "exclusive"},
          {"tiers_mode", nullptr},
          {"transform_quantity", nullptr},
          {"type", p.interval != nullptr ? "recurring" : "one_time"},
          {"unit_amount", p.unit_amount},
          {"unit_amount_decimal", absl::StrCat(p.unit_amount)}};
}

Json Customer(int g, int64_t created) {
  return {{"id", Id("cus", g)},
          {"object", "customer"},
          {"address", nullptr},
          {"balance", 0},
          {"created", created},
          {"currency", "usd"},
          {"default_source", nullptr},
          {"delinquent", false},
          {"description", nullptr},
          {"discount", nullptr},
          {"email", absl::StrFormat("billing+%06d@example.com", g)},
          {"invoice_prefix", absl::StrFormat("GEN%06d", g)},
          {"invoice_settings",
           {{"custom_fields", nullptr},
            {"default_payment_method", nullptr},
            {"footer", nullptr},
            {"rendering_options", nullptr}}},
          {"livemode", false},
          {"metadata", Json::object()},
          {"name", absl::StrFormat("Generated Customer %06d", g)},
          {"next_invoice_sequence", 2},
          {"phone", nullptr},
          {"preferred_locales", Json::array()},
          {"shipping", nullptr},
          {"tax_exempt", "none"},
          {"test_clock", nullptr}};
}

// The group's price: groups alternate between the monthly and yearly seat.
int PriceOfGroup(int g) { return g % 2 == 0 ? 2 : 1; }
int64_t QuantityOfGroup(int g) { return 1 + g % 5; }
int64_t PeriodOf(int price) { return price == 2 ? 365 * 86400 : 30 * 86400; }

Json Subscription(int g, int64_t created, const Json& price) {
  int p = PriceOfGroup(g);
  Json item = {{"id", Id("si", g)},
               {"object", "subscription_item"},
               {"billing_thresholds", nullptr},
               {"created", created},
               {"discounts", Json::array()},
               {"metadata", Json::object()},
               {"price", price},
               {"quantity", QuantityOfGroup(g)},
               {"subscription", Id("sub", g)},
               {"tax_rates", Json::array()}};
  return {{"id", Id("sub", g)},
          {"object", "subscription"},
          {"application", nullptr},
          {"billing_cycle_anchor", created},
          {"billing_thresholds", nullptr},
          {"cancel_at", nullptr},
          {"cancel_at_period_end", false},
          {"canceled_at", nullptr},
          {"cancellation_details",
           {{"comment", nullptr}, {"feedback", nullptr}, {"reason", nullptr}}},
          {"collection_method", "charge_automatically"},
          {"created", created},
          {"currency", "usd"},
          {"current_period_end", created + PeriodOf(p)},
          {"current_period_start", created},
          {"customer", Id("cus", g)},
          {"days_until_due", nullptr},
          {"default_payment_method", nullptr},
          {"default_tax_rates", Json::array()},
          {"description", nullptr},
          {"discount", nullptr},
          {"discounts", Json::array()},
          {"ended_at", nullptr},
          {"items",
           {{"object", "list"},
            {"data", Json::array({item})},
            {"has_more", false},
            {"total_count", 1},
            {"url", absl::StrCat("/v1/subscription_items?subscription=",
                                 Id("sub", g))}}},
          {"latest_invoice", Id("in", g)},
          {"livemode", false},
          {"metadata", Json::object()},
          {"pending_update", nullptr},
          {"schedule", nullptr},
          {"start_date", created},
          {"status", "active"},
          {"test_clock", nullptr},
          {"trial_end", nullptr},
          {"trial_start", nullptr}};
}

int64_t TotalOfGroup(int g) {
  return kPrices[PriceOfGroup(g) - 1].unit_amount * QuantityOfGroup(g);
}

Json Invoice(int g, int64_t created, int64_t sub_created, const Json& price) {
  int p = PriceOfGroup(g);
  int64_t total = TotalOfGroup(g);
  Json line = {
      {"id", Id("il", g)},
      {"object", "line_item"},
      {"amount", total},
      {"amount_excluding_tax", total},
      {"currency", "usd"},
      {"description",
       absl::StrCat(QuantityOfGroup(g), " × ", kPrices[p - 1].product_name)},
      {"discount_amounts", Json::array()},
      {"discountable", true},
      {"discounts", Json::array()},
      {"invoice_item", nullptr},
      {"livemode", false},
      {"metadata", Json::object()},
      {"period", {{"end", sub_created + PeriodOf(p)}, {"start", sub_created}}},
      {"plan", nullptr},
      {"price", price},
      {"proration", false},
      {"proration_details", {{"credited_items", nullptr}}},
      {"quantity", QuantityOfGroup(g)},
      {"subscription", Id("sub", g)},
      {"subscription_item", Id("si", g)},
      {"tax_amounts", Json::array()},
      {"tax_rates", Json::array()},
      {"type", "subscription"},
      {"unit_amount_excluding_tax", absl::StrCat(kPrices[p - 1].unit_amount)}};
  return {{"id", Id("in", g)},
          {"object", "invoice"},
          {"account_country", "US"},
          {"account_name", "Emulated Stripe Account"},
          {"amount_due", total},
          {"amount_paid", total},
          {"amount_remaining", 0},
          {"amount_shipping", 0},
          {"attempt_count", 1},
          {"attempted", true},
          {"auto_advance", false},
          {"billing_reason", "subscription_create"},
          {"charge", Id("ch", g)},
          {"collection_method", "charge_automatically"},
          {"created", created},
          {"currency", "usd"},
          {"customer", Id("cus", g)},
          {"customer_email", absl::StrFormat("billing+%06d@example.com", g)},
          {"customer_name", absl::StrFormat("Generated Customer %06d", g)},
          {"default_tax_rates", Json::array()},
          {"description", nullptr},
          {"discount", nullptr},
          {"discounts", Json::array()},
          {"due_date", nullptr},
          {"effective_at", created},
          {"ending_balance", 0},
          {"lines",
           {{"object", "list"},
            {"data", Json::array({line})},
            {"has_more", false},
            {"total_count", 1},
            {"url", absl::StrCat("/v1/invoices/", Id("in", g), "/lines")}}},
          {"livemode", false},
          {"metadata", Json::object()},
          {"number", absl::StrFormat("GEN%06d-0001", g)},
          {"paid", true},
          {"paid_out_of_band", false},
          {"payment_intent", nullptr},
          {"period_end", created},
          {"period_start", created},
          {"post_payment_credit_notes_amount", 0},
          {"pre_payment_credit_notes_amount", 0},
          {"starting_balance", 0},
          {"status", "paid"},
          {"status_transitions",
           {{"finalized_at", created},
            {"marked_uncollectible_at", nullptr},
            {"paid_at", created},
            {"voided_at", nullptr}}},
          {"subscription", Id("sub", g)},
          {"subtotal", total},
          {"subtotal_excluding_tax", total},
          {"tax", nullptr},
          {"total", total},
          {"total_discount_amounts", Json::array()},
          {"total_excluding_tax", total},
          {"total_tax_amounts", Json::array()}};
}

bool Refunded(int g) { return g % 5 == 0; }
int64_t RefundOfGroup(int g) { return TotalOfGroup(g) / 2; }

Json Charge(int g, int64_t created) {
  int64_t total = TotalOfGroup(g);
  int64_t refunded = Refunded(g) ? RefundOfGroup(g) : 0;
  return {{"id", Id("ch", g)},
          {"object", "charge"},
          {"amount", total},
          {"amount_captured", total},
          {"amount_refunded", refunded},
          {"application", nullptr},
          {"application_fee", nullptr},
          {"balance_transaction", Id("txn", g)},
          {"billing_details",
           {{"address", nullptr},
            {"email", nullptr},
            {"name", absl::StrFormat("Generated Customer %06d", g)},
            {"phone", nullptr}}},
          {"captured", true},
          {"created", created},
          {"currency", "usd"},
          {"customer", Id("cus", g)},
          {"description", "Subscription creation"},
          {"disputed", false},
          {"failure_code", nullptr},
          {"failure_message", nullptr},
          {"invoice", Id("in", g)},
          {"livemode", false},
          {"metadata", Json::object()},
          {"outcome",
           {{"network_status", "approved_by_network"},
            {"reason", nullptr},
            {"risk_level", "normal"},
            {"seller_message", "Payment complete."},
            {"type", "authorized"}}},
          {"paid", true},
          {"payment_intent", nullptr},
          {"payment_method", Id("pm", g)},
          {"payment_method_details",
           {{"card",
             {{"brand", "visa"},
              {"country", "US"},
              {"exp_month", 8},
              {"exp_year", 2030},
              {"funding", "credit"},
              {"last4", "4242"},
              {"network", "visa"}}},
            {"type", "card"}}},
          {"receipt_email", nullptr},
          {"refunded", false},
          {"refunds",
           {{"object", "list"},
            {"data", Json::array()},
            {"has_more", false},
            {"total_count", 0},
            {"url", absl::StrCat("/v1/charges/", Id("ch", g), "/refunds")}}},
          {"status", "succeeded"}};
}

Json CreditNote(int g, int64_t created) {
  int64_t amount = RefundOfGroup(g);
  Json line = {{"id", Id("cnli", g)},
               {"object", "credit_note_line_item"},
               {"amount", amount},
               {"description", "Service credit"},
               {"discount_amount", 0},
               {"discount_amounts", Json::array()},
               {"invoice_line_item", Id("il", g)},
               {"livemode", false},
               {"quantity", 1},
               {"tax_amounts", Json::array()},
               {"tax_rates", Json::array()},
               {"type", "invoice_line_item"},
               {"unit_amount", nullptr},
               {"unit_amount_decimal", nullptr}};
  return {{"id", Id("cn", g)},
          {"object", "credit_note"},
          {"amount", amount},
          {"amount_shipping", 0},
          {"created", created},
          {"currency", "usd"},
          {"customer", Id("cus", g)},
          {"customer_balance_transaction", nullptr},
          {"discount_amount", 0},
          {"discount_amounts", Json::array()},
          {"effective_at", created},
          {"invoice", Id("in", g)},
          {"lines",
           {{"object", "list"},
            {"data", Json::array({line})},
            {"has_more", false},
            {"url", absl::StrCat("/v1/credit_notes/", Id("cn", g), "/lines")}}},
          {"livemode", false},
          {"memo", nullptr},
          {"metadata", Json::object()},
          {"number", absl::StrFormat("GEN%06d-0001-CN-01", g)},
          {"out_of_band_amount", nullptr},
          {"reason", "product_unsatisfactory"},
          {"refund", Id("re", g)},
          {"status", "issued"},
          {"subtotal", amount},
          {"subtotal_excluding_tax", amount},
          {"tax_amounts", Json::array()},
          {"total", amount},
          {"total_excluding_tax", amount},
          {"type", "post_payment"},
          {"voided_at", nullptr}};
}

Json Refund(int g, int64_t created) {
  return {{"id", Id("re", g)},
          {"object", "refund"},
          {"amount", RefundOfGroup(g)},
          {"balance_transaction", Id("txn_re", g)},
          {"charge", Id("ch", g)},
          {"created", created},
          {"currency", "usd"},
          {"destination_details",
           {{"card", {{"type", "refund"}}}, {"type", "card"}}},
          {"metadata", Json::object()},
          {"payment_intent", nullptr},
          {"reason", "requested_by_customer"},
          {"receipt_number", nullptr},
          {"source_transfer_reversal", nullptr},
          {"status", "succeeded"},
          {"transfer_reversal", nullptr}};
}

}  // namespace

void StripeData::Generate(int n) {
  Clear();
  int made = 0;
  auto created = [&made] { return kEpoch + 60 * static_cast<int64_t>(made); };
  Json prices[4];
  for (int p = 1; p <= 3 && made < n; ++p) {
    Put(Product(p, created()));
    ++made;
    if (made == n) break;
    prices[p] = Price(p, created());
    Put(prices[p]);
    ++made;
  }
  for (int g = 1; made < n; ++g) {
    const Json& price = prices[PriceOfGroup(g)];
    Put(Customer(g, created()));
    if (++made == n) break;
    int64_t sub_created = created();
    Put(Subscription(g, sub_created, price));
    if (++made == n) break;
    Put(Invoice(g, created(), sub_created, price));
    if (++made == n) break;
    Put(Charge(g, created()));
    if (++made == n) break;
    if (!Refunded(g)) continue;
    Put(CreditNote(g, created()));
    if (++made == n) break;
    Put(Refund(g, created()));
    ++made;
  }
}

}  // namespace revhub::emulator
