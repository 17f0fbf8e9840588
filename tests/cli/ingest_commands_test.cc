// Tests of `revhub ingest`, run in-process against a RecordingHub.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_harness.h"

namespace revhub::cli {
namespace {

TEST_CASE("ingest sends the bytes as they are", "[commands]") {
  Harness h;
  std::string payload = std::string("{\"id\": \"in_1\"}\n\0\xff", 17);
  TempFile file("invoice.json", payload);
  hubv1::IngestResponse stored;
  stored.set_record_id(7);
  stored.mutable_received_at()->set_seconds(1735689600);
  hubv1::IngestResponse duplicate = stored;
  duplicate.set_duplicate(true);
  h.hub.Ingest_answers = {stored, duplicate, stored};

  Result first =
      h.Run({"ingest", file.path(), "--system", "stripe", "--object-type",
             "invoice", "--idempotency-key", "evt_1"});
  REQUIRE(first.code == kExitOk);
  const hubv1::IngestRequest& sent = h.hub.Ingest_requests[0];
  CHECK(sent.payload() == payload);
  CHECK(sent.system() == "stripe");
  CHECK(sent.object_type() == "invoice");
  CHECK(sent.content_type() == "application/json");
  CHECK(sent.idempotency_key() == "evt_1");
  CHECK(first.out == "record 7 stored at 2025-01-01T00:00:00Z\n");

  Result again = h.Run({"ingest", file.path(), "--system", "stripe",
                        "--object-type", "invoice", "--json"});
  REQUIRE(again.code == kExitOk);
  nlohmann::json json = nlohmann::json::parse(again.out);
  CHECK(json["duplicate"] == true);
  CHECK(json["recordId"] == "7");

  h.stdin_text = "Id,Amount\n1,10.00\n";
  REQUIRE(h.Run({"ingest", "-", "--system", "erp", "--object-type",
                 "JournalEntry", "--content-type", "text/csv"})
              .code == kExitOk);
  CHECK(h.hub.Ingest_requests[2].payload() == "Id,Amount\n1,10.00\n");
  CHECK(h.hub.Ingest_requests[2].content_type() == "text/csv");
}

}  // namespace
}  // namespace revhub::cli
