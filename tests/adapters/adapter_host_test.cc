// AdapterHost with the real reference adapters: handshake, health,
// restart after kill -9 and after a hang, deadlines, shutdown.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "absl/time/clock.h"
#include "tests/adapters/test_util.h"

using namespace revhub::testing;
namespace av1 = revhub::adapter::v1;
using revhub::hub::AdapterHost;
using revhub::hub::ParseHandshake;

namespace {

constexpr char kCustomer[] =
    R"({"id":"cus_1","object":"customer","name":"Acme","currency":"jpy","created":1700000000})";

// True once the process is in state T (stopped), per /proc/PID/stat.
bool Stopped(pid_t pid) {
  std::string stat;
  try {
    stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  } catch (const std::exception&) {
    return false;
  }
  auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         stat[paren + 2] == 'T';
}

}  // namespace

TEST_CASE("handshake lines are parsed strictly", "[host]") {
  auto ok = ParseHandshake("REVHUB-ADAPTER|1|tcp|127.0.0.1:40123");
  REQUIRE(ok.ok());
  CHECK(ok->protocol_version == 1);
  CHECK(ok->network == "tcp");
  CHECK(ok->address == "127.0.0.1:40123");
  CHECK(ParseHandshake("REVHUB-ADAPTER|1|unix|/tmp/a.sock").ok());
  CHECK(ParseHandshake("REVHUB-ADAPTER|1|tcp|127.0.0.1:40123\r").ok());
  CHECK(ParseHandshake("hello").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseHandshake("OTHER|1|tcp|127.0.0.1:1").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseHandshake("REVHUB-ADAPTER|2|tcp|127.0.0.1:1").status().code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(ParseHandshake("REVHUB-ADAPTER|1|udp|127.0.0.1:1").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseHandshake("REVHUB-ADAPTER|1|tcp|127.0.0.1").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseHandshake("REVHUB-ADAPTER|1|tcp|127.0.0.1:0").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("every reference adapter starts, describes itself and shuts down",
          "[host]") {
  for (const std::string vendor : {"stripe", "salesforce", "netsuite"}) {
    INFO(vendor);
    auto host = StartAdapter(vendor);
    pid_t pid = host->pid();
    CHECK(pid > 0);
    // The hub's adapters listen on a unix socket in their launch folder.
    CHECK(host->address().size() > 13);
    CHECK(host->address().compare(host->address().size() - 13, 13,
                                  "/adapter.sock") == 0);
    auto d = host->Describe();
    REQUIRE(d.ok());
    CHECK(d->adapter_name() == vendor);
    CHECK(d->protocol_version() == 1);
    CHECK(d->canonical_schema_version() == "revhub.canonical.v1");
    CHECK(json::parse(d->config_schema_json())["type"] == "object");
    host->Shutdown();
    CHECK_FALSE(Alive(pid));
    CHECK(host->Describe().status().code() == absl::StatusCode::kUnavailable);
  }
}

TEST_CASE("an adapter killed with SIGKILL is restarted and calls go on",
          "[host]") {
  auto host = StartAdapter("stripe");
  pid_t first = host->pid();
  // Calls keep running in another thread across the crash.
  std::atomic<bool> stop{false};
  std::atomic<int> ok_calls{0}, failed_calls{0};
  std::thread caller([&] {
    while (!stop) {
      try {
        auto r = Translate(*host, "customer", kCustomer);
        if (r.outcome() == av1::TRANSLATION_OUTCOME_TRANSLATED)
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
  int before = ok_calls;
  REQUIRE(WaitFor([&] { return ok_calls > before + 5; }, absl::Seconds(10)));
  stop = true;
  caller.join();
  CHECK(failed_calls == 0);
  auto r = Translate(*host, "customer", kCustomer);
  CHECK(r.entities(0).customer().currency_code() == "JPY");
}

TEST_CASE(
    "a hung adapter is detected, calls hit their deadline, and it is restarted",
    "[host]") {
  auto options = FastOptions();
  options.call_deadline = absl::Milliseconds(400);
  auto host = StartAdapter("salesforce", options);
  pid_t first = host->pid();
  REQUIRE(kill(first, SIGSTOP) == 0);
  REQUIRE(WaitFor([&] { return Stopped(first); }, absl::Seconds(5)));
  absl::Time start = absl::Now();
  auto d = host->Describe();
  CHECK(d.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(absl::Now() - start < absl::Seconds(3));
  REQUIRE(WaitFor([&] { return host->restarts() >= 1 && host->pid() != 0; },
                  absl::Seconds(10)));
  CHECK(host->pid() != first);
  CHECK_FALSE(Alive(first));
  CHECK(host->Describe().ok());
}

TEST_CASE("bad commands and bad handshakes fail Start with a reason",
          "[host]") {
  revhub::hub::AdapterLaunchSpec missing;
  missing.command = "/nonexistent/revhub-adapter";
  auto a = AdapterHost::Start(missing, FastOptions());
  REQUIRE_FALSE(a.ok());
  // The command is checked before it is run.
  CHECK(std::string(a.status().message()).find("No such file") !=
        std::string::npos);

  revhub::hub::AdapterLaunchSpec relative;
  relative.command = "echo";
  auto r = AdapterHost::Start(relative, FastOptions());
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.status().message()).find("absolute path") !=
        std::string::npos);

  revhub::hub::AdapterLaunchSpec echo;
  echo.command = "/bin/echo";
  echo.args = {"hello"};
  auto b = AdapterHost::Start(echo, FastOptions());
  REQUIRE_FALSE(b.ok());
  CHECK(std::string(b.status().message()).find("handshake") !=
        std::string::npos);

  revhub::hub::AdapterLaunchSpec silent;
  silent.command = "/bin/sh";  // the host appends --listen=…: sh's $0
  silent.args = {"-c", "sleep 30"};
  auto options = FastOptions();
  options.handshake_timeout = absl::Milliseconds(300);
  auto c = AdapterHost::Start(silent, options);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == absl::StatusCode::kDeadlineExceeded);
}

TEST_CASE("an adapter exits cleanly when its stdin closes", "[host]") {
  int in[2], out[2];
  REQUIRE(pipe(in) == 0);
  REQUIRE(pipe(out) == 0);
  std::string bin = BinPath("revhub-adapter-stripe");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[1]);
    close(out[0]);
    execl(bin.c_str(), bin.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  std::string line;
  char ch;
  while (read(out[0], &ch, 1) == 1 && ch != '\n') line.push_back(ch);
  CHECK(ParseHandshake(line).ok());
  close(in[1]);  // the hub went away
  int status = 0;
  bool exited = WaitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; },
                        absl::Seconds(10));
  if (!exited) kill(pid, SIGKILL);
  REQUIRE(exited);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // Nothing but the handshake on stdout.
  std::string rest;
  while (read(out[0], &ch, 1) == 1) rest.push_back(ch);
  CHECK(rest.empty());
  close(out[0]);
}
