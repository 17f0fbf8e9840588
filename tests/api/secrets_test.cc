// Secret configuration fields against a real revhubd: never returned by
// the API or the CLI, never in the database's bytes, sealed with the
// secrets key or kept as env:/file: references, resolved only for the
// adapter (whose calls that need the secret succeed), the key's checks and
// its rotation, and the data folder's modes.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "tests/support/auth.h"
#include "tests/support/files.h"
#include "tests/support/hub_fixture.h"
#include "tests/support/netsuite_emulator.h"
#include "tests/support/run.h"

namespace revhub::testing {
namespace {

namespace fs = std::filesystem;

const char kStripeKey[] = "sk_test_51StripeSecretKeyValue7731";
const char kWebhookSecret[] = "whsec_WebhookSigningSecret5520";
const char kNetSuiteToken[] = "ns-access-token-8841-secret";

// Stripe with both secret fields set to literals.
v1::RegisterSystemRequest Stripe(const std::string& name,
                                 const std::string& secret_key) {
  return AdapterSystem(
      name, v1::SYSTEM_KIND_BILLING, "stripe",
      absl::StrCat(R"(fields { key: "secret_key" value { string_value: ")",
                   secret_key, R"(" } }
                   fields { key: "webhook_secret" value { string_value: ")",
                   kWebhookSecret, R"(" } }
                   fields { key: "default_currency" value { string_value: "USD" } })"));
}

// NetSuite at the emulator, its access token `token` (a literal or a
// reference).
v1::RegisterSystemRequest NetSuite(const NetSuiteEmulator& emulator,
                                   const std::string& token) {
  return AdapterSystem(
      "netsuite", v1::SYSTEM_KIND_ERP, "netsuite",
      absl::StrCat(R"(fields { key: "base_url" value { string_value: ")",
                   emulator.base_url(), R"(" } }
                   fields { key: "access_token" value { string_value: ")",
                   token, R"(" } })"));
}

// Every byte of `message`, in binary and as text and JSON.
std::string AllForms(const google::protobuf::Message& message) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json);
  return message.SerializeAsString() + message.DebugString() + json;
}

void CheckNoSecret(const std::string& text) {
  CHECK(text.find(kStripeKey) == std::string::npos);
  CHECK(text.find(kWebhookSecret) == std::string::npos);
  CHECK(text.find(kNetSuiteToken) == std::string::npos);
}

// The database's files, WAL and shared memory included, as one string.
std::string DatabaseBytes(const std::string& data_dir) {
  std::string all;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string path = data_dir + "/revhub.db" + suffix;
    if (fs::exists(path)) all += ReadFile(path);
  }
  return all;
}

int ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

v1::CheckSystemAdapterResponse CheckAdapter(Hub& hub, const std::string& name,
                                            grpc::Status* status) {
  v1::CheckSystemAdapterRequest req;
  req.set_system(name);
  v1::CheckSystemAdapterResponse resp;
  *status = hub.pipeline->CheckSystemAdapter(Ctx().get(), req, &resp);
  return resp;
}

// Writes `text` to `path` with `mode`.
void WriteSecretFile(const std::string& path, const std::string& text,
                     int mode) {
  WriteFile(path, text);
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

TEST_CASE("secret fields are never returned, printed or stored in clear",
          "[secrets]") {
  NetSuiteEmulator emulator(kNetSuiteToken);
  Hub hub;
  const std::string data = hub.dir.path();

  auto registered =
      CallOk(*hub.registry, &v1::SystemRegistryService::Stub::RegisterSystem,
             Stripe("stripe", kStripeKey));
  CheckNoSecret(AllForms(registered));
  const v1::System& stripe = registered.system();
  CHECK(stripe.config().fields().count("secret_key") == 0);
  CHECK(stripe.config().fields().count("webhook_secret") == 0);
  CHECK(stripe.config().fields().at("default_currency").string_value() ==
        "USD");
  REQUIRE(stripe.secrets().count("secret_key") == 1);
  const v1::SecretState key_state = stripe.secrets().at("secret_key");
  CHECK(key_state.set());
  CHECK(key_state.source() == v1::SECRET_SOURCE_SEALED);
  CHECK(key_state.fingerprint().size() == 8);
  CHECK(stripe.secrets().at("webhook_secret").set());

  auto ns =
      CallOk(*hub.registry, &v1::SystemRegistryService::Stub::RegisterSystem,
             NetSuite(emulator, kNetSuiteToken));
  CheckNoSecret(AllForms(ns));
  CHECK(ns.system().secrets().at("access_token").set());

  // Get and List show the state, never the value.
  v1::GetSystemRequest get;
  get.set_name("stripe");
  auto got =
      CallOk(*hub.registry, &v1::SystemRegistryService::Stub::GetSystem, get);
  CheckNoSecret(AllForms(got));
  CHECK(got.system().secrets().at("secret_key").fingerprint() ==
        key_state.fingerprint());
  v1::ListSystemsRequest list;
  auto listed = CallOk(*hub.registry,
                       &v1::SystemRegistryService::Stub::ListSystems, list);
  CHECK(listed.systems_size() == 2);
  CheckNoSecret(AllForms(listed));
  for (const v1::System& s : listed.systems()) CHECK(!s.secrets().empty());

  // The adapter still receives the secret: the emulator accepts only this
  // token, and the hub's answer does not repeat it.
  grpc::Status st;
  auto checked = CheckAdapter(hub, "netsuite", &st);
  REQUIRE_GRPC_OK(st);
  CHECK(checked.check().outcome() == adapter::v1::CHECK_OUTCOME_OK);
  CheckNoSecret(AllForms(checked));

  // The CLI prints the state and the fingerprint.
  TempDir scratch;
  for (std::vector<std::string> args :
       {std::vector<std::string>{"systems", "get", "stripe"},
        {"systems", "get", "netsuite"},
        {"systems", "list"},
        {"--json", "systems", "get", "stripe"}}) {
    args.insert(args.begin(),
                {BinDir() + "/revhub", "--hub", hub.process->address(),
                 "--token", ReadAdminToken(hub.dir.path())});
    RunResult r = RunProgram(args, scratch.path());
    INFO(args.back() << ": " << r.out << r.err);
    CHECK(r.code == 0);
    CheckNoSecret(r.out + r.err);
  }
  {
    RunResult r = RunProgram(
        {BinDir() + "/revhub", "--hub", hub.process->address(), "--token",
         ReadAdminToken(hub.dir.path()), "systems", "get", "stripe"},
        scratch.path());
    CHECK_THAT(r.out, Catch::Contains("secret_key: set, sealed, fingerprint " +
                                      key_state.fingerprint()));
  }

  // Equal values have equal fingerprints; others do not.
  auto same =
      CallOk(*hub.registry, &v1::SystemRegistryService::Stub::RegisterSystem,
             Stripe("stripe-eu", kStripeKey));
  CHECK(same.system().secrets().at("secret_key").fingerprint() ==
        key_state.fingerprint());
  auto other =
      CallOk(*hub.registry, &v1::SystemRegistryService::Stub::RegisterSystem,
             Stripe("stripe-uk", "sk_test_51AnotherKeyAltogether"));
  CHECK(other.system().secrets().at("secret_key").fingerprint() !=
        key_state.fingerprint());

  // Not in the database's bytes, WAL included, while the hub runs and
  // after it stopped; the folder and the files are owner-only.
  CheckNoSecret(DatabaseBytes(data));
  CHECK(ModeOf(data) == 0700);
  CHECK(ModeOf(data + "/revhub.db") == 0600);
  if (fs::exists(data + "/revhub.db-wal"))
    CHECK(ModeOf(data + "/revhub.db-wal") == 0600);
  if (fs::exists(data + "/revhub.db-shm"))
    CHECK(ModeOf(data + "/revhub.db-shm") == 0600);
  hub.Restart();
  CheckNoSecret(DatabaseBytes(data));

  // After a restart the adapter still gets the secret.
  checked = CheckAdapter(hub, "netsuite", &st);
  REQUIRE_GRPC_OK(st);
  CHECK(checked.check().outcome() == adapter::v1::CHECK_OUTCOME_OK);

  // The Check above depends on the token: another one is refused.
  CallOk(*hub.registry, &v1::SystemRegistryService::Stub::RegisterSystem,
         NetSuite(emulator, "ns-some-other-token-0000"));
  checked = CheckAdapter(hub, "netsuite", &st);
  REQUIRE_GRPC_OK(st);
  CHECK(checked.check().outcome() ==
        adapter::v1::CHECK_OUTCOME_UNAUTHENTICATED);
}

TEST_CASE("a replacing registration keeps an omitted secret; null clears it",
          "[secrets]") {
  Hub hub;
  auto first =
      CallOk(*hub.registry, &v1::SystemRegistryService::Stub::RegisterSystem,
             Stripe("stripe", kStripeKey));
  const std::string fingerprint =
      first.system().secrets().at("secret_key").fingerprint();

  // The same registration again changes nothing.
  auto again =
      CallOk(*hub.registry, &v1::SystemRegistryService::Stub::RegisterSystem,
             Stripe("stripe", kStripeKey));
  CHECK(again.unchanged());

  // A platform team changes a setting without holding the secrets.
  v1::RegisterSystemRequest change = AdapterSystem(
      "stripe", v1::SYSTEM_KIND_BILLING, "stripe",
      R"(fields { key: "default_currency" value { string_value: "EUR" } })");
  auto changed = CallOk(
      *hub.registry, &v1::SystemRegistryService::Stub::RegisterSystem, change);
  CHECK_FALSE(changed.unchanged());
  CHECK(changed.system().version() == 2);
  CHECK(changed.system().secrets().at("secret_key").set());
  CHECK(changed.system().secrets().at("secret_key").fingerprint() ==
        fingerprint);
  CHECK(changed.system().secrets().at("webhook_secret").set());

  // null clears one explicitly.
  v1::RegisterSystemRequest clear = AdapterSystem(
      "stripe", v1::SYSTEM_KIND_BILLING, "stripe",
      R"(fields { key: "default_currency" value { string_value: "EUR" } }
         fields { key: "webhook_secret" value { null_value: NULL_VALUE } })");
  auto cleared = CallOk(
      *hub.registry, &v1::SystemRegistryService::Stub::RegisterSystem, clear);
  CHECK(cleared.system().version() == 3);
  CHECK_FALSE(cleared.system().secrets().at("webhook_secret").set());
  CHECK(cleared.system().secrets().at("secret_key").set());
}

TEST_CASE("env: and file: references resolve when the adapter is called",
          "[secrets]") {
  NetSuiteEmulator emulator(kNetSuiteToken);
  TempDir secrets_dir;
  ::setenv("REVHUB_TEST_NETSUITE_TOKEN", kNetSuiteToken, 1);
  // References need no secrets key.
  TempDir dir;
  HubProcess process(dir.path() + "/data");
  process.set_default_secrets_key(false);
  INFO(process.error());
  REQUIRE(process.Start());
  v1::SystemRegistryService::Stub registry(process.channel());
  v1::PipelineService::Stub pipeline(process.channel());
  auto check = [&](grpc::Status* st) {
    v1::CheckSystemAdapterRequest req;
    req.set_system("netsuite");
    v1::CheckSystemAdapterResponse resp;
    *st = pipeline.CheckSystemAdapter(Ctx().get(), req, &resp);
    CheckNoSecret(AllForms(resp) + st->error_message());
    return resp;
  };
  grpc::Status st;

  SECTION("env:NAME") {
    auto reg =
        CallOk(registry, &v1::SystemRegistryService::Stub::RegisterSystem,
               NetSuite(emulator, "env:REVHUB_TEST_NETSUITE_TOKEN"));
    const auto& state = reg.system().secrets().at("access_token");
    CHECK(state.set());
    CHECK(state.source() == v1::SECRET_SOURCE_ENV);
    CHECK(state.reference() == "env:REVHUB_TEST_NETSUITE_TOKEN");
    auto resp = check(&st);
    REQUIRE_GRPC_OK(st);
    CHECK(resp.check().outcome() == adapter::v1::CHECK_OUTCOME_OK);

    CallOk(registry, &v1::SystemRegistryService::Stub::RegisterSystem,
           NetSuite(emulator, "env:REVHUB_TEST_NOT_SET_ANYWHERE"));
    check(&st);
    CHECK(st.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK_THAT(st.error_message(), Catch::Contains("config.access_token"));
    CHECK_THAT(st.error_message(),
               Catch::Contains("REVHUB_TEST_NOT_SET_ANYWHERE"));
  }
  SECTION("file:PATH") {
    const std::string path = secrets_dir.path() + "/netsuite.token";
    WriteSecretFile(path, std::string(kNetSuiteToken) + "\n", 0600);
    auto reg =
        CallOk(registry, &v1::SystemRegistryService::Stub::RegisterSystem,
               NetSuite(emulator, "file:" + path));
    CHECK(reg.system().secrets().at("access_token").source() ==
          v1::SECRET_SOURCE_FILE);
    auto resp = check(&st);
    REQUIRE_GRPC_OK(st);
    CHECK(resp.check().outcome() == adapter::v1::CHECK_OUTCOME_OK);

    // A file others may read is refused when it is read.
    REQUIRE(::chmod(path.c_str(), 0644) == 0);
    check(&st);
    CHECK(st.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK_THAT(st.error_message(), Catch::Contains("config.access_token"));
    CHECK_THAT(st.error_message(), Catch::Contains("chmod 600"));
  }
  CheckNoSecret(DatabaseBytes(dir.path() + "/data"));
  // The hub made its data folder owner-only.
  CHECK(ModeOf(dir.path() + "/data") == 0700);
  ::unsetenv("REVHUB_TEST_NETSUITE_TOKEN");
}

TEST_CASE("a literal secret without a secrets key is refused, naming the field",
          "[secrets]") {
  TempDir dir;
  HubProcess process(dir.path());
  process.set_default_secrets_key(false);
  INFO(process.error());
  REQUIRE(process.Start());
  v1::SystemRegistryService::Stub registry(process.channel());
  v1::RegisterSystemResponse resp;
  grpc::Status st =
      registry.RegisterSystem(Ctx().get(), Stripe("stripe", kStripeKey), &resp);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(), Catch::Contains("system.config."));
  CHECK_THAT(st.error_message(), Catch::Contains("--secrets-key-file"));
  CHECK_THAT(st.error_message(), Catch::Contains("env:NAME"));
  CheckNoSecret(st.error_message());
  CheckNoSecret(DatabaseBytes(dir.path()));
}

// Runs revhubd on `data_dir` with `args` until it serves or exits; returns
// its exit code (-1: it came up and was stopped) and output.
RunResult RunHub(const std::string& data_dir, std::vector<std::string> args,
                 const std::string& scratch) {
  args.insert(args.begin(),
              {BinDir() + "/revhubd", "--insecure-loopback", "--listen",
               "127.0.0.1:0", "--data-dir", data_dir});
  return RunProgram(args, scratch, "/dev/null", std::chrono::seconds(3));
}

TEST_CASE("the secrets key: wrong key refused at start, rotation re-encrypts",
          "[secrets]") {
  NetSuiteEmulator emulator(kNetSuiteToken);
  TempDir keys;
  const std::string old_key = keys.path() + "/old.key";
  const std::string new_key = keys.path() + "/new.key";
  REQUIRE(EnsureSecretsKeyFile(old_key));
  REQUIRE(EnsureSecretsKeyFile(new_key));
  Hub hub({"--secrets-key-file", old_key});
  const std::string data = hub.dir.path();
  CallOk(*hub.registry, &v1::SystemRegistryService::Stub::RegisterSystem,
         NetSuite(emulator, kNetSuiteToken));
  REQUIRE(hub.process->Stop() == 0);
  TempDir scratch;

  // A key file group or others may read is refused.
  const std::string loose = keys.path() + "/loose.key";
  WriteSecretFile(loose, ReadFile(old_key), 0644);
  RunResult r = RunHub(data, {"--secrets-key-file", loose}, scratch.path());
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("--secrets-key-file"));
  CHECK_THAT(r.err, Catch::Contains("chmod 600"));

  // A key file that is no key.
  const std::string bad = keys.path() + "/bad.key";
  WriteSecretFile(bad, "not a key\n", 0600);
  r = RunHub(data, {"--secrets-key-file", bad}, scratch.path());
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("32 random bytes"));

  // Another key, or none: the hub does not start, and says why.
  r = RunHub(data, {"--secrets-key-file", new_key}, scratch.path());
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("config.access_token"));
  CHECK_THAT(r.err, Catch::Contains("--previous-secrets-key-file"));
  r = RunHub(data, {}, scratch.path());
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("no --secrets-key-file"));

  // Rotation: the new key, the old one as previous.
  REQUIRE(hub.RestartWith(
      {"--secrets-key-file", new_key, "--previous-secrets-key-file", old_key}));
  grpc::Status st;
  auto checked = CheckAdapter(hub, "netsuite", &st);
  REQUIRE_GRPC_OK(st);
  CHECK(checked.check().outcome() == adapter::v1::CHECK_OUTCOME_OK);
  // The new key alone now opens every value; the old one no longer does.
  REQUIRE(hub.RestartWith({"--secrets-key-file", new_key}));
  checked = CheckAdapter(hub, "netsuite", &st);
  REQUIRE_GRPC_OK(st);
  CHECK(checked.check().outcome() == adapter::v1::CHECK_OUTCOME_OK);
  REQUIRE(hub.process->Stop() == 0);
  r = RunHub(data, {"--secrets-key-file", old_key}, scratch.path());
  CHECK(r.code == 1);
  CheckNoSecret(DatabaseBytes(data));
}

TEST_CASE("a data folder open to group or others is refused", "[secrets]") {
  TempDir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  TempDir scratch;
  RunResult r = RunHub(dir.path(), {}, scratch.path());
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("chmod 700"));
}

}  // namespace
}  // namespace revhub::testing
