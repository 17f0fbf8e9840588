// The store conformance suite (conformance_test.cc): the audit log.
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "hub/common/util.h"
#include "hub/store/store.h"
#include "tests/store/conformance.h"
#include "tests/store/store_backends.h"

namespace revhub::hub {
namespace {

using namespace conformance;  // NOLINT

hub::v1::AuditRecord Row(const std::string& principal,
                         const std::string& method,
                         const std::string& target = "") {
  hub::v1::AuditRecord r;
  r.set_principal(principal);
  r.set_method(method);
  if (!target.empty()) {
    auto* t = r.add_targets();
    t->set_field("system.name");
    t->set_value(target);
  }
  r.set_request_sha256(Sha256Hex(principal + method));
  return r;
}

absl::Status Append(WriteTxn& txn, hub::v1::AuditRecord row) {
  return txn.AppendAudit(std::move(row)).status();
}

TEST_CASE("audit rows chain in append order; a rolled-back write leaves none",
          "[store][audit]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    auto empty = store->VerifyAuditLog(std::nullopt);
    REQUIRE(empty.ok());
    CHECK(empty->head_seq == 0);
    CHECK(empty->head_hash == kAuditGenesisHash);

    hub::v1::AuditRecord first;
    REQUIRE(W(*store, [&](WriteTxn& txn) -> absl::Status {
              auto r = txn.AppendAudit(Row("alice", "/s/RegisterSystem", "a"));
              if (!r.ok()) return r.status();
              first = *r;
              return Append(txn, Row("bob", "/s/UpsertCustomer"));
            }).ok());
    CHECK(first.seq() == 1);
    CHECK(first.prev_hash() == kAuditGenesisHash);
    CHECK(first.row_hash() == Sha256Hex(AuditRowEncoding(first)));
    // A write that appended and then failed takes its row with it.
    CHECK_FALSE(W(*store, [&](WriteTxn& txn) -> absl::Status {
                  absl::Status st = Append(txn, Row("eve", "/s/X"));
                  if (!st.ok()) return st;
                  return absl::AbortedError("changed my mind");
                }).ok());
    // Text that looks like the targets' own separators reads back as given.
    hub::v1::AuditRecord odd = Row("carol", "/s/DisableSystem", "a=b\nc%3D");
    odd.set_code(3);
    odd.set_message("name: is required");
    REQUIRE(W(*store, [&](WriteTxn& txn) { return Append(txn, odd); }).ok());

    AuditQuery all;
    auto rows = store->ListAuditRecords(all);
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 3);
    CHECK((*rows)[0].SerializeAsString() == first.SerializeAsString());
    CHECK((*rows)[1].seq() == 2);
    CHECK((*rows)[1].prev_hash() == first.row_hash());
    CHECK((*rows)[2].seq() == 3);
    CHECK((*rows)[2].principal() == "carol");
    REQUIRE((*rows)[2].targets_size() == 1);
    CHECK((*rows)[2].targets(0).value() == "a=b\nc%3D");
    CHECK((*rows)[2].code() == 3);

    AuditQuery by_target;
    by_target.target_value = "a=b\nc%3D";
    CHECK(store->ListAuditRecords(by_target)->size() == 1);
    by_target.target_field = "system.name";
    by_target.target_value = "a";
    CHECK(store->ListAuditRecords(by_target)->size() == 1);
    AuditQuery by_name;
    by_name.method_name = "UpsertCustomer";
    CHECK(store->ListAuditRecords(by_name)->size() == 1);
    AuditQuery after;
    after.after_seq = 1;
    after.limit = 1;
    auto page = store->ListAuditRecords(after);
    REQUIRE(page->size() == 1);
    CHECK((*page)[0].seq() == 2);

    auto v = store->VerifyAuditLog(AuditAnchor{3, (*rows)[2].row_hash()});
    REQUIRE(v.ok());
    CHECK(v->broken == hub::v1::AUDIT_BREAK_UNSPECIFIED);
    CHECK(v->rows_checked == 3);
    CHECK(v->head_seq == 3);
    CHECK(v->head_hash == (*rows)[2].row_hash());
    v = store->VerifyAuditLog(AuditAnchor{3, std::string(64, 'f')});
    CHECK(v->broken == hub::v1::AUDIT_BREAK_ANCHOR_MISMATCH);
    CHECK(v->broken_seq == 3);
    v = store->VerifyAuditLog(AuditAnchor{5, std::string(64, 'f')});
    CHECK(v->broken == hub::v1::AUDIT_BREAK_ROW_MISSING);
    CHECK(v->broken_seq == 4);
  }
}

TEST_CASE("concurrent writers append one chain", "[store][audit]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    constexpr int kThreads = 8, kEach = 25;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&store, t] {
        for (int i = 0; i < kEach; ++i) {
          store
              ->Write([&](WriteTxn& txn) {
                return Append(txn, Row("p" + std::to_string(t), "/s/M"));
              })
              .IgnoreError();
        }
      });
    }
    for (auto& th : threads) th.join();
    auto v = store->VerifyAuditLog(std::nullopt);
    REQUIRE(v.ok());
    CHECK(v->broken == hub::v1::AUDIT_BREAK_UNSPECIFIED);
    CHECK(v->rows_checked == kThreads * kEach);
    CHECK(v->head_seq == kThreads * kEach);
  }
}

}  // namespace
}  // namespace revhub::hub
