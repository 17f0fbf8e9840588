#include "tests/support/netsuite_emulator.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "adapters/sdk/http_client.h"
#include "tests/support/hub_process.h"

namespace revhub::testing {

using adapter::Json;

EmulatorProcess::EmulatorProcess(const std::string& token,
                                 const std::string& data_dir) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe");
  std::string bin = BinDir() + "/netsuite-emulator";
  std::string token_arg = "--token=" + token;
  std::string data_arg = "--data-dir=" + data_dir;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    if (data_dir.empty()) {
      execl(bin.c_str(), bin.c_str(), token_arg.c_str(),
            static_cast<char*>(nullptr));
    } else {
      execl(bin.c_str(), bin.c_str(), token_arg.c_str(), data_arg.c_str(),
            static_cast<char*>(nullptr));
    }
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  stdin_fd_ = in[1];
  std::string line;
  char ch;
  while (read(out[0], &ch, 1) == 1 && ch != '\n') line.push_back(ch);
  close(out[0]);
  auto colon = line.rfind(':');
  if (line.rfind("NETSUITE-EMULATOR|", 0) != 0 || colon == std::string::npos) {
    throw std::runtime_error("emulator did not start: \"" + line + "\"");
  }
  port_ = std::stoi(line.substr(colon + 1));
}

EmulatorProcess::~EmulatorProcess() {
  close(stdin_fd_);
  kill(pid_, SIGTERM);
  int status;
  waitpid(pid_, &status, 0);
}

NetSuiteEmulator::NetSuiteEmulator(const std::string& token,
                                   const std::string& data_dir)
    : token_(token), process_(token, data_dir) {}

int NetSuiteEmulator::SendRecord(const std::string& method,
                                 const std::string& path,
                                 const std::string& body) const {
  adapter::HttpRequest req;
  req.method = method;
  req.url = base_url() + "/services/rest/record/v1/" + path;
  req.body = body;
  req.headers.emplace_back("Authorization", "Bearer " + token_);
  req.headers.emplace_back("Content-Type", "application/json");
  auto resp = adapter::SendHttp(req);
  if (!resp.ok()) throw std::runtime_error("emulator " + method + " " + path);
  return resp->status;
}

void NetSuiteEmulator::LoseRecords(const std::string& type) const {
  Post(type.empty() ? "/__control/lose" : "/__control/lose?type=" + type, "");
}

std::string NetSuiteEmulator::base_url() const {
  return absl::StrCat("http://127.0.0.1:", process_.port());
}

std::string NetSuiteEmulator::GetText(const std::string& path) const {
  adapter::HttpRequest req;
  req.url = base_url() + path;
  req.timeout = std::chrono::seconds(10);
  auto resp = adapter::SendHttp(req);
  if (!resp.ok() || resp->status != 200)
    throw std::runtime_error("emulator GET " + path);
  return resp->body;
}

Json NetSuiteEmulator::Get(const std::string& path) const {
  auto doc = adapter::ParseExactJson(GetText(path));
  if (!doc.ok()) throw std::runtime_error("emulator GET " + path + ": JSON");
  return *doc;
}

void NetSuiteEmulator::Post(const std::string& path,
                            const std::string& body) const {
  adapter::HttpRequest req;
  req.method = "POST";
  req.url = base_url() + path;
  req.body = body;
  auto resp = adapter::SendHttp(req);
  if (!resp.ok() || resp->status / 100 != 2)
    throw std::runtime_error("emulator POST " + path);
}

void NetSuiteEmulator::Delete(const std::string& path) const {
  adapter::HttpRequest req;
  req.method = "DELETE";
  req.url = base_url() + path;
  auto resp = adapter::SendHttp(req);
  if (!resp.ok() || resp->status / 100 != 2)
    throw std::runtime_error("emulator DELETE " + path);
}

void NetSuiteEmulator::AddFault(const std::string& rule_json) const {
  Post("/__control/faults", rule_json);
}

void NetSuiteEmulator::ClearFaults() const { Delete("/__control/faults"); }

Json NetSuiteEmulator::Requests() const { return Get("/__control/requests"); }

Json NetSuiteEmulator::AllRecords() const { return Get("/__control/records"); }

std::map<std::string, Json> NetSuiteEmulator::Records(
    const std::string& type, int* without_external_id) const {
  Json all = Get("/__control/records?type=" + type);
  std::map<std::string, Json> out;
  int missing = 0;
  for (const auto& [t, recs] : all.items()) {
    for (const auto& [id, rec] : recs.items()) {
      if (rec.contains("externalId") && rec["externalId"].is_string()) {
        out[rec["externalId"].get<std::string>()] = rec;
      } else {
        ++missing;
      }
    }
  }
  if (without_external_id) *without_external_id = missing;
  return out;
}

}  // namespace revhub::testing
