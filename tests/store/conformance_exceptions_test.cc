// The store conformance suite (conformance_test.cc): the exception queue and
// the posting ledger.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "hub/store/store.h"
#include "tests/store/conformance.h"
#include "tests/store/store_backends.h"

namespace revhub::hub {
namespace {

using namespace conformance;  // NOLINT

// --- The exception queue

hub::v1::Exception Ex(hub::v1::ExceptionKind kind, const std::string& system,
                      int64_t record_id, const std::string& workflow_id) {
  hub::v1::Exception e;
  e.set_kind(kind);
  e.set_category(kind == hub::v1::EXCEPTION_KIND_RECORD_REJECTED
                     ? hub::v1::EXCEPTION_CATEGORY_METADATA
                     : hub::v1::EXCEPTION_CATEGORY_FINANCE);
  e.set_state(hub::v1::EXCEPTION_STATE_OPEN);
  e.set_system(system);
  e.set_record_id(record_id);
  e.set_workflow_id(workflow_id);
  e.set_contract_id(workflow_id.empty() ? "" : "ctr_" + workflow_id);
  e.set_error("error of " + system);
  return e;
}

TEST_CASE("exceptions are stored whole and replaced by id",
          "[store][exceptions]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    hub::v1::Exception stored;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              hub::v1::Exception e =
                  Ex(hub::v1::EXCEPTION_KIND_RECORD_REJECTED, "stripe", 7, "");
              e.set_field_path("lines[0].amount");
              e.set_owner("ops");
              *e.mutable_created_at() = TimeUtil::MicrosecondsToTimestamp(5);
              auto put = txn.PutException(e);
              if (!put.ok()) return put.status();
              CHECK(put->exception_id() > 0);
              CHECK(put->field_path() == "lines[0].amount");
              stored = *put;
              auto got = txn.GetException(put->exception_id());
              CHECK(got->value().exception_id() == put->exception_id());
              CHECK_FALSE(
                  txn.GetException(put->exception_id() + 1)->has_value());
              return absl::OkStatus();
            }).ok());
    auto got = store->GetException(stored.exception_id());
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK((*got)->SerializeAsString() == stored.SerializeAsString());
    CHECK_FALSE(store->GetException(stored.exception_id() + 1)->has_value());

    // Replace: the stored one follows, the id stays.
    stored.set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
    stored.set_resolution("fixed");
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              auto put = txn.PutException(stored);
              if (!put.ok()) return put.status();
              CHECK(put->exception_id() == stored.exception_id());
              return absl::OkStatus();
            }).ok());
    CHECK((*store->GetException(stored.exception_id()))->resolution() ==
          "fixed");
    hub::v1::Exception ghost = stored;
    ghost.set_exception_id(stored.exception_id() + 100);
    CHECK(absl::IsNotFound(W(*store, [&](WriteTxn& txn) {
      return txn.PutException(ghost).status();
    })));
  }
}

TEST_CASE("a record's open exceptions", "[store][exceptions]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    std::vector<int64_t> ids;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              for (int64_t record : {7, 8, 7, 7}) {
                auto put =
                    txn.PutException(Ex(hub::v1::EXCEPTION_KIND_RECORD_REJECTED,
                                        "stripe", record, ""));
                if (!put.ok()) return put.status();
                ids.push_back(put->exception_id());
              }
              return absl::OkStatus();
            }).ok());
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              auto e = txn.GetException(ids[2]);
              if (!e.ok()) return e.status();
              hub::v1::Exception resolved = e->value();
              resolved.set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
              return txn.PutException(resolved).status();
            }).ok());
    REQUIRE(W(*store, [&](WriteTxn& txn) {
              auto open = txn.ListOpenRecordExceptions(7);
              CHECK(open.ok());
              if (open.ok()) {
                CHECK(open->size() == 2);
                if (open->size() == 2) {
                  CHECK((*open)[0].exception_id() == ids[0]);  // oldest first
                  CHECK((*open)[1].exception_id() == ids[3]);
                }
              }
              CHECK(txn.ListOpenRecordExceptions(8)->size() == 1);
              CHECK(txn.ListOpenRecordExceptions(9)->empty());
              return absl::OkStatus();
            }).ok());
  }
}

TEST_CASE("exceptions list oldest (or newest) first, filtered, in pages",
          "[store][exceptions][pages]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    using hub::v1::EXCEPTION_KIND_POSTING_REJECTED;
    using hub::v1::EXCEPTION_KIND_RECORD_REJECTED;
    std::vector<int64_t> ids;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              std::vector<hub::v1::Exception> all = {
                  Ex(EXCEPTION_KIND_RECORD_REJECTED, "stripe", 7, ""),
                  Ex(EXCEPTION_KIND_POSTING_REJECTED, "netsuite", 0, "wf_1"),
                  Ex(EXCEPTION_KIND_RECORD_REJECTED, "salesforce", 8, ""),
                  Ex(EXCEPTION_KIND_RECORD_REJECTED, "stripe", 7, ""),
                  Ex(EXCEPTION_KIND_POSTING_REJECTED, "netsuite", 0, "wf_2"),
              };
              all[1].set_owner("finance");
              all[3].set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
              for (int i = 0; i < 5; ++i) {
                *all[i].mutable_created_at() =
                    TimeUtil::MicrosecondsToTimestamp(1000 * (i + 1));
                auto put = txn.PutException(all[i]);
                if (!put.ok()) return put.status();
                ids.push_back(put->exception_id());
              }
              return absl::OkStatus();
            }).ok());
    auto list = [&](ExceptionQuery q) {
      std::vector<int64_t> out;
      for (int pages = 0; pages < 10; ++pages) {
        auto page = store->ListExceptions(q);
        REQUIRE(page.ok());
        CHECK(static_cast<int>(page->exceptions.size()) <= q.page_size);
        for (const auto& e : page->exceptions) out.push_back(e.exception_id());
        if (page->next_page_token.empty()) break;
        q.page_token = page->next_page_token;
      }
      return out;
    };
    ExceptionQuery q;
    q.page_size = 2;
    CHECK(list(q) == std::vector<int64_t>{ids[0], ids[1], ids[2], ids[4]});
    q.include_resolved = true;
    CHECK(list(q) ==
          std::vector<int64_t>{ids[0], ids[1], ids[2], ids[3], ids[4]});
    ExceptionQuery by_record;
    by_record.record_id = 7;
    CHECK(list(by_record) == std::vector<int64_t>{ids[0]});
    by_record.include_resolved = true;  // a record's history
    CHECK(list(by_record) == std::vector<int64_t>{ids[0], ids[3]});
    ExceptionQuery newest;  // newest first, in pages of 2
    newest.newest_first = true;
    newest.include_resolved = true;
    newest.page_size = 2;
    CHECK(list(newest) ==
          std::vector<int64_t>{ids[4], ids[3], ids[2], ids[1], ids[0]});
    by_record.newest_first = true;
    CHECK(list(by_record) == std::vector<int64_t>{ids[3], ids[0]});
    by_record.newest_first = false;
    by_record.kind = EXCEPTION_KIND_POSTING_REJECTED;
    CHECK(list(by_record).empty());
    ExceptionQuery by_system;
    by_system.system = "netsuite";
    CHECK(list(by_system) == std::vector<int64_t>{ids[1], ids[4]});
    ExceptionQuery by_kind;
    by_kind.kind = EXCEPTION_KIND_RECORD_REJECTED;
    CHECK(list(by_kind) == std::vector<int64_t>{ids[0], ids[2]});
    ExceptionQuery by_category;
    by_category.category = hub::v1::EXCEPTION_CATEGORY_FINANCE;
    CHECK(list(by_category) == std::vector<int64_t>{ids[1], ids[4]});
    ExceptionQuery by_owner;
    by_owner.owner = "finance";
    CHECK(list(by_owner) == std::vector<int64_t>{ids[1]});
    ExceptionQuery by_contract;
    by_contract.contract_id = "ctr_wf_2";
    CHECK(list(by_contract) == std::vector<int64_t>{ids[4]});
    ExceptionQuery by_workflow;
    by_workflow.workflow_id = "wf_1";
    CHECK(list(by_workflow) == std::vector<int64_t>{ids[1]});
    ExceptionQuery by_age;
    by_age.created_before = absl::FromUnixMicros(2000);  // at or before
    CHECK(list(by_age) == std::vector<int64_t>{ids[0], ids[1]});
    ExceptionQuery bad;
    bad.page_token = "not a token!";
    CHECK(absl::IsInvalidArgument(store->ListExceptions(bad).status()));
  }
}

// --- The posting ledger

PostingRow Posting(const std::string& external_id, const std::string& kind,
                   const std::string& contract, const std::string& entity_id,
                   absl::Time at) {
  PostingRow p;
  p.target_system = "netsuite";
  p.external_id = external_id;
  p.contract_id = contract;
  p.entity_type =
      kind == "customer" ? cv1::ENTITY_TYPE_CUSTOMER : cv1::ENTITY_TYPE_INVOICE;
  p.entity_id = entity_id;
  p.kind = kind;
  p.content_hash = "h-" + external_id;
  p.workflow_id = "wf_1";
  p.step_index = 2;
  p.vendor_id = "v-" + external_id;
  p.posted_at = at;
  p.payload = "payload-" + external_id;
  return p;
}

TEST_CASE("the posting ledger: record inserts once, replace overwrites",
          "[store][postings]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    const absl::Time t0 = absl::FromUnixSeconds(1700000000);
    PostingRow inv = Posting("inv_1", "invoice", "ctr_a", "inv_1", t0);
    inv.reverses = "inv_0";
    REQUIRE(
        W(*store, [&](WriteTxn& txn) { return txn.RecordPosting(inv); }).ok());
    PostingRow changed = inv;
    changed.content_hash = "other";
    CHECK(absl::IsAlreadyExists(
        W(*store, [&](WriteTxn& txn) { return txn.RecordPosting(changed); })));
    // The same external id at another target is another row.
    PostingRow elsewhere = inv;
    elsewhere.target_system = "quickbooks";
    CHECK(W(*store, [&](WriteTxn& txn) {
            return txn.RecordPosting(elsewhere);
          }).ok());

    auto rows = store->ListPostings("netsuite", "ctr_a");
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    const PostingRow& r = (*rows)[0];
    CHECK(r.target_system == "netsuite");
    CHECK(r.external_id == "inv_1");
    CHECK(r.contract_id == "ctr_a");
    CHECK(r.entity_type == cv1::ENTITY_TYPE_INVOICE);
    CHECK(r.entity_id == "inv_1");
    CHECK(r.kind == "invoice");
    CHECK(r.content_hash == "h-inv_1");  // the first one stayed
    CHECK(r.reverses == "inv_0");
    CHECK(r.workflow_id == "wf_1");
    CHECK(r.step_index == 2);
    CHECK(r.vendor_id == "v-inv_1");
    CHECK(r.posted_at == t0);
    CHECK(r.payload == "payload-inv_1");

    // ReplacePosting stores a new row, then overwrites it.
    PostingRow cus = Posting("cus_1", "customer", "ctr_a", "cus_1", t0);
    for (const char* hash : {"c1", "c2"}) {
      cus.content_hash = hash;
      REQUIRE(W(*store, [&](WriteTxn& txn) {
                return txn.ReplacePosting(cus);
              }).ok());
    }
    auto cus_rows = store->ListEntityPostings(
        "netsuite", cv1::ENTITY_TYPE_CUSTOMER, "cus_1");
    REQUIRE(cus_rows.ok());
    REQUIRE(cus_rows->size() == 1);
    CHECK((*cus_rows)[0].content_hash == "c2");
  }
}

TEST_CASE("postings list by contract and by entity in time order",
          "[store][postings]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    const absl::Time t0 = absl::FromUnixSeconds(1700000000);
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              for (const PostingRow& p : {
                       Posting("inv_3", "invoice", "ctr_a", "inv_x", t0),
                       Posting("inv_2", "invoice", "ctr_a", "inv_y", t0),
                       Posting("inv_1", "invoice", "ctr_a", "inv_x",
                               t0 + absl::Seconds(1)),
                       Posting("inv_9", "invoice", "ctr_b", "inv_x",
                               t0 - absl::Seconds(1)),
                   }) {
                auto st = txn.RecordPosting(p);
                if (!st.ok()) return st;
              }
              // Inside the transaction its own rows are listed.
              CHECK(txn.ListPostings("netsuite", "ctr_a")->size() == 3);
              CHECK(txn.ListEntityPostings("netsuite", cv1::ENTITY_TYPE_INVOICE,
                                           "inv_y")
                        ->size() == 1);
              return absl::OkStatus();
            }).ok());
    auto external_ids = [](const std::vector<PostingRow>& rows) {
      std::vector<std::string> out;
      for (const auto& r : rows) out.push_back(r.external_id);
      return out;
    };
    // posted_at, then external_id.
    CHECK(external_ids(*store->ListPostings("netsuite", "ctr_a")) ==
          std::vector<std::string>{"inv_2", "inv_3", "inv_1"});
    CHECK(external_ids(*store->ListEntityPostings(
              "netsuite", cv1::ENTITY_TYPE_INVOICE, "inv_x")) ==
          std::vector<std::string>{"inv_9", "inv_3", "inv_1"});
    CHECK(store->ListPostings("quickbooks", "ctr_a")->empty());
    CHECK(
        store
            ->ListEntityPostings("netsuite", cv1::ENTITY_TYPE_CUSTOMER, "inv_x")
            ->empty());
  }
}

TEST_CASE("postings are found by the target's id and by external id",
          "[store][postings][lineage]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    const absl::Time t0 = absl::FromUnixSeconds(1700000000);
    PostingRow je = Posting("je_1", "journal_entry", "ctr_a", "je_1", t0);
    je.vendor_id = "4711";
    PostingRow other = Posting("je_2", "journal_entry", "ctr_a", "je_2", t0);
    other.vendor_id = "4712";
    PostingRow elsewhere = je;  // the same external id at another target
    elsewhere.target_system = "quickbooks";
    elsewhere.vendor_id = "QB-9";
    elsewhere.posted_at = t0 + absl::Seconds(1);
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              for (const PostingRow& p : {je, other, elsewhere}) {
                auto st = txn.RecordPosting(p);
                if (!st.ok()) return st;
              }
              return absl::OkStatus();
            }).ok());
    auto by_vendor = store->FindPostingsByVendorId("netsuite", "4711");
    REQUIRE(by_vendor.ok());
    REQUIRE(by_vendor->size() == 1);
    CHECK((*by_vendor)[0].external_id == "je_1");
    CHECK((*by_vendor)[0].workflow_id == "wf_1");
    // Any target when none is named; none at a target that lacks it.
    CHECK(store->FindPostingsByVendorId("", "QB-9")->size() == 1);
    CHECK(store->FindPostingsByVendorId("netsuite", "QB-9")->empty());
    CHECK(store->FindPostingsByVendorId("", "nope")->empty());
    auto by_external = store->FindPostingsByExternalId("", "je_1");
    REQUIRE(by_external.ok());
    REQUIRE(by_external->size() == 2);
    CHECK((*by_external)[0].target_system == "netsuite");  // posted first
    CHECK((*by_external)[1].target_system == "quickbooks");
    CHECK(store->FindPostingsByExternalId("quickbooks", "je_1")->size() == 1);
    CHECK(store->FindPostingsByExternalId("netsuite", "je_9")->empty());
  }
}

}  // namespace
}  // namespace revhub::hub
