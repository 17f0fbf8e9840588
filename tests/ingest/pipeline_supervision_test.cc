// The ingest pipeline end to end, adapter supervision: registrations start,
// restart and stop the adapter processes the hub runs, a bad command never
// stops the hub, and an adapter that runs elsewhere is reached at its
// endpoint.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "tests/ingest/pipeline_fixture.h"

namespace revhub::testing {
namespace {

using std::chrono::seconds;

bool ProcessGone(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    if (::kill(pid, 0) != 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// An adapter process the test runs itself, as one that runs "elsewhere".
class RemoteAdapter {
 public:
  explicit RemoteAdapter(const std::string& vendor) {
    int in[2], out[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    std::string bin = BinDir() + "/" + AdapterCommand(vendor);
    const char* argv[] = {bin.c_str(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    REQUIRE(posix_spawn(&pid_, bin.c_str(), &actions, nullptr,
                        const_cast<char* const*>(argv), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    std::string line;
    char c;
    pollfd pfd{out[0], POLLIN, 0};
    while (poll(&pfd, 1, 10000) > 0 && read(out[0], &c, 1) == 1 && c != '\n')
      line += c;
    close(out[0]);
    // REVHUB-ADAPTER|1|tcp|127.0.0.1:PORT
    REQUIRE(line.rfind("REVHUB-ADAPTER|1|tcp|", 0) == 0);
    address_ = line.substr(std::string("REVHUB-ADAPTER|1|tcp|").size());
  }
  ~RemoteAdapter() {
    close(stdin_);
    ::kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  const std::string& address() const { return address_; }

 private:
  pid_t pid_ = 0;
  int stdin_ = -1;
  std::string address_;
};

TEST_CASE(
    "registrations drive the adapters: re-registration restarts, "
    "disable stops, a bad command never stops the hub",
    "[pipeline][supervision]") {
  PipelineHub hub;
  hub.Register("salesforce", v1::SYSTEM_KIND_CRM, "salesforce",
               kSalesforceConfig);
  const pid_t first = hub.Describe("salesforce").process().pid();
  REQUIRE(first > 0);

  // A new adapter spec (an environment variable more): a new process.
  {
    v1::RegisterSystemRequest req;
    v1::GetSystemRequest get;
    get.set_name("salesforce");
    v1::GetSystemResponse got;
    REQUIRE(hub.registry->GetSystem(Ctx().get(), get, &got).ok());
    *req.mutable_system() = got.system();
    req.mutable_system()->clear_version();
    req.mutable_system()->clear_created_at();
    req.mutable_system()->clear_updated_at();
    req.mutable_system()->clear_state();
    req.mutable_system()->clear_updated_by();
    auto* env = req.mutable_system()
                    ->mutable_adapter()
                    ->mutable_launch()
                    ->mutable_env();
    const std::string mark = "2";  // a string, not a literal: GCC 12's
                                   // -Wrestrict misfires on the literal
    (*env)["REVHUB_TEST_MARK"] = mark;
    req.set_replace_existing(true);
    v1::RegisterSystemResponse resp;
    const grpc::Status status =
        hub.registry->RegisterSystem(Ctx().get(), req, &resp);
    INFO(status.error_message());
    REQUIRE(status.ok());
  }
  CHECK(ProcessGone(first));
  const pid_t second = hub.Describe("salesforce").process().pid();
  CHECK(second > 0);
  CHECK(second != first);

  // Disabled: the adapter stops.
  v1::DisableSystemRequest disable;
  disable.set_name("salesforce");
  disable.set_reason("test");
  v1::DisableSystemResponse disabled;
  REQUIRE(hub.registry->DisableSystem(Ctx().get(), disable, &disabled).ok());
  CHECK(ProcessGone(second));
  v1::DescribeSystemAdapterRequest dreq;
  dreq.set_system("salesforce");
  v1::DescribeSystemAdapterResponse dresp;
  CHECK(hub.pipeline->DescribeSystemAdapter(Ctx().get(), dreq, &dresp)
            .error_code() == grpc::StatusCode::FAILED_PRECONDITION);

  // An adapter that cannot start: its records wait, the hub serves on. A
  // path is refused at registration; the CLI, found by name in the
  // adapter folder, runs but never gives the handshake.
  v1::RegisterSystemRequest broken;
  broken.mutable_system()->set_name("broken");
  broken.mutable_system()->set_kind(v1::SYSTEM_KIND_OTHER);
  broken.mutable_system()->mutable_adapter()->mutable_launch()->set_command(
      "/nonexistent/revhub-adapter");
  v1::RegisterSystemResponse broken_resp;
  CHECK(hub.registry->RegisterSystem(Ctx().get(), broken, &broken_resp)
            .error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  broken.mutable_system()->mutable_adapter()->mutable_launch()->set_command(
      "revhub");
  REQUIRE(hub.registry->RegisterSystem(Ctx().get(), broken, &broken_resp).ok());
  int64_t waiting = hub.Ingest("broken", "Account",
                               Account("001W00000000001AAA", "Waiting Ltd"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(hub.Record(waiting).status() == v1::RECORD_STATUS_RECEIVED);
  CHECK(hub.pipeline
            ->DescribeSystemAdapter(
                Ctx().get(),
                [] {
                  v1::DescribeSystemAdapterRequest r;
                  r.set_system("broken");
                  return r;
                }(),
                &dresp)
            .error_code() == grpc::StatusCode::UNAVAILABLE);

  // Fixed by registering a working adapter: the waiting record is retried
  // at once, not after its backoff.
  hub.Register("broken", v1::SYSTEM_KIND_OTHER, "salesforce",
               kSalesforceConfig);
  const auto fixed_at = std::chrono::steady_clock::now();
  CHECK(hub.Settle(waiting) == v1::RECORD_STATUS_APPLIED);
  CHECK(std::chrono::steady_clock::now() - fixed_at < seconds(10));
  CHECK(hub.CustomerByRef("broken", "Account", "001W00000000001AAA").name() ==
        "Waiting Ltd");

  // A matching rule on a field customers cannot be matched on is refused.
  v1::RegisterSystemRequest bad_rule = Text<v1::RegisterSystemRequest>(
      R"(system { name: "bad" kind: SYSTEM_KIND_BILLING
                  matching_rules { entity_type: ENTITY_TYPE_CUSTOMER
                                   field: "shoe_size" } })");
  v1::RegisterSystemResponse bad_resp;
  auto st = hub.registry->RegisterSystem(Ctx().get(), bad_rule, &bad_resp);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(),
             Catch::StartsWith("system.matching_rules[0].field"));
}

TEST_CASE("a system whose adapter runs elsewhere is reached at its endpoint",
          "[pipeline][supervision]") {
  PipelineHub hub;
  RemoteAdapter stripe("stripe");
  v1::RegisterSystemRequest req;
  req.mutable_system()->set_name("stripe-remote");
  req.mutable_system()->set_kind(v1::SYSTEM_KIND_BILLING);
  req.mutable_system()->mutable_adapter()->set_endpoint(stripe.address());
  v1::RegisterSystemResponse resp;
  REQUIRE(hub.registry->RegisterSystem(Ctx().get(), req, &resp).ok());
  auto described = hub.Describe("stripe-remote");
  CHECK(described.description().adapter_name() == "stripe");
  CHECK(described.process().pid() == 0);
  CHECK(described.process().address() == stripe.address());
  int64_t id = hub.Ingest(
      "stripe-remote", "customer",
      R"({"id": "cus_Remote1", "object": "customer", "name": "Remote plc",
          "created": 1740000000})");
  REQUIRE(hub.Settle(id) == v1::RECORD_STATUS_APPLIED);
  CHECK(hub.CustomerByRef("stripe-remote", "customer", "cus_Remote1").name() ==
        "Remote plc");
}

}  // namespace
}  // namespace revhub::testing
