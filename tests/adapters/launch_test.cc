// What a registration may make the hub run and call, through a real revhubd:
// adapter commands only by name from --adapter-dir or the allow-list, env
// keys only from the allow-list, plaintext endpoints only on unix or
// loopback, TLS endpoints with a pinned certificate; and the channel to the
// adapters the hub runs (a unix socket in a 0700 folder, a per-launch token
// the adapter checks).
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "revhub/adapter/v1/adapter_service.grpc.pb.h"
#include "revhub/hub/v1/pipeline_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "tests/adapters/test_util.h"
#include "tests/support/hub_process.h"

using namespace revhub::testing;
namespace av1 = revhub::adapter::v1;
namespace hv1 = revhub::hub::v1;

namespace {

// A revhubd on a fresh data folder, with `args`.
struct LaunchHub {
  explicit LaunchHub(std::vector<std::string> args = {},
                     std::string data = "") {
    process = std::make_unique<HubProcess>(data.empty() ? dir.path() + "/data"
                                                        : data);
    process->set_extra_args(std::move(args));
    INFO(process->error());
    REQUIRE(process->Start());
    registry = hv1::SystemRegistryService::NewStub(process->channel());
    pipeline = hv1::PipelineService::NewStub(process->channel());
  }

  grpc::Status Register(const hv1::AdapterSpec& adapter,
                        const std::string& name = "sys") {
    hv1::RegisterSystemRequest req;
    req.set_replace_existing(true);
    req.mutable_system()->set_name(name);
    req.mutable_system()->set_kind(hv1::SYSTEM_KIND_OTHER);
    *req.mutable_system()->mutable_adapter() = adapter;
    hv1::RegisterSystemResponse resp;
    grpc::ClientContext ctx;
    return registry->RegisterSystem(&ctx, req, &resp);
  }

  grpc::Status Describe(const std::string& name,
                        hv1::DescribeSystemAdapterResponse* resp) {
    hv1::DescribeSystemAdapterRequest req;
    req.set_system(name);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(20));
    return pipeline->DescribeSystemAdapter(&ctx, req, resp);
  }

  TempDir dir;
  std::unique_ptr<HubProcess> process;
  std::unique_ptr<hv1::SystemRegistryService::Stub> registry;
  std::unique_ptr<hv1::PipelineService::Stub> pipeline;
};

hv1::AdapterSpec Launch(const std::string& command,
                        std::map<std::string, std::string> env = {}) {
  hv1::AdapterSpec spec;
  spec.mutable_launch()->set_command(command);
  for (const auto& [k, v] : env) (*spec.mutable_launch()->mutable_env())[k] = v;
  return spec;
}

hv1::AdapterSpec Endpoint(const std::string& endpoint) {
  hv1::AdapterSpec spec;
  spec.set_endpoint(endpoint);
  return spec;
}

// REQUIREs INVALID_ARGUMENT whose message names `field`; returns it.
std::string Refused(const grpc::Status& status, const std::string& field) {
  INFO(status.error_message());
  REQUIRE(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(absl::StrContains(status.error_message(), field));
  return status.error_message();
}

// The environment of process `pid`, as name -> value.
std::map<std::string, std::string> EnvironOf(pid_t pid) {
  std::string raw = ReadFile("/proc/" + std::to_string(pid) + "/environ");
  std::map<std::string, std::string> env;
  for (absl::string_view kv : absl::StrSplit(raw, '\0', absl::SkipEmpty())) {
    auto eq = kv.find('=');
    env[std::string(kv.substr(0, eq))] =
        eq == absl::string_view::npos ? "" : std::string(kv.substr(eq + 1));
  }
  return env;
}

bool BaseKey(const std::string& k) {
  static const std::set<std::string> kBase = {
      "PATH",        "HOME",          "TZ",          "LANG",
      "LANGUAGE",    "http_proxy",    "HTTP_PROXY",  "https_proxy",
      "HTTPS_PROXY", "no_proxy",      "NO_PROXY",    "all_proxy",
      "ALL_PROXY",   "SSL_CERT_FILE", "SSL_CERT_DIR"};
  return kBase.count(k) > 0 || absl::StartsWith(k, "LC_");
}

// Calls Describe on the adapter socket at `address` with `token` ("" for
// none); returns the status.
grpc::Status CallSocket(const std::string& address, const std::string& token) {
  auto stub = av1::AdapterService::NewStub(grpc::CreateChannel(
      "unix:" + address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  av1::DescribeRequest req;
  av1::DescribeResponse resp;
  return stub->Describe(&ctx, req, &resp);
}

// Checks what the hub gave the adapter of `system`: only allowed env keys
// (`extra` besides the base), its socket in a 0700 launch folder, and that
// a call without the token is refused.
void CheckLaunchedAdapter(LaunchHub& hub, const std::string& system,
                          const std::set<std::string>& extra) {
  hv1::DescribeSystemAdapterResponse described;
  grpc::Status st = hub.Describe(system, &described);
  INFO(st.error_message());
  REQUIRE(st.ok());
  const pid_t pid = described.process().pid();
  REQUIRE(pid > 0);
  const std::string socket = described.process().address();
  INFO("socket " << socket);
  CHECK(absl::StartsWith(
      socket, hub.dir.path() + "/data/run/adapters/" + system + "-"));
  CHECK(absl::EndsWith(socket, "/adapter.sock"));

  std::map<std::string, std::string> env = EnvironOf(pid);
  CHECK(env.count("REVHUB_ADAPTER_TOKEN") == 1);
  CHECK(env.count("HUB_ONLY_VARIABLE") == 0);
  for (const auto& [k, v] : env) {
    INFO("adapter env key " << k);
    CHECK((BaseKey(k) || k == "REVHUB_ADAPTER_TOKEN" || extra.count(k) > 0));
  }
  for (const std::string& k : extra) CHECK(env.count(k) == 1);
  // The token is on no command line.
  std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  CHECK_FALSE(absl::StrContains(cmdline, env["REVHUB_ADAPTER_TOKEN"]));

  struct stat folder {};
  std::string dir = std::filesystem::path(socket).parent_path().string();
  REQUIRE(stat(dir.c_str(), &folder) == 0);
  CHECK((folder.st_mode & 0777) == 0700);

  grpc::Status none = CallSocket(socket, "");
  INFO(none.error_message());
  CHECK(none.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status wrong = CallSocket(socket, std::string(64, 'a'));
  CHECK(wrong.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(CallSocket(socket, env["REVHUB_ADAPTER_TOKEN"]).ok());
}

void WriteExecutable(const std::string& path, const std::string& text,
                     mode_t mode) {
  WriteFile(path, text);
  REQUIRE(chmod(path.c_str(), mode) == 0);
}

}  // namespace

TEST_CASE("a launch command is a bare name that resolves in the adapter dir",
          "[launch]") {
  LaunchHub hub;
  for (const std::string& path :
       {BinPath("revhub-adapter-stripe"), std::string("/bin/sh"),
        std::string("bin/revhub-adapter-stripe"),
        std::string("../bin/revhub-adapter-stripe"), std::string(".."),
        std::string("..revhub-adapter-stripe")}) {
    INFO(path);
    Refused(hub.Register(Launch(path)), "system.adapter.launch.command");
  }
  std::string unknown = Refused(hub.Register(Launch("revhub-adapter-nope")),
                                "system.adapter.launch.command");
  // It says where it looked: revhubd's own folder by default.
  CHECK(absl::StrContains(unknown, BinDir()));
  CHECK(absl::StrContains(unknown, "revhub-adapter-nope"));

  REQUIRE(hub.Register(Launch("revhub-adapter-stripe")).ok());
  hv1::DescribeSystemAdapterResponse described;
  REQUIRE(hub.Describe("sys", &described).ok());
  CHECK(described.description().adapter_name() == "stripe");
}

TEST_CASE(
    "the allow-list names commands; other folders and loose files are not used",
    "[launch]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/adapters";
  std::filesystem::create_directory(dir);
  std::string allowlist = tmp.path() + "/allow.json";
  WriteFile(allowlist, R"({"stripe-alias": {"command": ")" +
                           BinPath("revhub-adapter-stripe") +
                           R"(", "args": []}})");
  WriteExecutable(dir + "/loose-adapter", "#!/bin/sh\nexit 0\n", 0777);
  WriteExecutable(dir + "/not-executable", "#!/bin/sh\nexit 0\n", 0644);
  LaunchHub hub({"--adapter-dir", dir, "--adapter-allowlist", allowlist});

  REQUIRE(hub.Register(Launch("stripe-alias")).ok());
  hv1::DescribeSystemAdapterResponse described;
  REQUIRE(hub.Describe("sys", &described).ok());
  CHECK(described.description().adapter_name() == "stripe");

  // revhubd's own folder is not searched once --adapter-dir is given.
  std::string refused = Refused(hub.Register(Launch("revhub-adapter-stripe")),
                                "system.adapter.launch.command");
  CHECK(absl::StrContains(refused, dir));
  CHECK(absl::StrContains(refused, allowlist));
  CHECK(absl::StrContains(Refused(hub.Register(Launch("loose-adapter")),
                                  "system.adapter.launch.command"),
                          "writable by group or others"));
  CHECK(absl::StrContains(Refused(hub.Register(Launch("not-executable")),
                                  "system.adapter.launch.command"),
                          "not executable"));
}

TEST_CASE("registration env keys come from the allow-list, never LD_*",
          "[launch]") {
  LaunchHub hub;
  for (const std::string key : {"LD_PRELOAD", "LD_LIBRARY_PATH", "NODE_OPTIONS",
                                "GCONV_PATH", "DYLD_INSERT_LIBRARIES", "PATH",
                                "REVHUB_ADAPTER_TOKEN", "SOME_UNLISTED_KEY"}) {
    INFO(key);
    Refused(hub.Register(Launch("revhub-adapter-stripe", {{key, "x"}})),
            "system.adapter.launch.env[" + key + "]");
  }
  CHECK(hub.Register(Launch("revhub-adapter-stripe", {{"REVHUB_MODE", "x"}}))
            .ok());

  LaunchHub custom({"--adapter-env-allow", "STRIPE_*"});
  CHECK(custom.Register(Launch("revhub-adapter-stripe", {{"STRIPE_X", "1"}}))
            .ok());
  Refused(custom.Register(Launch("revhub-adapter-stripe", {{"REVHUB_X", "1"}})),
          "system.adapter.launch.env[REVHUB_X]");
}

TEST_CASE(
    "a launched adapter gets only allowed env, a 0700 socket folder and "
    "refuses calls without its token",
    "[launch]") {
  setenv("HUB_ONLY_VARIABLE", "not for adapters", 1);
  LaunchHub hub;
  unsetenv("HUB_ONLY_VARIABLE");
  REQUIRE(hub.Register(Launch("revhub-adapter-stripe", {{"REVHUB_MODE", "x"}}),
                       "stripe")
              .ok());
  CheckLaunchedAdapter(hub, "stripe", {"REVHUB_MODE"});

  if (std::filesystem::exists(BinPath("revhub-adapter-hubspot"))) {
    REQUIRE(hub.Register(Launch("revhub-adapter-hubspot"), "hubspot").ok());
    // The wrapper (operator-owned) sets NODE_PATH, and its shell PWD.
    CheckLaunchedAdapter(hub, "hubspot", {"NODE_PATH", "PWD"});
  } else {
    WARN("node not found at configure time: the Node adapter is not checked");
  }

  // The launch folder goes with the process.
  hv1::DescribeSystemAdapterResponse described;
  REQUIRE(hub.Describe("stripe", &described).ok());
  std::string folder =
      std::filesystem::path(described.process().address()).parent_path();
  REQUIRE(hub.process->Stop() == 0);
  CHECK_FALSE(std::filesystem::exists(folder));
}

TEST_CASE("a data folder too deep for a socket path uses a private temp folder",
          "[launch]") {
  TempDir tmp;
  std::string data =
      tmp.path() + "/" + std::string(60, 'd') + "/" + std::string(60, 'e');
  LaunchHub hub({}, data);
  REQUIRE(hub.Register(Launch("revhub-adapter-stripe"), "stripe").ok());
  hv1::DescribeSystemAdapterResponse described;
  REQUIRE(hub.Describe("stripe", &described).ok());
  std::string socket = described.process().address();
  INFO(socket);
  CHECK(socket.size() <= 107);
  CHECK(absl::StrContains(socket, "/revhub-adapter-"));
  std::string folder = std::filesystem::path(socket).parent_path();
  struct stat st {};
  REQUIRE(stat(folder.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(CallSocket(socket, "").error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);
  REQUIRE(hub.process->Stop() == 0);
  CHECK_FALSE(std::filesystem::exists(folder));
}

TEST_CASE("plaintext endpoints only on unix or loopback", "[launch]") {
  LaunchHub hub;
  for (const std::string e :
       {"10.1.2.3:50051", "adapters.example.com:443", "0.0.0.0:50051",
        "128.0.0.1:1", "unix:relative/path", "127.0.0.1"}) {
    INFO(e);
    Refused(hub.Register(Endpoint(e)), "system.adapter.endpoint");
  }
  for (const std::string e : {"127.0.0.1:9", "127.1.2.3:9", "localhost:9",
                              "[::1]:9", "unix:/tmp/adapter.sock"}) {
    INFO(e);
    CHECK(hub.Register(Endpoint(e)).ok());
  }
  hv1::AdapterSpec tls;
  tls.mutable_tls_endpoint()->set_address("adapters.example.com:443");
  Refused(hub.Register(tls),
          "system.adapter.tls_endpoint.pinned_certificate_pem");
  tls.mutable_tls_endpoint()->set_address("adapters.example.com");
  tls.mutable_tls_endpoint()->set_pinned_certificate_pem(
      "-----BEGIN CERTIFICATE-----\n");
  Refused(hub.Register(tls), "system.adapter.tls_endpoint.address");
}

namespace {

// A self-signed certificate for 127.0.0.1 and localhost, made with the
// openssl command; `key` and `cert` are PEM.
void SelfSigned(const std::string& dir, const std::string& name,
                std::string* key, std::string* cert) {
  std::string key_path = dir + "/" + name + ".key";
  std::string cert_path = dir + "/" + name + ".crt";
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
      "-nodes -days 1 -subj /CN=localhost -addext "
      "subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
      key_path + " -out " + cert_path + " 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  *key = ReadFile(key_path);
  *cert = ReadFile(cert_path);
}

// An adapter served over TLS by the test: Describe names it.
class TlsAdapter final : public av1::AdapterService::Service {
 public:
  TlsAdapter(const std::string& key, const std::string& cert) {
    grpc::SslServerCredentialsOptions tls;
    tls.pem_key_cert_pairs.push_back({key, cert});
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(tls),
                             &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
    REQUIRE(port_ > 0);
  }
  ~TlsAdapter() override { server_->Shutdown(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // av1::AdapterService::Service
  grpc::Status Describe(grpc::ServerContext*, const av1::DescribeRequest*,
                        av1::DescribeResponse* resp) override {
    resp->set_adapter_name("tls-adapter");
    return grpc::Status::OK;
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace

TEST_CASE("a TLS endpoint is called only with its pinned certificate",
          "[launch]") {
  TempDir tmp;
  std::string key, cert, other_key, other_cert;
  SelfSigned(tmp.path(), "adapter", &key, &cert);
  SelfSigned(tmp.path(), "other", &other_key, &other_cert);
  TlsAdapter adapter(key, cert);
  LaunchHub hub;

  hv1::AdapterSpec pinned;
  pinned.mutable_tls_endpoint()->set_address(adapter.address());
  pinned.mutable_tls_endpoint()->set_pinned_certificate_pem(cert);
  REQUIRE(hub.Register(pinned, "pinned").ok());
  hv1::DescribeSystemAdapterResponse described;
  grpc::Status st = hub.Describe("pinned", &described);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(described.description().adapter_name() == "tls-adapter");

  hv1::AdapterSpec wrong = pinned;
  wrong.mutable_tls_endpoint()->set_pinned_certificate_pem(other_cert);
  REQUIRE(hub.Register(wrong, "wrong-pin").ok());
  hv1::DescribeSystemAdapterResponse refused;
  grpc::Status bad = hub.Describe("wrong-pin", &refused);
  INFO(bad.error_message());
  CHECK_FALSE(bad.ok());
  CHECK(refused.description().adapter_name().empty());
}
