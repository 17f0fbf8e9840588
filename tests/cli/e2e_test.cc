// End-to-end test: the real `revhub` binary against the real `revhubd`,
// started on a loopback port with a temporary data directory.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hub/common/util.h"
#include "tests/support/files.h"
#include "tests/support/run.h"

namespace {

using revhub::testing::RunProgram;
using revhub::testing::RunResult;
using revhub::testing::WriteFile;

using nlohmann::json;
namespace fs = std::filesystem;

// Waits for a child up to `timeout`; kills it when it takes longer. Returns
// the wait status, or -1 when it had to be killed.
int WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "revhub-e2e-XXXXXX");
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The hub process: started with --listen 127.0.0.1:0, its address read from
// the line it prints; its further output is drained so it never blocks.
class HubProcess {
 public:
  explicit HubProcess(const fs::path& data_dir) {
    int out[2];
    REQUIRE(pipe(out) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execl(REVHUBD_PATH, REVHUBD_PATH, "--listen", "127.0.0.1:0", "--data-dir",
            data_dir.c_str(), "--insecure-loopback",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    fd_ = out[0];
    address_ = ReadListeningLine();
    std::ifstream token_file(data_dir / "admin.token");
    std::getline(token_file, admin_token_);
    drain_ = std::thread([this] {
      char buffer[4096];
      while (read(fd_, buffer, sizeof buffer) > 0) {
      }
    });
  }

  ~HubProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (drain_.joinable()) drain_.join();
    if (fd_ >= 0) close(fd_);
  }

  const std::string& address() const { return address_; }
  // The token of `admin`, which the hub wrote on its first start.
  const std::string& admin_token() const { return admin_token_; }

  // Sends SIGTERM and returns the exit status (-1 if it did not stop).
  int Terminate() {
    kill(pid_, SIGTERM);
    int status = WaitFor(pid_, std::chrono::seconds(15));
    pid_ = -1;
    return status;
  }

 private:
  std::string ReadListeningLine() {
    const std::string marker = "revhubd listening on ";
    std::string seen;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{fd_, POLLIN, 0};
      if (poll(&pfd, 1, 100) <= 0) continue;
      char c;
      ssize_t n = read(fd_, &c, 1);
      if (n <= 0) break;  // the hub exited
      if (c != '\n') {
        seen += c;
        continue;
      }
      size_t at = seen.find(marker);
      if (at != std::string::npos) return seen.substr(at + marker.size());
      seen.clear();
    }
    FAIL("revhubd did not print '" << marker
                                   << "HOST:PORT'; last output: " << seen);
    return "";
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string address_;
  std::string admin_token_;
  std::thread drain_;
};

using Result = RunResult;

// Runs the revhub binary with args (and --hub, and --token unless args
// name one), stdin from a file if given.
Result RunRevhub(const fs::path& scratch, const std::string& hub,
                 const std::string& token, std::vector<std::string> args,
                 const std::string& stdin_path = "/dev/null") {
  if (std::find(args.begin(), args.end(), "--token") == args.end()) {
    args.insert(args.begin(), {"--token", token});
  }
  args.insert(args.begin(), {REVHUB_PATH, "--hub", hub});
  return RunProgram(std::move(args), scratch.string(), stdin_path);
}

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  return lines;
}

// Returns the names in a ListSystemsResponse.
std::vector<std::string> SystemNames(const json& page) {
  std::vector<std::string> names;
  for (const json& system : page["systems"]) names.push_back(system["name"]);
  return names;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST_CASE("revhub drives a real revhubd", "[e2e]") {
  TempDir data;
  TempDir scratch;
  HubProcess hubd(data.path());
  const std::string hub = hubd.address();
  INFO("hub at " << hub);
  auto run = [&](std::vector<std::string> args,
                 const std::string& stdin_path = "/dev/null") {
    return RunRevhub(scratch.path(), hub, hubd.admin_token(), std::move(args),
                     stdin_path);
  };
  auto ok = [&](std::vector<std::string> args,
                const std::string& stdin_path = "/dev/null") {
    Result r = run(args, stdin_path);
    INFO("revhub " << json(args).dump() << "\nstdout: " << r.out
                   << "\nstderr: " << r.err);
    REQUIRE(r.code == 0);
    return r;
  };

  // --- systems ------------------------------------------------------------
  WriteFile(scratch.path() / "config.json", R"({"instance": "acme-e2e"})");
  json registered =
      json::parse(ok({"systems", "register", "--name", "crm-e2e", "--kind",
                      "crm", "--endpoint", "127.0.0.1:1", "--config-file",
                      (scratch.path() / "config.json").string(),
                      "--authoritative-for", "customer,contract", "--json"})
                      .out);
  CHECK(registered["system"]["name"] == "crm-e2e");
  CHECK(registered["system"]["kind"] == "SYSTEM_KIND_CRM");
  CHECK(registered["system"]["state"] == "SYSTEM_STATE_ENABLED");
  CHECK(registered["system"]["config"]["instance"] == "acme-e2e");
  CHECK(registered["system"]["authoritativeFor"] ==
        json({"ENTITY_TYPE_CUSTOMER", "ENTITY_TYPE_CONTRACT"}));
  ok({"systems", "register", "--name", "billing-e2e", "--kind", "billing"});

  json listed = json::parse(ok({"systems", "list", "--json"}).out);
  CHECK(Contains(SystemNames(listed), "crm-e2e"));
  CHECK(Contains(SystemNames(listed), "billing-e2e"));
  Result table = ok({"systems", "list"});
  CHECK_THAT(table.out, Catch::StartsWith("NAME "));
  CHECK_THAT(table.out, Catch::Contains("crm-e2e"));

  Result got = ok({"systems", "show", "crm-e2e"});
  CHECK_THAT(got.out, Catch::Contains("kind:"));
  CHECK_THAT(got.out, Catch::Contains("crm\n"));
  CHECK_THAT(got.out, Catch::Contains("endpoint 127.0.0.1:1"));

  Result missing = run({"systems", "get", "no-such-system"});
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Catch::StartsWith("revhub: NOT_FOUND: "));

  // --- customers: upsert, versions, as-of, idempotency, errors -----------
  WriteFile(scratch.path() / "acme.json", R"({
    "name": "Acme Corp",
    "currencyCode": "USD",
    "externalRefs": [{"system": "crm-e2e", "objectType": "Account",
                      "vendorId": "001A"}]
  })");
  // The upsert acts as the principal e2e-tester, made with its token.
  json made = json::parse(ok({"principals", "create", "e2e-tester", "--role",
                              "integration", "--json"})
                              .out);
  CHECK(made["principal"]["role"] == "ROLE_INTEGRATION");
  const std::string tester_token = made["token"];
  json first = json::parse(ok({"--token", tester_token, "customers", "upsert",
                               (scratch.path() / "acme.json").string(),
                               "--idempotency-key", "acme-1", "--json"})
                               .out);
  const std::string id = first["customer"]["id"];
  REQUIRE_FALSE(id.empty());
  CHECK(first["customer"]["version"] == "1");
  CHECK(first["changed"] == true);
  const std::string v1_recorded_at = first["customer"]["recordedAt"];

  json replay = json::parse(
      ok({"customers", "upsert", (scratch.path() / "acme.json").string(),
          "--idempotency-key", "acme-1", "--json"})
          .out);
  CHECK(replay["customer"]["id"] == id);
  CHECK(replay["customer"]["version"] == "1");
  CHECK(replay["replayed"] == true);

  WriteFile(scratch.path() / "acme2.json",
            R"({"id": ")" + id + R"(", "name": "Acme Corporation",
                "currencyCode": "USD"})");
  Result conflict =
      run({"customers", "upsert", (scratch.path() / "acme2.json").string(),
           "--idempotency-key", "acme-2", "--expected-version", "7"});
  CHECK(conflict.code == 1);
  CHECK_THAT(conflict.err, Catch::StartsWith("revhub: ABORTED: "));

  json second = json::parse(
      ok({"customers", "upsert", (scratch.path() / "acme2.json").string(),
          "--idempotency-key", "acme-3", "--expected-version", "1", "--json"})
          .out);
  CHECK(second["customer"]["version"] == "2");

  WriteFile(scratch.path() / "nameless.json", R"({"currencyCode": "USD"})");
  Result invalid =
      run({"customers", "upsert", (scratch.path() / "nameless.json").string(),
           "--idempotency-key", "bad-1"});
  CHECK(invalid.code == 1);
  CHECK_THAT(invalid.err, Catch::StartsWith("revhub: INVALID_ARGUMENT: "));
  CHECK_THAT(invalid.err, Catch::Contains("name"));

  json current = json::parse(ok({"customers", "show", id, "--json"}).out);
  CHECK(current["customer"]["name"] == "Acme Corporation");
  json v1 =
      json::parse(ok({"customers", "get", id, "--version", "1", "--json"}).out);
  CHECK(v1["customer"]["name"] == "Acme Corp");
  json as_of = json::parse(
      ok({"customers", "get", id, "--as-of", v1_recorded_at, "--json"}).out);
  CHECK(as_of["customer"]["version"] == "1");
  CHECK(as_of["customer"]["name"] == "Acme Corp");
  Result human = ok({"customers", "get", id});
  CHECK_THAT(human.out, Catch::Contains("Acme Corporation\n"));
  CHECK_THAT(human.out, Catch::Contains("recorded at:"));

  json customers = json::parse(ok({"customers", "list", "--json"}).out);
  REQUIRE(customers["customers"].size() == 1);
  CHECK(customers["customers"][0]["id"] == id);
  CHECK(customers["customers"][0]["version"] == "2");
  Result customer_table = ok({"customers", "list"});
  CHECK_THAT(customer_table.out, Catch::StartsWith("ID "));
  CHECK_THAT(customer_table.out, Catch::Contains(id));

  // --- ingest: the second send of the same bytes is a duplicate ----------
  const std::string payload = R"({"Id": "001A", "Name": "Acme Corp"})";
  WriteFile(scratch.path() / "account.json", payload);
  json stored = json::parse(
      ok({"ingest", (scratch.path() / "account.json").string(), "--system",
          "crm-e2e", "--object-type", "Account", "--json"})
          .out);
  CHECK(stored["duplicate"] == false);
  const std::string record_id = stored["recordId"];
  json again = json::parse(ok({"ingest", "-", "--system", "crm-e2e",
                               "--object-type", "Account", "--json"},
                              (scratch.path() / "account.json").string())
                               .out);
  CHECK(again["duplicate"] == true);
  CHECK(again["recordId"] == record_id);

  json records =
      json::parse(ok({"records", "list", "--system", "crm-e2e", "--json"}).out);
  REQUIRE(records["records"].size() == 1);
  CHECK(records["records"][0]["recordId"] == record_id);
  CHECK(ok({"records", "get", record_id, "--payload"}).out == payload);

  Result unknown_system =
      run({"ingest", (scratch.path() / "account.json").string(), "--system",
           "nobody", "--object-type", "X"});
  CHECK(unknown_system.code == 1);
  CHECK_THAT(unknown_system.err, Catch::StartsWith("revhub: NOT_FOUND: "));
  CHECK_THAT(unknown_system.err, Catch::Contains("nobody"));

  // --- events ------------------------------------------------------------
  std::vector<json> events = JsonLines(ok({"events", "tail", "--json"}).out);
  std::vector<json> customer_events;
  int64_t last_position = 0;
  for (const json& event : events) {
    int64_t position = std::stoll(event["position"].get<std::string>());
    CHECK(position > last_position);  // in order, no repeats
    last_position = position;
    // Registry events (the system registered above) have no subject.
    if (event.contains("subject") && event["subject"].value("id", "") == id) {
      customer_events.push_back(event);
    }
  }
  REQUIRE(customer_events.size() == 2);  // v1 and v2; the replay added none
  CHECK(customer_events[0]["type"] == "EVENT_TYPE_CUSTOMER_CHANGED");
  CHECK(customer_events[0]["principal"] == "e2e-tester");
  CHECK(customer_events[1]["subject"]["version"] == "2");

  std::vector<json> filtered = JsonLines(
      ok({"events", "tail", "--type", "customer_changed", "--json"}).out);
  CHECK(filtered.size() == 2);
  std::vector<json> from_last = JsonLines(
      ok({"events", "tail", "--from", std::to_string(last_position), "--json"})
          .out);
  CHECK(from_last.size() == 1);

  Result event_table = ok({"events", "tail"});
  CHECK_THAT(event_table.out, Catch::StartsWith("POSITION "));
  CHECK_THAT(event_table.out, Catch::Contains("customer_changed"));

  // Following streams the history and then waits for live events until the
  // timeout, which ends it normally.
  auto follow_started = std::chrono::steady_clock::now();
  std::vector<json> followed = JsonLines(
      ok({"--timeout", "2", "events", "tail", "--follow", "--json"}).out);
  CHECK(std::chrono::steady_clock::now() - follow_started >=
        std::chrono::milliseconds(1900));
  CHECK(followed.size() == events.size());

  json acked =
      json::parse(ok({"events", "ack", "--consumer", "e2e", "--position",
                      std::to_string(last_position), "--json"})
                      .out);
  CHECK(acked["consumer"]["acknowledgedPosition"] ==
        std::to_string(last_position));
  CHECK(ok({"events", "tail", "--consumer", "e2e"}).out == "no events\n");

  // --- disable -----------------------------------------------------------
  json disabled = json::parse(
      ok({"systems", "disable", "crm-e2e", "--reason", "end of test", "--json"})
          .out);
  CHECK(disabled["system"]["state"] == "SYSTEM_STATE_DISABLED");
  CHECK(disabled["system"]["disabledReason"] == "end of test");
  CHECK_FALSE(
      Contains(SystemNames(json::parse(ok({"systems", "list", "--json"}).out)),
               "crm-e2e"));
  CHECK(Contains(
      SystemNames(json::parse(ok({"systems", "list", "--all", "--json"}).out)),
      "crm-e2e"));
  Result refused = run({"ingest", (scratch.path() / "account.json").string(),
                        "--system", "crm-e2e", "--object-type", "Account",
                        "--idempotency-key", "after-disable"});
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::StartsWith("revhub: FAILED_PRECONDITION: "));
  CHECK_THAT(refused.err, Catch::Contains("crm-e2e"));

  // --- shutdown ----------------------------------------------------------
  int status = hubd.Terminate();
  REQUIRE(status >= 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  Result down = run({"systems", "list"});
  CHECK(down.code == 3);
  CHECK_THAT(down.err, Catch::StartsWith("revhub: UNAVAILABLE: "));
}

TEST_CASE("revhub records get --payload writes a 6 MiB record byte for byte",
          "[e2e][large]") {
  TempDir data;
  TempDir scratch;
  HubProcess hubd(data.path());
  auto run = [&](std::vector<std::string> args) {
    Result r =
        RunRevhub(scratch.path(), hubd.address(), hubd.admin_token(), args);
    INFO("revhub " << json(args).dump() << "\nstderr: " << r.err);
    REQUIRE(r.code == 0);
    return r;
  };
  run({"systems", "register", "--name", "billing-big", "--kind", "billing"});
  // 6 MiB of text that is not one byte repeated.
  std::string payload;
  payload.reserve(6 << 20);
  for (uint32_t x = 1; payload.size() < (6u << 20); x = x * 1103515245 + 12345)
    payload.push_back(static_cast<char>('a' + (x >> 16) % 26));
  const fs::path file = scratch.path() / "big.json";
  WriteFile(file, payload);
  json stored =
      json::parse(run({"ingest", file.string(), "--system", "billing-big",
                       "--object-type", "invoice", "--json"})
                      .out);
  const std::string id = stored["recordId"];
  const std::string sha = revhub::hub::Sha256Hex(payload);

  // The details: the payload is left out, its size and hash are there.
  json details = json::parse(run({"records", "get", id, "--json"}).out);
  CHECK(details["record"]["sizeBytes"] == std::to_string(payload.size()));
  CHECK(details["record"]["payloadSha256"] == sha);
  // The bytes, streamed.
  Result bytes = run({"records", "get", id, "--payload"});
  CHECK(bytes.out.size() == payload.size());
  CHECK(revhub::hub::Sha256Hex(bytes.out) == sha);
  CHECK(bytes.out == payload);
}

}  // namespace
