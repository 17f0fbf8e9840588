// Helpers of the Node HubSpot adapter tests (hubspot_node_test.cc,
// hubspot_node_process_test.cc): a loopback stand-in for HubSpot's account
// API, the adapter's command line run directly, waiting for conditions.
#ifndef REVHUB_TESTS_ADAPTERS_HUBSPOT_NODE_UTIL_H_
#define REVHUB_TESTS_ADAPTERS_HUBSPOT_NODE_UTIL_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "httplib.h"
#include "hub/adapter_host/adapter_client.h"
#include "tests/adapters/test_util.h"

namespace revhub::testing::hubspot {

namespace av1 = revhub::adapter::v1;

inline constexpr char kToken[] = "pat-eu1-5f1c0ffe-7d2a-4c55-9e1b-secret";
inline constexpr int kPortal = 147893286;

inline std::string Golden(const std::string& name) {
  return ReadFile(std::string(REVHUB_GOLDEN_DIR) + "/hubspot/" + name);
}

// HubSpot's account details endpoint, on loopback: answers for one token
// and records every Authorization header it sees.
class FakeHubSpot {
 public:
  // Answers each request after `delay`.
  explicit FakeHubSpot(absl::Duration delay = absl::ZeroDuration()) {
    server_.Get("/account-info/v3/details", [this, delay](
                                                const httplib::Request& req,
                                                httplib::Response& res) {
      ++requests_;
      absl::SleepFor(delay);
      std::string auth = req.get_header_value("Authorization");
      {
        std::lock_guard<std::mutex> lock(mu_);
        auth_headers_.push_back(auth);
      }
      if (auth != std::string("Bearer ") + kToken) {
        res.status = 401;
        res.set_content(
            R"({"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"})",
            "application/json");
        return;
      }
      res.set_content(
          R"({"portalId":147893286,"timeZone":"Europe/Berlin","companyCurrency":"EUR","uiDomain":"app-eu1.hubspot.com","dataHostingLocation":"eu1"})",
          "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeHubSpot() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  std::vector<std::string> auth_headers() {
    std::lock_guard<std::mutex> lock(mu_);
    return auth_headers_;
  }
  // Requests received so far, counted when they arrive.
  int requests() const { return requests_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> auth_headers_;
  std::atomic<int> requests_{0};
};

inline av1::CheckResponse Check(hub::AdapterClient& host, const json& config) {
  av1::CheckRequest req;
  req.set_system("hubspot-test");
  *req.mutable_config() = ConfigStruct(config.dump());
  auto resp = host.Check(req);
  REQUIRE(resp.ok());
  return *resp;
}

// Runs the adapter's command line directly (not through the host), with
// pipes for stdin and stdout. Returns the pid.
inline pid_t Spawn(int* stdin_fd, int* stdout_fd) {
  revhub::hub::AdapterLaunchSpec spec = AdapterLaunchSpecFor("hubspot");
  int in[2], out[2];
  REQUIRE(pipe(in) == 0);
  REQUIRE(pipe(out) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[1]);
    close(out[0]);
    for (const auto& [k, v] : spec.env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(spec.command.c_str()));
    for (auto& a : spec.args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(spec.command.c_str(), argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  *stdin_fd = in[1];
  *stdout_fd = out[0];
  return pid;
}

inline std::string ReadLine(int fd) {
  std::string line;
  char ch;
  while (read(fd, &ch, 1) == 1 && ch != '\n') line.push_back(ch);
  return line;
}

inline std::string ReadRest(int fd) {
  std::string rest;
  char ch;
  while (read(fd, &ch, 1) == 1) rest.push_back(ch);
  return rest;
}

// Waits for `pid` to exit; returns its wait status, or -1 after a timeout
// (the process is then killed).
inline int WaitExit(pid_t pid) {
  int status = 0;
  bool exited = WaitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; },
                        absl::Seconds(10));
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
  }
  return status;
}

}  // namespace revhub::testing::hubspot

#endif  // REVHUB_TESTS_ADAPTERS_HUBSPOT_NODE_UTIL_H_
