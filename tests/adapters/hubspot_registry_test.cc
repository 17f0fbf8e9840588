// The README's registration of the Node HubSpot adapter, end to end: the
// `revhub systems register … --command revhub-adapter-hubspot` command line
// against a real revhubd (whose default adapter folder, build/bin, holds
// the wrapper the build makes), then the adapter started from the stored
// registration (command resolved in that folder, configuration) through the
// AdapterHost and called.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "tests/adapters/test_util.h"
#include "tests/support/auth.h"
#include "tests/support/hub_process.h"

using namespace revhub::testing;
namespace av1 = revhub::adapter::v1;
namespace hv1 = revhub::hub::v1;

namespace {

// Runs build/bin/revhub with `args`; returns its exit code and appends its
// stdout and stderr to `output`.
int RunCli(const std::vector<std::string>& args, std::string* output) {
  std::string bin = BinPath("revhub");
  int out[2];
  REQUIRE(pipe(out) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    close(out[0]);
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(out[1]);
  char buf[512];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) output->append(buf, n);
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE(
    "the HubSpot adapter registered with revhub systems register starts from "
    "its registration",
    "[hubspot]") {
  TempDir dir;
  HubProcess hub(dir.path() + "/data");
  REQUIRE(hub.Start());
  std::string config_path = dir.path() + "/hubspot.json";
  WriteFile(config_path,
            R"({"portal_id": 147893286, "default_currency": "EUR"})");

  // As in examples/adapters/hubspot-node/README.md.
  std::string output;
  int rc = RunCli(
      {"--hub", hub.address(), "--token", ReadAdminToken(dir.path() + "/data"),
       "systems", "register", "--name", "hubspot", "--kind", "crm", "--command",
       "revhub-adapter-hubspot", "--config-file", config_path,
       "--authoritative-for", "customer"},
      &output);
  INFO(output);
  REQUIRE(rc == 0);

  auto registry = hv1::SystemRegistryService::NewStub(hub.channel());
  grpc::ClientContext ctx;
  hv1::GetSystemRequest get;
  get.set_name("hubspot");
  hv1::GetSystemResponse got;
  REQUIRE(registry->GetSystem(&ctx, get, &got).ok());
  const hv1::System& system = got.system();
  CHECK(system.kind() == hv1::SYSTEM_KIND_CRM);
  REQUIRE(system.adapter().has_launch());
  const auto& launch = system.adapter().launch();
  CHECK(launch.command() == "revhub-adapter-hubspot");
  CHECK(launch.args_size() == 0);
  CHECK(launch.env_size() == 0);

  // The registration and the hub's adapter folder are all the host needs
  // to run the adapter.
  revhub::hub::AdapterLaunchSpec spec;
  spec.command = BinPath(launch.command());
  auto host = revhub::hub::AdapterHost::Start(spec, FastOptions());
  REQUIRE(host.ok());
  auto described = (*host)->Describe();
  REQUIRE(described.ok());
  CHECK(described->adapter_name() == "hubspot");

  av1::CheckRequest check;
  check.set_system(system.name());
  *check.mutable_config() = system.config();
  auto checked = (*host)->Check(check);
  REQUIRE(checked.ok());
  // No token registered: the adapter says what Check needs.
  CHECK(checked->outcome() == av1::CHECK_OUTCOME_INVALID_CONFIG);
  CHECK(checked->config_errors(0).field_path() == "config.access_token");

  av1::TranslateRequest translate;
  translate.set_system(system.name());
  *translate.mutable_config() = system.config();
  translate.mutable_record()->set_object_type("deals");
  translate.mutable_record()->set_record_key("rec-1");
  translate.mutable_record()->set_payload(ReadFile(
      std::string(REVHUB_GOLDEN_DIR) + "/hubspot/deals_search_response.json"));
  auto translated = (*host)->Translate(translate);
  REQUIRE(translated.ok());
  const auto& result = translated->result();
  REQUIRE(result.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED);
  REQUIRE(result.entities_size() == 2);
  CHECK(result.entities(0).contract().external_refs(0).system() == "hubspot");
  // The second deal has no currency: the registered default applies.
  CHECK(result.entities(1).contract().currency_code() == "EUR");
  (*host)->Shutdown();
  CHECK(hub.Stop() == 0);
}
