// The stack `./dev run` starts (examples/dev-stack.sh: the NetSuite
// emulator, revhubd and the salesforce, stripe and netsuite systems with
// their adapters) as a test fixture, on loopback port 0 with a fresh data
// directory, and what the end-to-end tests on it share: waiting until the
// hub is idle, and reading the emulator's stored records.
//
// Thread-safety: none; these belong on the test's thread (they use Catch2
// assertions).
#ifndef REVHUB_TESTS_E2E_DEV_STACK_H_
#define REVHUB_TESTS_E2E_DEV_STACK_H_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/workflow_service.grpc.pb.h"
#include "tests/support/auth.h"
#include "tests/support/files.h"
#include "tests/support/hub_process.h"
#include "tests/support/rpc.h"
#include "tests/support/run.h"

extern char** environ;

namespace revhub::testing {
namespace devstack {

namespace v1 = ::revhub::hub::v1;
using Clock = std::chrono::steady_clock;

// examples/dev-stack.sh as a child process in its own process group, its
// output in a file.
class DevStack {
 public:
  explicit DevStack(const TempDir& dir) : dir_(dir.path()) {}
  ~DevStack() { Stop(); }

  bool Start() {
    const std::string out = dir_ + "/dev-stack.out";
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string kv = *e;
      if (kv.rfind("REVHUB_", 0) == 0) continue;
      env_strings.push_back(kv);
    }
    env_strings.push_back("REVHUB_LISTEN=127.0.0.1:0");
    env_strings.push_back("REVHUB_HTTP_LISTEN=127.0.0.1:0");
    env_strings.push_back("REVHUB_DATA=" + dir_ + "/data");
    // Under REVHUB_TEST_STORE=postgres (dropped above with the other
    // REVHUB_ variables), the stack's hub stores in a fresh PostgreSQL
    // database, as a HubProcess would.
    std::string store_error;
    const std::string store = TestStoreUrl(dir_ + "/data", &store_error);
    INFO(store_error);
    REQUIRE(store_error.empty());
    if (!store.empty()) env_strings.push_back("REVHUB_STORE=" + store);
    std::vector<char*> env;
    for (auto& s : env_strings) env.push_back(s.data());
    env.push_back(nullptr);
    std::string script = SourceDir() + "/examples/dev-stack.sh";
    std::string bin = BinDir();
    std::vector<char*> argv = {const_cast<char*>("bash"), script.data(),
                               bin.data(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    int rc =
        posix_spawnp(&pid_, "bash", &actions, &attr, argv.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return false;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    std::smatch m;
    const std::regex hub_line("dev-stack: revhubd at (\\S+)");
    const std::regex emulator_line(
        "dev-stack: NetSuite emulator at http://(\\S+)");
    while (Clock::now() < deadline) {
      output_ = ReadFile(out);
      if (output_.find("dev-stack: stop with Ctrl-C") != std::string::npos) {
        if (std::regex_search(output_, m, hub_line)) hub_ = m[1];
        if (std::regex_search(output_, m, emulator_line)) emulator_ = m[1];
        return !hub_.empty() && !emulator_.empty();
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    int status = 0;
    while (Clock::now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

  const std::string& hub() const { return hub_; }
  // The admin token the hub wrote to DATA/admin.token.
  std::string token() const {
    std::string t = ReadFile(dir_ + "/data/admin.token");
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    return t;
  }
  // A channel to the hub acting as admin.
  std::shared_ptr<grpc::Channel> channel() const {
    return TokenChannel(hub_, token());
  }
  const std::string& emulator() const { return emulator_; }
  std::string output() const { return ReadFile(dir_ + "/dev-stack.out"); }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  std::string output_;
  std::string hub_;
  std::string emulator_;
};

// The emulator's stored records of `type` ({id: record}), through its
// control API, read with the stack's own tools (curl is not assumed: node
// is, the install step puts it there).
inline nlohmann::json EmulatorRecords(const std::string& emulator,
                                      const std::string& type,
                                      const std::string& scratch) {
  std::string script =
      "const http=require('http');http.get('http://" + emulator +
      "/__control/records?type=" + type +
      "',r=>{let b='';r.on('data',c=>b+=c);r.on('end',()=>process.stdout."
      "write(b));}).on('error',e=>{console.error(e.message);process.exit(1);"
      "});";
  RunResult r = RunProgram({"/usr/bin/env", "node", "-e", script}, scratch);
  INFO("node: " << r.err);
  REQUIRE(r.code == 0);
  nlohmann::json all = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(all.is_discarded());
  for (auto& [name, records] : all.items()) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    std::string want = type;
    for (char& c : want) c = static_cast<char>(std::tolower(c));
    if (lower == want) return records;
  }
  return nlohmann::json::object();
}

// True once nothing is in flight: no RECEIVED record, no PENDING or RUNNING
// workflow.
inline bool Idle(const std::shared_ptr<grpc::Channel>& channel) {
  auto ingest = v1::IngestService::NewStub(channel);
  v1::ListRecordsRequest records;
  records.set_status(v1::RECORD_STATUS_RECEIVED);
  records.set_page_size(1);
  v1::ListRecordsResponse received;
  if (!ingest->ListRecords(Ctx().get(), records, &received).ok() ||
      received.records_size() > 0)
    return false;
  auto workflows = v1::WorkflowService::NewStub(channel);
  for (v1::WorkflowState state :
       {v1::WORKFLOW_STATE_PENDING, v1::WORKFLOW_STATE_RUNNING}) {
    v1::ListWorkflowsRequest req;
    req.set_state(state);
    req.set_omit_payloads(true);
    v1::ListWorkflowsResponse resp;
    if (!workflows->ListWorkflows(Ctx().get(), req, &resp).ok() ||
        resp.workflows_size() > 0)
      return false;
  }
  return true;
}

inline void WaitIdle(const std::shared_ptr<grpc::Channel>& channel) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  int quiet = 0;  // two idle looks in a row: consumers have caught up
  while (Clock::now() < deadline) {
    quiet = Idle(channel) ? quiet + 1 : 0;
    if (quiet >= 3) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  FAIL("the hub did not become idle within 60 s");
}

// The ```sh blocks between "<!-- MARKER:begin -->" and "<!-- MARKER:end -->"
// of `readme`, in order.
inline std::vector<std::string> ReadmeBlocks(const std::string& readme,
                                             const std::string& marker) {
  const std::string begin = "<!-- " + marker + ":begin -->";
  const std::string end = "<!-- " + marker + ":end -->";
  size_t from = readme.find(begin);
  size_t to = readme.find(end);
  std::vector<std::string> blocks;
  if (from == std::string::npos || to == std::string::npos || to < from)
    return blocks;
  std::string section = readme.substr(from, to - from);
  std::regex fence("```sh\n([\\s\\S]*?)```");
  for (std::sregex_iterator it(section.begin(), section.end(), fence), last;
       it != last; ++it) {
    blocks.push_back((*it)[1].str());
  }
  return blocks;
}

// Runs `blocks` one after the other with bash (-euo pipefail) in the source
// tree against `stack`, waiting before each until the hub is idle, as a
// reader would; REQUIREs that each exits 0.
inline void RunReadmeBlocks(const DevStack& stack, const TempDir& dir,
                            const std::vector<std::string>& blocks) {
  auto channel = stack.channel();
  // The README says build/bin; this build may live elsewhere.
  const std::string bin = BinDir();
  for (size_t i = 0; i < blocks.size(); ++i) {
    WaitIdle(channel);
    std::string block = blocks[i];
    if (bin != SourceDir() + "/build/bin") {
      block = std::regex_replace(block, std::regex("build/bin/"), bin + "/");
    }
    // The README's hub keeps its data in ./data; this one in the test's
    // folder.
    block = std::regex_replace(block, std::regex("\\bdata/admin\\.token"),
                               dir.path() + "/data/admin.token");
    const std::string script =
        dir.path() + "/block" + std::to_string(i) + ".sh";
    WriteFile(script, "set -euo pipefail\ncd '" + SourceDir() +
                          "'\nexport REVHUB_HUB='" + stack.hub() +
                          "'\n"
                          // The shell of a reader keeps the first block's
                          // export; each block here runs in its own.
                          "export REVHUB_TOKEN='" +
                          stack.token() + "'\n" + block);
    RunResult r = RunProgram({"/bin/bash", script}, dir.path(), "/dev/null",
                             std::chrono::seconds(120));
    INFO("block " << i << ":\n"
                  << blocks[i] << "\nstdout:\n"
                  << r.out << "\nstderr:\n"
                  << r.err);
    REQUIRE(r.code == 0);
  }
  WaitIdle(channel);
}

}  // namespace devstack

using devstack::DevStack;
using devstack::EmulatorRecords;
using devstack::ReadmeBlocks;
using devstack::RunReadmeBlocks;
using devstack::WaitIdle;

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_E2E_DEV_STACK_H_
