// A rejected record in the exception queue (hub/ingest/record_exceptions.h)
// over a real store, without a server: opened once, reopened while open,
// resolved when the record applies, and shown as one RecordException per
// failed attempt with the queue's exception id.
#include "hub/ingest/record_exceptions.h"

#include <catch2/catch.hpp>

#include "hub/store/sqlite/sqlite_store.h"
#include "tests/support/hub_process.h"

namespace revhub::hub {
namespace {

using revhub::testing::TempDir;

TEST_CASE("a record's failures are one exception per open spell",
          "[pipeline][exceptions]") {
  TempDir dir;
  SqliteStoreOptions o;
  o.path = dir.path() + "/revhub.db";
  auto opened = OpenSqliteStore(o);
  REQUIRE(opened.ok());
  Store& store = **opened;
  ExceptionRouting routing;
  routing.routing.push_back({hub::v1::EXCEPTION_CATEGORY_METADATA,
                             hub::v1::EXCEPTION_KIND_UNSPECIFIED, "",
                             "revops-data"});
  auto reject = [&](int64_t record, std::vector<RecordError> errors) {
    hub::v1::Exception out;
    REQUIRE(store
                .Write([&](WriteTxn& txn) -> absl::Status {
                  auto e =
                      RejectRecord(txn, routing, "salesforce", record, errors);
                  if (!e.ok()) return e.status();
                  out = *e;
                  return absl::OkStatus();
                })
                .ok());
    return out;
  };

  hub::v1::Exception first = reject(7, {{"Name", "expected a string"}});
  CHECK(first.exception_id() > 0);
  CHECK(first.kind() == hub::v1::EXCEPTION_KIND_RECORD_REJECTED);
  CHECK(first.category() == hub::v1::EXCEPTION_CATEGORY_METADATA);
  CHECK(first.owner() == "revops-data");
  CHECK(first.record_id() == 7);
  CHECK(first.system() == "salesforce");
  CHECK(first.field_path() == "Name");
  CHECK(first.error() == "expected a string");
  CHECK(first.attempts() == 1);
  reject(8, {{"", "not JSON"}});  // another record: its own exception

  // Failing again while open: the same exception, two attempts.
  hub::v1::Exception again =
      reject(7, {{"Name", "expected a string"}, {"Id", "is required"}});
  CHECK(again.exception_id() == first.exception_id());
  CHECK(again.attempts() == 2);
  CHECK(again.field_path() == "Name");
  CHECK(again.error() == "Name: expected a string; Id: is required");
  CHECK(again.history(again.history_size() - 1).action() == "failed again");
  auto views = RecordExceptionsOf(again);
  REQUIRE(views.size() == 2);
  for (const auto& v : views) {
    CHECK(v.exception_id() == first.exception_id());
    CHECK(v.record_id() == 7);
    CHECK(v.system() == "salesforce");
    CHECK(v.field_path() == "Name");
    CHECK_FALSE(v.has_resolved_at());
  }

  // The record applies: its exception is resolved, the other record's not.
  REQUIRE(
      store
          .Write([&](WriteTxn& txn) { return ResolveRecordRejections(txn, 7); })
          .ok());
  auto resolved = store.GetException(first.exception_id());
  REQUIRE(resolved.ok());
  REQUIRE(resolved->has_value());
  CHECK((*resolved)->state() == hub::v1::EXCEPTION_STATE_RESOLVED);
  CHECK((*resolved)->resolution() == "the record was applied");
  for (const auto& v : RecordExceptionsOf(**resolved))
    CHECK(v.has_resolved_at());

  // A later failure opens a new exception; the queue finds both by record.
  hub::v1::Exception later = reject(7, {{"Name", "too long"}});
  CHECK(later.exception_id() != first.exception_id());
  ExceptionQuery q;
  q.kind = hub::v1::EXCEPTION_KIND_RECORD_REJECTED;
  q.record_id = 7;
  q.include_resolved = true;
  auto page = store.ListExceptions(q);
  REQUIRE(page.ok());
  REQUIRE(page->exceptions.size() == 2);
  CHECK(page->exceptions[0].exception_id() == first.exception_id());
  CHECK(page->exceptions[1].exception_id() == later.exception_id());
  q.newest_first = true;
  q.page_size = 1;
  page = store.ListExceptions(q);
  REQUIRE(page.ok());
  REQUIRE(page->exceptions.size() == 1);
  CHECK(page->exceptions[0].exception_id() == later.exception_id());
  REQUIRE_FALSE(page->next_page_token.empty());
  q.page_token = page->next_page_token;
  page = store.ListExceptions(q);
  REQUIRE(page.ok());
  REQUIRE(page->exceptions.size() == 1);
  CHECK(page->exceptions[0].exception_id() == first.exception_id());
  CHECK(page->next_page_token.empty());
}

TEST_CASE(
    "a rejected record keeps the vendor field and the money at stake, in "
    "the exception and its view",
    "[pipeline][exceptions]") {
  TempDir dir;
  SqliteStoreOptions o;
  o.path = dir.path() + "/revhub.db";
  auto opened = OpenSqliteStore(o);
  REQUIRE(opened.ok());
  Store& store = **opened;
  ExceptionRouting routing;
  routing.default_owner = "billing-ops";
  canonical::v1::Money amount;
  amount.set_currency_code("EUR");
  amount.set_units(99);
  hub::v1::Exception out;
  REQUIRE(store
              .Write([&](WriteTxn& txn) -> absl::Status {
                auto e = RejectRecord(
                    txn, routing, "stripe", 3,
                    {{"contract.lines[0].quantity", "must not be negative",
                      "items.data[0].quantity"}},
                    amount);
                if (!e.ok()) return e.status();
                out = *e;
                return absl::OkStatus();
              })
              .ok());
  CHECK(out.owner() == "billing-ops");
  CHECK(out.field_path() == "contract.lines[0].quantity");
  CHECK(out.vendor_field_path() == "items.data[0].quantity");
  CHECK(out.amount_at_stake().currency_code() == "EUR");
  CHECK(out.amount_at_stake().units() == 99);
  auto stored = store.GetException(out.exception_id());
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK((*stored)->vendor_field_path() == "items.data[0].quantity");
  std::vector<hub::v1::RecordException> views = RecordExceptionsOf(**stored);
  REQUIRE(views.size() == 1);
  CHECK(views[0].vendor_field_path() == "items.data[0].quantity");
  CHECK(views[0].field_path() == "contract.lines[0].quantity");
}

}  // namespace
}  // namespace revhub::hub
