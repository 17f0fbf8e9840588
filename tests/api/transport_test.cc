// The hub's transport: TLS with certificates from `revhub certs init`,
// mTLS where a verified certificate's common name names the principal, and
// the refusal to serve plaintext anywhere but loopback, and there only when
// asked.
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "revhub/hub/v1/principal_service.grpc.pb.h"
#include "tests/support/auth.h"
#include "tests/support/files.h"
#include "tests/support/hub_fixture.h"
#include "tests/support/run.h"

namespace revhub::testing {
namespace {

// `revhub certs init --out DIR --client NAME...`; REQUIREs success.
void MakeCerts(const std::string& dir, const std::vector<std::string>& clients,
               const std::string& scratch) {
  std::vector<std::string> argv = {
      BinDir() + "/revhub", "certs", "init", "--out", dir, "--host",
      "hub.example"};
  for (const std::string& c : clients) {
    argv.push_back("--client");
    argv.push_back(c);
  }
  RunResult r = RunProgram(argv, scratch);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
}

std::shared_ptr<grpc::Channel> TlsChannel(const std::string& address,
                                          const std::string& certs,
                                          const std::string& client,
                                          const std::string& token) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(certs + "/ca.crt");
  if (!client.empty()) {
    ssl.pem_cert_chain = ReadFile(certs + "/" + client + ".crt");
    ssl.pem_private_key = ReadFile(certs + "/" + client + ".key");
  }
  return TokenChannel(address, token, grpc::SslCredentials(ssl));
}

grpc::Status ListSystems(const std::shared_ptr<grpc::Channel>& channel) {
  auto registry = v1::SystemRegistryService::NewStub(channel);
  v1::ListSystemsResponse resp;
  auto ctx = Ctx();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return registry->ListSystems(ctx.get(), v1::ListSystemsRequest(), &resp);
}

struct TlsHub {
  TempDir scratch;
  std::string certs = scratch.path() + "/certs";
  TempDir data;
  HubProcess process{data.path()};

  // Serves TLS; with `client_ca` verifies client certificates against the
  // CA too (demanding them with `require`).
  explicit TlsHub(bool client_ca = false, bool require = false) {
    MakeCerts(certs, {"ops-cert", "stranger"}, scratch.path());
    std::vector<std::string> args = {"--tls-cert", certs + "/server.crt",
                                     "--tls-key", certs + "/server.key"};
    if (client_ca) {
      args.insert(args.end(), {"--tls-client-ca", certs + "/ca.crt"});
    }
    if (require) args.push_back("--require-client-cert");
    process.set_extra_args(args);
    bool started = process.Start();
    INFO(process.error());
    REQUIRE(started);
  }
};

TEST_CASE("revhub certs init makes keys only the owner reads", "[transport]") {
  TempDir scratch;
  const std::string dir = scratch.path() + "/certs";
  MakeCerts(dir, {"alice"}, scratch.path());
  for (const char* file : {"ca.key", "server.key", "alice.key"}) {
    struct stat st {};
    REQUIRE(stat((dir + "/" + file).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  CHECK_THAT(ReadFile(dir + "/alice.crt"),
             Catch::StartsWith("-----BEGIN CERTIFICATE-----"));
  // A CA is never overwritten.
  RunResult again = RunProgram(
      {BinDir() + "/revhub", "certs", "init", "--out", dir}, scratch.path());
  CHECK(again.code != 0);
  CHECK_THAT(again.err, Catch::Contains("already holds ca.key"));
}

TEST_CASE("over TLS: the CA and a token work, plaintext is refused",
          "[transport][tls]") {
  TlsHub hub;
  const std::string token = ReadAdminToken(hub.data.path());
  REQUIRE_GRPC_OK(
      ListSystems(TlsChannel(hub.process.address(), hub.certs, "", token)));
  // TLS is no credential by itself.
  CHECK(ListSystems(TlsChannel(hub.process.address(), hub.certs, "", ""))
            .error_code() == grpc::StatusCode::UNAUTHENTICATED);
  // A plaintext client does not get through.
  CHECK(ListSystems(TokenChannel(hub.process.address(), token)).error_code() ==
        grpc::StatusCode::UNAVAILABLE);

  // The CLI with --ca and --token.
  TempDir scratch;
  RunResult cli =
      RunProgram({BinDir() + "/revhub", "--hub", hub.process.address(), "--ca",
                  hub.certs + "/ca.crt", "--token", token, "systems", "list"},
                 scratch.path());
  INFO(cli.err);
  CHECK(cli.code == 0);
  RunResult plain =
      RunProgram({BinDir() + "/revhub", "--hub", hub.process.address(),
                  "--token", token, "systems", "list", "--timeout", "3"},
                 scratch.path());
  CHECK(plain.code == 3);  // unreachable
}

TEST_CASE("mTLS: a verified certificate's common name is the principal",
          "[transport][mtls]") {
  TlsHub hub(/*client_ca=*/true);
  const std::string address = hub.process.address();
  const std::string admin = ReadAdminToken(hub.data.path());
  // ops-cert is a principal (auditor); stranger has a certificate from the
  // same CA but is no principal.
  auto principals =
      v1::PrincipalService::NewStub(TlsChannel(address, hub.certs, "", admin));
  v1::CreatePrincipalRequest create;
  create.set_name("ops-cert");
  create.set_role(v1::ROLE_AUDITOR);
  v1::CreatePrincipalResponse made;
  REQUIRE_GRPC_OK(principals->CreatePrincipal(Ctx().get(), create, &made));

  auto as_cert = TlsChannel(address, hub.certs, "ops-cert", "");
  REQUIRE_GRPC_OK(ListSystems(as_cert));
  auto registry = v1::SystemRegistryService::NewStub(as_cert);
  v1::RegisterSystemResponse registered;
  grpc::Status denied = registry->RegisterSystem(
      Ctx().get(),
      Text<v1::RegisterSystemRequest>(
          R"pb(system { name: "crm" kind: SYSTEM_KIND_CRM })pb"),
      &registered);
  CHECK(denied.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK_THAT(denied.error_message(),
             Catch::Contains("\"ops-cert\" (role auditor)"));

  grpc::Status stranger =
      ListSystems(TlsChannel(address, hub.certs, "stranger", ""));
  CHECK(stranger.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK_THAT(stranger.error_message(), Catch::Contains("stranger"));
  // Without a certificate a token still works (client certificates are
  // verified when presented, not demanded).
  REQUIRE_GRPC_OK(ListSystems(TlsChannel(address, hub.certs, "", admin)));

  // A disabled principal's certificate is refused.
  v1::DisablePrincipalRequest disable;
  disable.set_name("ops-cert");
  v1::DisablePrincipalResponse disabled;
  REQUIRE_GRPC_OK(
      principals->DisablePrincipal(Ctx().get(), disable, &disabled));
  CHECK(ListSystems(TlsChannel(address, hub.certs, "ops-cert", ""))
            .error_code() == grpc::StatusCode::UNAUTHENTICATED);
}

TEST_CASE("--require-client-cert refuses a TLS client without one",
          "[transport][mtls]") {
  TlsHub hub(/*client_ca=*/true, /*require=*/true);
  CHECK(ListSystems(TlsChannel(hub.process.address(), hub.certs, "",
                               ReadAdminToken(hub.data.path())))
            .error_code() == grpc::StatusCode::UNAVAILABLE);
  REQUIRE_GRPC_OK(
      ListSystems(TlsChannel(hub.process.address(), hub.certs, "stranger",
                             ReadAdminToken(hub.data.path()))));
}

TEST_CASE("plaintext only on loopback, and only with --insecure-loopback",
          "[transport]") {
  TempDir data;
  auto start = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {BinDir() + "/revhubd", "--data-dir",
                                     data.path() + "/d"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, data.path(), "/dev/null", std::chrono::seconds(20));
  };
  RunResult no_flag = start({"--listen", "127.0.0.1:0"});
  CHECK(no_flag.code == 1);
  CHECK_THAT(no_flag.err, Catch::Contains("refusing to serve without TLS"));
  RunResult public_plain =
      start({"--listen", "0.0.0.0:0", "--insecure-loopback"});
  CHECK(public_plain.code == 1);
  CHECK_THAT(public_plain.err,
             Catch::Contains("0.0.0.0:0 is not a loopback address"));
  RunResult public_none = start({"--listen", "0.0.0.0:0"});
  CHECK(public_none.code == 1);
  CHECK_THAT(public_none.err, Catch::Contains("refusing to serve without TLS"));

  // [::1] and localhost are loopback.
  for (const char* listen : {"[::1]:0", "localhost:0"}) {
    HubProcess hub(data.path() + "/" + (listen[0] == '[' ? "v6" : "name"));
    hub.set_extra_args({"--listen", listen});
    bool started = hub.Start();
    INFO(listen << ": " << hub.error());
    CHECK(started);
  }
}

}  // namespace
}  // namespace revhub::testing
