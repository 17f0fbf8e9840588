// The Node HubSpot adapter's process, started through the AdapterHost or run
// directly: restarted after kill -9 with calls going on, only the handshake
// on stdout, and a clean exit on SIGTERM (after the call in flight) and when
// stdin closes.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <mutex>
#include <thread>

#include "absl/time/clock.h"
#include "canonical/validation.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "revhub/adapter/v1/adapter_service.grpc.pb.h"
#include "tests/adapters/hubspot_node_util.h"
#include "tests/adapters/test_util.h"

using namespace revhub::testing;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;
using revhub::hub::ParseHandshake;
using namespace revhub::testing::hubspot;

TEST_CASE("a Node adapter killed with SIGKILL is restarted and calls go on",
          "[hubspot]") {
  auto host = StartAdapter("hubspot");
  pid_t first = host->pid();
  const std::string company = Golden("company_berlin.json");
  std::atomic<bool> stop{false};
  std::atomic<int> ok_calls{0}, failed_calls{0};
  std::thread caller([&] {
    while (!stop) {
      try {
        auto r = Translate(*host, "companies", company);
        if (r.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED &&
            r.entities(0).customer().name() == "Initech GmbH")
          ++ok_calls;
        else
          ++failed_calls;
      } catch (const std::exception&) {
        ++failed_calls;
      }
    }
  });
  REQUIRE(WaitFor([&] { return ok_calls > 5; }, absl::Seconds(10)));
  REQUIRE(kill(first, SIGKILL) == 0);
  REQUIRE(WaitFor([&] { return host->restarts() == 1 && host->pid() != 0; },
                  absl::Seconds(10)));
  CHECK(host->pid() != first);
  CHECK_FALSE(Alive(first));
  int before = ok_calls;
  REQUIRE(WaitFor([&] { return ok_calls > before + 5; }, absl::Seconds(10)));
  stop = true;
  caller.join();
  CHECK(failed_calls == 0);
  CHECK(host->Describe().ok());
}

TEST_CASE(
    "the Node adapter prints only the handshake and exits 0 on SIGTERM "
    "or when stdin closes",
    "[hubspot]") {
  SECTION("stdin closes") {
    int in = -1, out = -1;
    pid_t pid = Spawn(&in, &out);
    CHECK(ParseHandshake(ReadLine(out)).ok());
    close(in);  // the hub went away
    int status = WaitExit(pid);
    REQUIRE(status != -1);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(ReadRest(out).empty());
    close(out);
  }
  SECTION("SIGTERM") {
    int in = -1, out = -1;
    pid_t pid = Spawn(&in, &out);
    std::string line = ReadLine(out);
    auto handshake = ParseHandshake(line);
    REQUIRE(handshake.ok());
    CHECK(handshake->network == "tcp");
    CHECK(handshake->address.rfind("127.0.0.1:", 0) == 0);
    REQUIRE(kill(pid, SIGTERM) == 0);
    int status = WaitExit(pid);
    REQUIRE(status != -1);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(ReadRest(out).empty());
    close(in);
    close(out);
  }
}

TEST_CASE(
    "on SIGTERM the Node adapter answers the call in flight, then exits 0",
    "[hubspot]") {
  // HubSpot answers Check's request after 800 ms; SIGTERM arrives while the
  // adapter waits for it.
  FakeHubSpot hubspot(absl::Milliseconds(800));
  int in = -1, out = -1;
  pid_t pid = Spawn(&in, &out);
  auto handshake = ParseHandshake(ReadLine(out));
  REQUIRE(handshake.ok());
  auto stub = av1::AdapterService::NewStub(grpc::CreateChannel(
      handshake->address, grpc::InsecureChannelCredentials()));
  av1::CheckRequest req;
  *req.mutable_config() = ConfigStruct(json{
      {"portal_id", kPortal},
      {"access_token", kToken},
      {"base_url", hubspot.base_url()}}.dump());
  av1::CheckResponse resp;
  grpc::Status status;
  std::thread call([&] {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    status = stub->Check(&ctx, req, &resp);
  });
  REQUIRE(WaitFor([&] { return hubspot.requests() == 1; }, absl::Seconds(10)));
  REQUIRE(kill(pid, SIGTERM) == 0);
  call.join();
  CHECK(status.ok());
  CHECK(resp.outcome() == av1::CHECK_OUTCOME_OK);
  int exit_status = WaitExit(pid);
  REQUIRE(exit_status != -1);
  CHECK(WIFEXITED(exit_status));
  CHECK(WEXITSTATUS(exit_status) == 0);
  CHECK(hubspot.requests() == 1);
  CHECK(ReadRest(out).empty());
  close(in);
  close(out);
}

TEST_CASE(
    "every HubSpot golden translation is valid canonical data once its links "
    "are resolved",
    "[hubspot]") {
  namespace fs = std::filesystem;
  auto host = StartAdapter("hubspot");
  int validated = 0;
  for (const auto& f :
       fs::directory_iterator(fs::path(REVHUB_GOLDEN_DIR) / "hubspot")) {
    std::string name = f.path().filename();
    if (name.find(".expected.") != std::string::npos) continue;
    INFO("golden case hubspot/" << name);
    json expected =
        json::parse(ReadFile(f.path().parent_path() /
                             (f.path().stem().string() + ".expected.json")));
    auto r = Translate(*host, expected["object_type"], ReadFile(f.path()),
                       expected["config"].dump());
    if (r.outcome() != av1::TRANSLATION_OUTCOME_TRANSLATED) continue;
    for (auto entity : r.entities()) {
      bool customer_linked = false;
      // The hub fills each linked id field after resolving the ref.
      for (const auto& l : entity.links()) {
        customer_linked = customer_linked || l.field_path() == "customer_id";
        const std::string& path = l.field_path();
        if (path == "customer_id") {
          entity.mutable_contract()->set_customer_id("cus_resolved");
        } else {
          int line = std::stoi(path.substr(path.find('[') + 1));
          REQUIRE(path == "lines[" + std::to_string(line) + "].product_id");
          entity.mutable_contract()->mutable_lines(line)->set_product_id(
              "prd_resolved");
        }
      }
      absl::Status valid =
          entity.has_customer()  ? revhub::ValidateCustomer(entity.customer())
          : entity.has_product() ? revhub::ValidateProduct(entity.product())
                                 : revhub::ValidateContract(entity.contract());
      INFO(valid.message());
      if (entity.has_contract() && !customer_linked) {
        // A deal read without associations names no company: the hub
        // cannot book it until it knows the company, and says so.
        CHECK(std::string(valid.message()).rfind("contract.customer_id", 0) ==
              0);
        continue;
      }
      CHECK(valid.ok());
      ++validated;
    }
  }
  CHECK(validated >= 8);
}
