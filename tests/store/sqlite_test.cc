// What only the SQLite store has: a database file that survives reopening,
// its numbered migrations, WAL mode. What every Store promises is checked
// by conformance_test.cc.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "google/protobuf/util/time_util.h"
#include "hub/store/sqlite/migrations.h"
#include "hub/store/sqlite/sqlite_store.h"
#include "tests/support/hub_process.h"

namespace revhub::hub {
namespace {

using revhub::testing::TempDir;

std::unique_ptr<Store> Open(const std::string& dir) {
  SqliteStoreOptions o;
  o.path = dir + "/revhub.db";
  auto s = OpenSqliteStore(o);
  REQUIRE(s.ok());
  return std::move(*s);
}

TEST_CASE("data survives reopening and the event listener sees commits",
          "[store]") {
  TempDir dir;
  std::atomic<int64_t> heard{0};
  {
    auto store = Open(dir.path());
    store->SetEventListener([&](int64_t p) { heard = p; });
    REQUIRE(store
                ->Write([&](WriteTxn& txn) -> absl::Status {
                  hub::v1::System s;
                  s.set_name("stripe");
                  auto st = txn.PutSystem(s);
                  if (!st.ok()) return st;
                  canonical::v1::ExternalRef ref;
                  ref.set_system("stripe");
                  ref.set_object_type("customer");
                  ref.set_vendor_id("cus_123");
                  st = txn.BindExternalRef(canonical::v1::ENTITY_TYPE_CUSTOMER,
                                           ref, "cus_x");
                  if (!st.ok()) return st;
                  CHECK(txn.BindExternalRef(canonical::v1::ENTITY_TYPE_CUSTOMER,
                                            ref, "cus_y")
                            .code() == absl::StatusCode::kAlreadyExists);
                  canonical::v1::BusinessEvent e;
                  e.set_event_id("evt_1");
                  return txn.AppendEvent(e).status();
                })
                .ok());
    // The listener runs on the writer thread after the commit, which may be
    // after Write() has returned.
    for (int i = 0; i < 200 && heard == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(heard == 1);
  }
  auto store = Open(dir.path());
  CHECK(store->LastEventPosition() == 1);
  auto sys = store->GetSystem("stripe");
  REQUIRE(sys.ok());
  CHECK(sys->has_value());
  canonical::v1::ExternalRef ref;
  ref.set_system("stripe");
  ref.set_object_type("customer");
  ref.set_vendor_id("cus_123");
  auto id = store->ResolveExternalRef(canonical::v1::ENTITY_TYPE_CUSTOMER, ref);
  REQUIRE(id.ok());
  CHECK(id->value_or("") == "cus_x");
}

TEST_CASE("migrations bring a new database to the last version once",
          "[store][migrations]") {
  TempDir dir;
  std::string path = dir.path() + "/m.db";
  {
    auto db = sqlite::Connection::Open(
        path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    REQUIRE(db.ok());
    auto v = ApplyMigrations(*db);
    REQUIRE(v.ok());
    CHECK(*v == SchemaMigrations().back().version);
    auto again = ApplyMigrations(*db);
    REQUIRE(again.ok());
    CHECK(*again == *v);
    sqlite::Statement q(*db, "SELECT COUNT(*) FROM schema_migrations");
    REQUIRE(*q.Step());
    CHECK(q.ColumnInt(0) == static_cast<int64_t>(SchemaMigrations().size()));
  }
  SECTION("a database from a newer hub is refused") {
    auto db = sqlite::Connection::Open(path, SQLITE_OPEN_READWRITE);
    REQUIRE(db.ok());
    REQUIRE(db->Exec("INSERT INTO schema_migrations VALUES (999, 'future', 0)")
                .ok());
    auto v = ApplyMigrations(*db);
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(std::string(v.status().message()).find("schema version 999") !=
          std::string::npos);
  }
}

TEST_CASE("the store runs in WAL mode with full sync", "[store]") {
  TempDir dir;
  auto store = Open(dir.path());
  auto db =
      sqlite::Connection::Open(dir.path() + "/revhub.db", SQLITE_OPEN_READONLY);
  REQUIRE(db.ok());
  sqlite::Statement q(*db, "PRAGMA journal_mode");
  REQUIRE(*q.Step());
  CHECK(q.ColumnText(0) == "wal");
}

// Migration 4: record_exceptions rows move into the exception queue; a
// row already said by an Exception of the same record is not doubled.
TEST_CASE("record exceptions move into the exception queue once",
          "[store][migrations]") {
  using google::protobuf::util::TimeUtil;
  TempDir dir;
  const std::string path = dir.path() + "/revhub.db";
  {
    // A database at schema version 3, as the previous revhubd left it.
    auto db = sqlite::Connection::Open(
        path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    REQUIRE(db.ok());
    REQUIRE(db->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY"
                     " KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
                .ok());
    for (const Migration& m : SchemaMigrations()) {
      if (m.version > 3) break;
      REQUIRE(m.apply == nullptr);
      REQUIRE(db->Exec(m.sql).ok());
      sqlite::Statement ins(*db,
                            "INSERT INTO schema_migrations VALUES (?, ?, 0)");
      ins.Bind(1, int64_t{m.version}).Bind(2, m.name);
      REQUIRE(ins.Run().ok());
    }
    // Record 7 failed twice and was then applied; record 8 failed once
    // and is still failing; record 9 failed without a field path.
    REQUIRE(
        db->Exec("INSERT INTO record_exceptions (system, record_id,"
                 " field_path, reason, recorded_at, resolved_at) VALUES"
                 " ('stripe', 7, 'amount', 'not a number', 1000, 5000),"
                 " ('stripe', 7, 'currency', 'unknown', 2000, 5000),"
                 " ('salesforce', 8, 'Name', 'must be a string', 3000, NULL),"
                 " ('salesforce', 9, '', 'not JSON', 4000, NULL)")
            .ok());
    // Orchestration had written an Exception for record 8's failure and
    // one for record 9's: those rows are not copied again.
    sqlite::Statement ex(*db,
                         "INSERT INTO exceptions (kind, category, state,"
                         " system, owner, record_id, workflow_id, contract_id,"
                         " created_at, payload)"
                         " VALUES (?, ?, ?, ?, '', ?, '', '', ?, ?)");
    int64_t next_id = 1;
    for (auto [record, error] : std::vector<std::pair<int64_t, std::string>>{
             {8, "Name: must be a string"}, {9, "not JSON"}}) {
      hub::v1::Exception e;
      e.set_exception_id(next_id++);
      e.set_kind(hub::v1::EXCEPTION_KIND_RECORD_REJECTED);
      e.set_category(hub::v1::EXCEPTION_CATEGORY_METADATA);
      e.set_state(hub::v1::EXCEPTION_STATE_OPEN);
      e.set_system("salesforce");
      e.set_record_id(record);
      e.set_error(error);
      e.set_owner("ops");
      REQUIRE(ex.Reset().ok());
      ex.Bind(1, int64_t{e.kind()})
          .Bind(2, int64_t{e.category()})
          .Bind(3, int64_t{e.state()})
          .Bind(4, e.system())
          .Bind(5, record)
          .Bind(6, int64_t{100})
          .BindBlob(7, e.SerializeAsString());
      REQUIRE(ex.Run().ok());
    }
  }
  auto store = Open(dir.path());
  ExceptionQuery q;
  q.include_resolved = true;
  auto page = store->ListExceptions(q);
  REQUIRE(page.ok());
  REQUIRE(page->exceptions.size() == 4);  // 2 there + record 7's two rows
  CHECK(page->exceptions[0].owner() == "ops");
  CHECK(page->exceptions[0].record_id() == 8);
  CHECK(page->exceptions[1].record_id() == 9);
  for (int i : {2, 3}) {
    const hub::v1::Exception& e = page->exceptions[i];
    CHECK(e.exception_id() > 2);
    CHECK(e.kind() == hub::v1::EXCEPTION_KIND_RECORD_REJECTED);
    CHECK(e.category() == hub::v1::EXCEPTION_CATEGORY_METADATA);
    CHECK(e.state() == hub::v1::EXCEPTION_STATE_RESOLVED);
    CHECK(e.system() == "stripe");
    CHECK(e.record_id() == 7);
    CHECK(TimeUtil::TimestampToMicroseconds(e.resolved_at()) == 5000);
  }
  CHECK(page->exceptions[2].field_path() == "amount");
  CHECK(page->exceptions[2].error() == "not a number");
  CHECK(TimeUtil::TimestampToMicroseconds(page->exceptions[2].created_at()) ==
        1000);
  CHECK(page->exceptions[3].field_path() == "currency");
  CHECK(page->exceptions[3].error() == "unknown");
  // Stored ids agree with the payloads, and filters see the moved rows.
  auto moved = store->GetException(page->exceptions[2].exception_id());
  REQUIRE(moved.ok());
  REQUIRE(moved->has_value());
  CHECK((*moved)->exception_id() == page->exceptions[2].exception_id());
  ExceptionQuery open;
  open.record_id = 7;
  CHECK(store->ListExceptions(open)->exceptions.empty());
  open.include_resolved = true;
  open.system = "stripe";
  CHECK(store->ListExceptions(open)->exceptions.size() == 2);
  store.reset();
  // The old table is gone.
  auto db = sqlite::Connection::Open(path, SQLITE_OPEN_READONLY);
  REQUIRE(db.ok());
  sqlite::Statement t(*db,
                      "SELECT COUNT(*) FROM sqlite_master WHERE"
                      " name = 'record_exceptions'");
  REQUIRE(*t.Step());
  CHECK(t.ColumnInt(0) == 0);
}

// Migration 5: records stored before it have no status reason and wait for
// nothing; they read back as before.
TEST_CASE("records of a version 4 database read back after migration 5",
          "[store][migrations]") {
  TempDir dir;
  const std::string path = dir.path() + "/revhub.db";
  {
    auto db = sqlite::Connection::Open(
        path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    REQUIRE(db.ok());
    REQUIRE(db->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY"
                     " KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
                .ok());
    for (const Migration& m : SchemaMigrations()) {
      if (m.version > 4) break;
      if (m.apply != nullptr) REQUIRE(m.apply(*db).ok());
      REQUIRE(db->Exec(m.sql).ok());
      sqlite::Statement ins(*db,
                            "INSERT INTO schema_migrations VALUES (?, ?, 0)");
      ins.Bind(1, int64_t{m.version}).Bind(2, m.name);
      REQUIRE(ins.Run().ok());
    }
    REQUIRE(db->Exec("INSERT INTO raw_records (system, object_type,"
                     " content_type, idempotency_key, payload, payload_sha256,"
                     " received_at, status, principal) VALUES ('stripe',"
                     " 'invoice', 'application/json', 'k1', x'7b7d', 'sha',"
                     " 1000, 4, 'ops')")
                .ok());
  }
  auto store = Open(dir.path());
  auto r = store->GetRawRecord(1);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK((*r)->payload() == "{}");
  CHECK((*r)->status() == hub::v1::RECORD_STATUS_SKIPPED);
  CHECK((*r)->status_reason().empty());
  CHECK_FALSE((*r)->has_waiting_for());
  // The new table is there: the record can wait.
  RecordWait w;
  w.record_id = 1;
  w.entity_type = canonical::v1::ENTITY_TYPE_CUSTOMER;
  w.ref.set_system("stripe");
  w.ref.set_object_type("customer");
  w.ref.set_vendor_id("cus_1");
  REQUIRE(store
              ->Write([&](WriteTxn& txn) {
                return txn.MarkRecordWaiting(w, "waits for cus_1");
              })
              .ok());
  CHECK((*store->GetRawRecord(1))->waiting_for().vendor_id() == "cus_1");
}

// Migration 12 indexes the events already stored by subject, correlation
// and causation, read from each event's envelope.
TEST_CASE("events stored before migration 12 are found by their links",
          "[store][migrations][lineage]") {
  TempDir dir;
  const std::string path = dir.path() + "/revhub.db";
  {
    // A database at schema version 11 with one event.
    auto db = sqlite::Connection::Open(
        path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    REQUIRE(db.ok());
    REQUIRE(db->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY"
                     " KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
                .ok());
    for (const Migration& m : SchemaMigrations()) {
      if (m.version > 11) break;
      if (m.apply != nullptr) REQUIRE(m.apply(*db).ok());
      REQUIRE(db->Exec(m.sql).ok());
      sqlite::Statement ins(*db,
                            "INSERT INTO schema_migrations VALUES (?, ?, 0)");
      ins.Bind(1, int64_t{m.version}).Bind(2, m.name);
      REQUIRE(ins.Run().ok());
    }
    canonical::v1::BusinessEvent ev;
    ev.set_event_id("evt_old");
    ev.set_type(canonical::v1::EVENT_TYPE_CONTRACT_BOOKED);
    ev.set_position(1);
    ev.mutable_subject()->set_entity_type(canonical::v1::ENTITY_TYPE_CONTRACT);
    ev.mutable_subject()->set_id("ctr_old");
    ev.mutable_subject()->set_version(3);
    ev.set_correlation_id("record:41");
    ev.set_causation_id("evt_vendor");
    sqlite::Statement put(*db,
                          "INSERT INTO events (position, event_id, type,"
                          " recorded_at, payload) VALUES (1, ?, ?, 0, ?)");
    put.Bind(1, ev.event_id())
        .Bind(2, int64_t{ev.type()})
        .BindBlob(3, ev.SerializeAsString());
    REQUIRE(put.Run().ok());
  }
  auto store = Open(dir.path());
  EventLinkQuery by_subject;
  by_subject.subject_type = canonical::v1::ENTITY_TYPE_CONTRACT;
  by_subject.subject_id = "ctr_old";
  by_subject.subject_version = 3;
  auto found = store->FindEvents(by_subject);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].event_id() == "evt_old");
  EventLinkQuery by_correlation;
  by_correlation.correlation_id = "record:41";
  CHECK(store->FindEvents(by_correlation)->size() == 1);
  EventLinkQuery by_cause;
  by_cause.causation_id = "evt_vendor";
  CHECK(store->FindEvents(by_cause)->size() == 1);
  // Events appended after the migration are indexed as they are written.
  REQUIRE(store
              ->Write([&](WriteTxn& txn) -> absl::Status {
                canonical::v1::BusinessEvent next;
                next.set_event_id("evt_new");
                next.set_type(canonical::v1::EVENT_TYPE_CONTRACT_AMENDED);
                next.mutable_subject()->set_entity_type(
                    canonical::v1::ENTITY_TYPE_CONTRACT);
                next.mutable_subject()->set_id("ctr_old");
                next.mutable_subject()->set_version(4);
                next.set_causation_id("evt_old");
                return txn.AppendEvent(next).status();
              })
              .ok());
  by_subject.subject_version = 0;
  CHECK(store->FindEvents(by_subject)->size() == 2);
  by_cause.causation_id = "evt_old";
  CHECK(store->FindEvents(by_cause)->size() == 1);
}

}  // namespace
}  // namespace revhub::hub
