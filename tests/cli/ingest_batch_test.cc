// `revhub ingest --batch` against a real revhubd: the real revhub binary
// streams an NDJSON file and a folder through IngestStream and prints its
// summary; a run in-process with a terminal draws the progress bar.
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hub/cli/commands.h"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "tests/support/auth.h"
#include "tests/support/files.h"
#include "tests/support/hub_process.h"
#include "tests/support/run.h"
#include "tests/support/systems.h"

namespace revhub::testing {
namespace {

namespace v1 = ::revhub::hub::v1;

std::string Invoice(int i) {
  return absl::StrCat(R"({"id":"in_)", i, R"(","object":"invoice"})");
}

// A hub with system "stripe", and the revhub command line that calls it.
struct BatchHub {
  TempDir dir;
  TempDir scratch;
  HubProcess hub{dir.path()};

  BatchHub() {
    INFO(hub.error());
    REQUIRE(hub.Start());
    auto registry = v1::SystemRegistryService::NewStub(hub.channel());
    RegisterSystem(*registry, "stripe", v1::SYSTEM_KIND_BILLING);
  }

  RunResult Revhub(std::vector<std::string> args) {
    std::vector<std::string> argv = {BinDir() + "/revhub", "--hub",
                                     hub.address(), "--token",
                                     ReadAdminToken(dir.path())};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, scratch.path());
  }

  int64_t StoredRecords() {
    auto ingest = v1::IngestService::NewStub(hub.channel());
    v1::ListRecordsRequest list;
    list.set_page_size(1);
    v1::ListRecordsResponse newest;
    grpc::ClientContext ctx;
    REQUIRE(ingest->ListRecords(&ctx, list, &newest).ok());
    return newest.records().empty() ? 0 : newest.records(0).record_id();
  }
};

TEST_CASE("ingest --batch streams every line of an NDJSON file",
          "[cli][batch]") {
  BatchHub h;
  const std::string file = h.scratch.path() + "/invoices.ndjson";
  std::string lines;
  for (int i = 1; i <= 40; ++i) absl::StrAppend(&lines, Invoice(i), "\n");
  absl::StrAppend(&lines, "\n", Invoice(3), "\r\n");  // blank, then a resend
  // One record over the hub's 16 MiB limit, on line 43.
  absl::StrAppend(&lines, std::string((16 << 20) + 1, 'x'), "\n");
  absl::StrAppend(&lines, Invoice(41), "\n");
  WriteFile(file, lines);

  RunResult run = h.Revhub({"ingest", "--batch", file, "--system", "stripe",
                            "--object-type", "invoice"});
  INFO(run.out << run.err);
  CHECK(run.code == 1);
  CHECK(run.out.find(absl::StrCat("43 of 43 records from ", file,
                                  ": 41 accepted, 1 duplicates, 1 failed\n"
                                  "  line 43: INVALID_ARGUMENT: payload: "
                                  "16777217 bytes is over the limit of "
                                  "16777216 bytes\n")) != std::string::npos);
  // Not a terminal: a plain line at each tenth.
  CHECK(run.out.find("4 of 43 records answered: 4 accepted, 0 duplicates, 0 "
                     "failed") != std::string::npos);
  CHECK(run.out.find("\r") == std::string::npos);
  CHECK(run.err.find("revhub: INVALID_ARGUMENT: 1 of 43 records failed") !=
        std::string::npos);
  CHECK(h.StoredRecords() == 41);

  SECTION("sent again, nothing is stored twice") {
    const std::string good = h.scratch.path() + "/good.ndjson";
    std::string first;
    for (int i = 1; i <= 41; ++i) absl::StrAppend(&first, Invoice(i), "\n");
    WriteFile(good, first);
    RunResult again = h.Revhub({"ingest", "--batch", good, "--system", "stripe",
                                "--object-type", "invoice", "--json"});
    INFO(again.out << again.err);
    CHECK(again.code == 0);
    CHECK(again.out.find(R"("accepted": 0)") != std::string::npos);
    CHECK(again.out.find(R"("duplicates": 41)") != std::string::npos);
    CHECK(again.out.find(R"("failed": [])") != std::string::npos);
    CHECK(h.StoredRecords() == 41);
  }
}

TEST_CASE("ingest --batch sends every file of a folder", "[cli][batch]") {
  BatchHub h;
  const std::string folder = h.scratch.path() + "/payloads";
  std::filesystem::create_directory(folder);
  WriteFile(folder + "/a.json", Invoice(1));
  WriteFile(folder + "/b.csv", "Id,Amount\n1,10.00\n");
  WriteFile(folder + "/c.json", "");  // refused: an empty payload
  WriteFile(folder + "/.hidden", Invoice(2));

  RunResult run = h.Revhub({"ingest", "--batch", folder, "--system", "stripe",
                            "--object-type", "invoice"});
  INFO(run.out << run.err);
  CHECK(run.code == 1);
  CHECK(run.out.find(absl::StrCat("3 of 3 records from ", folder,
                                  ": 2 accepted, 0 duplicates, 1 failed\n  ",
                                  folder,
                                  "/c.json: INVALID_ARGUMENT: payload: is "
                                  "empty\n")) != std::string::npos);
  auto ingest = v1::IngestService::NewStub(h.hub.channel());
  v1::GetRecordRequest get;
  get.set_record_id(2);
  v1::GetRecordResponse csv;
  grpc::ClientContext ctx;
  REQUIRE(ingest->GetRecord(&ctx, get, &csv).ok());
  CHECK(csv.record().content_type() == "text/csv");
  CHECK(csv.record().payload() == "Id,Amount\n1,10.00\n");

  SECTION("usage errors send nothing") {
    RunResult both =
        h.Revhub({"ingest", folder + "/a.json", "--batch", folder, "--system",
                  "stripe", "--object-type", "invoice"});
    CHECK(both.code == 2);
    RunResult missing =
        h.Revhub({"ingest", "--batch", folder + "/none.ndjson", "--system",
                  "stripe", "--object-type", "invoice"});
    CHECK(missing.code == 2);
    CHECK(missing.err.find("none.ndjson: cannot open") != std::string::npos);
    CHECK(h.StoredRecords() == 2);
  }
}

TEST_CASE("ingest --batch draws a progress bar on a terminal", "[cli][batch]") {
  BatchHub h;
  const std::string file = h.scratch.path() + "/invoices.ndjson";
  std::string lines;
  for (int i = 1; i <= 300; ++i) absl::StrAppend(&lines, Invoice(i), "\n");
  WriteFile(file, lines);
  std::istringstream in;
  std::ostringstream out, err;
  cli::CliEnvironment env;
  env.in = &in;
  env.out = &out;
  env.err = &err;
  env.out_is_terminal = true;
  env.connect = [](const cli::HubClientOptions& options) {
    return cli::NewGrpcHubClient(options);
  };
  const int code =
      cli::RunCli({"revhub", "--hub", h.hub.address(), "--token",
                   ReadAdminToken(h.dir.path()), "ingest", "--batch", file,
                   "--system", "stripe", "--object-type", "invoice"},
                  env);
  INFO(out.str() << err.str());
  CHECK(code == 0);
  CHECK(out.str().find("\r[##############################] 100%  300/300 "
                       "records  300 accepted  0 duplicates  0 failed") !=
        std::string::npos);
  CHECK(out.str().find(absl::StrCat("300 of 300 records from ", file,
                                    ": 300 accepted, 0 duplicates, 0 "
                                    "failed\n")) != std::string::npos);
}

}  // namespace
}  // namespace revhub::testing
