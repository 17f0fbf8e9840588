// revhubd --store: the hub on PostgreSQL (a server this test process
// starts), and two hubs on one database serving the same data, a commit
// through one reaching a subscriber of the other. Errors name --store.
#include <filesystem>
#include <thread>

#include "tests/support/hub_fixture.h"
#include "tests/support/postgres_server.h"
#include "tests/support/run.h"

namespace revhub::testing {
namespace {

v1::IngestRequest Payload(const std::string& key, const std::string& body) {
  v1::IngestRequest r;
  r.set_system("stripe");
  r.set_object_type("invoice");
  r.set_payload(body);
  r.set_idempotency_key(key);
  return r;
}

// Gives a hub on `to_dir` the admin token hub `from` wrote: principals
// live in the shared store, so only the first hub on a database
// bootstraps one.
void ShareAdminToken(const Hub& from, const std::string& to_dir) {
  std::error_code ec;
  std::filesystem::create_directories(to_dir, ec);
  std::filesystem::permissions(to_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  std::filesystem::copy_file(
      from.dir.path() + "/admin.token", to_dir + "/admin.token",
      std::filesystem::copy_options::overwrite_existing, ec);
  REQUIRE_FALSE(ec);
}

TEST_CASE("revhubd --store postgres:// ingests into PostgreSQL",
          "[store_flag][postgres]") {
  const std::string url = FreshPostgresDatabase("hub");
  Hub a({"--store", url});
  RegisterSystem(a, "stripe", v1::SYSTEM_KIND_BILLING);
  // Bytes that are not text survive the trip (bytea, sent in binary).
  const std::string body = std::string("{\"id\":\"in_1\",\"raw\":\"") +
                           std::string("\x01\x7f\xc3\xa9\xff", 5) + "\"}";
  v1::IngestResponse first, again;
  REQUIRE(a.ingest->Ingest(Ctx().get(), Payload("evt_1", body), &first).ok());
  CHECK_FALSE(first.duplicate());
  REQUIRE(a.ingest->Ingest(Ctx().get(), Payload("evt_1", body), &again).ok());
  CHECK(again.duplicate());
  CHECK(again.record_id() == first.record_id());

  // A second hub, with a data folder of its own, on the same database.
  TempDir b_root;
  const std::string b_dir = b_root.path() + "/b";
  ShareAdminToken(a, b_dir);
  HubProcess b(b_dir);
  b.set_extra_args({"--store", url});
  REQUIRE(b.Start());
  auto b_ingest = std::make_unique<v1::IngestService::Stub>(b.channel());
  auto b_events = std::make_unique<v1::EventService::Stub>(b.channel());

  // What hub a stored, hub b serves, byte for byte.
  v1::GetRecordRequest g;
  g.set_record_id(first.record_id());
  v1::GetRecordResponse got;
  REQUIRE(b_ingest->GetRecord(Ctx().get(), g, &got).ok());
  CHECK(got.record().payload() == body);
  // And the key is taken for both.
  v1::IngestResponse via_b;
  REQUIRE(b_ingest->Ingest(Ctx().get(), Payload("evt_1", body), &via_b).ok());
  CHECK(via_b.duplicate());
  CHECK(via_b.record_id() == first.record_id());

  // A live subscriber on hub b hears the events committed through hub a.
  grpc::ClientContext ctx;
  v1::SubscribeRequest req;
  req.set_from_position(1);
  auto reader = b_events->Subscribe(&ctx, req);
  std::thread writer([&] {
    for (int i = 0; i < 3; ++i) {
      CreateCustomer(a, "Acme " + std::to_string(i), "c" + std::to_string(i));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::vector<int64_t> positions;
  v1::SubscribeResponse msg;
  while (positions.size() < 3 && reader->Read(&msg)) {
    positions.push_back(msg.event().position());
  }
  writer.join();
  REQUIRE(positions.size() == 3);
  CHECK(positions == std::vector<int64_t>{1, 2, 3});
  ctx.TryCancel();
  reader->Finish();
  CHECK(b.Stop() == 0);
}

TEST_CASE("--store names what is wrong with it", "[store_flag]") {
  TempDir data;
  auto start = [&](const std::string& store) {
    return RunProgram(
        {BinDir() + "/revhubd", "--data-dir", data.path() + "/d", "--listen",
         "127.0.0.1:0", "--insecure-loopback", "--store", store},
        data.path(), "/dev/null", std::chrono::seconds(30));
  };
  RunResult scheme = start("mysql://db/revhub");
  CHECK(scheme.code == 1);
  CHECK_THAT(scheme.err, Catch::Contains("--store"));
  CHECK_THAT(scheme.err, Catch::Contains("\"mysql\" is not supported"));
  // A port nothing listens on; the password is not shown.
  const int port = SharedPostgresServer().port() + 1;
  RunResult unreachable =
      start("postgres://revhub:s3cret@127.0.0.1:" + std::to_string(port) +
            "/revhub?connect_timeout=3");
  CHECK(unreachable.code == 1);
  CHECK_THAT(unreachable.err,
             Catch::Contains("--store: cannot use the PostgreSQL database at "
                             "postgres://revhub:***@127.0.0.1"));
  CHECK_THAT(unreachable.err, Catch::Contains("cannot connect"));
  CHECK_THAT(unreachable.err, !Catch::Contains("s3cret"));
}

}  // namespace
}  // namespace revhub::testing
