#include "tests/support/vendor_emulator.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "adapters/sdk/http_client.h"
#include "tests/support/hub_process.h"

namespace revhub::testing {

namespace {

nlohmann::json Call(const std::string& method, const std::string& url,
                    const std::string& body) {
  adapter::HttpRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  if (!body.empty())
    req.headers.emplace_back("Content-Type", "application/json");
  // Generating a large data set under the sanitizers on a loaded machine
  // takes minutes, not seconds.
  req.timeout = std::chrono::seconds(600);
  auto resp = adapter::SendHttp(req);
  if (!resp.ok()) {
    throw std::runtime_error(absl::StrCat("emulator ", method, " ", url, ": ",
                                          resp.status().message()));
  }
  if (resp->status < 200 || resp->status > 299) {
    throw std::runtime_error(absl::StrCat("emulator ", method, " ", url,
                                          ": HTTP ", resp->status, " ",
                                          resp->body));
  }
  if (resp->body.empty()) return nlohmann::json();
  auto doc = nlohmann::json::parse(resp->body, nullptr, false);
  if (doc.is_discarded()) return nlohmann::json(resp->body);
  return doc;
}

}  // namespace

VendorEmulator::VendorEmulator(const std::string& binary,
                               std::vector<std::string> args) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe");
  }
  const std::string bin = BinDir() + "/" + binary;
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(bin.c_str()));
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  stdin_fd_ = in[1];
  std::string line;
  char ch;
  while (read(out[0], &ch, 1) == 1 && ch != '\n') line.push_back(ch);
  close(out[0]);
  const std::string marker = absl::StrCat(absl::AsciiStrToUpper(binary), "|");
  const auto colon = line.rfind(':');
  if (line.rfind(marker, 0) != 0 || colon == std::string::npos) {
    throw std::runtime_error(
        absl::StrCat(binary, " did not start: \"", line, "\""));
  }
  port_ = std::stoi(line.substr(colon + 1));
}

VendorEmulator::~VendorEmulator() {
  close(stdin_fd_);
  kill(pid_, SIGTERM);
  int status;
  waitpid(pid_, &status, 0);
}

std::string VendorEmulator::base_url() const {
  return absl::StrCat("http://127.0.0.1:", port_);
}

nlohmann::json VendorEmulator::Get(const std::string& path) const {
  return Call("GET", base_url() + path, "");
}

nlohmann::json VendorEmulator::Post(const std::string& path,
                                    const nlohmann::json& body) const {
  return Call("POST", base_url() + path, body.dump());
}

void VendorEmulator::Delete(const std::string& path) const {
  Call("DELETE", base_url() + path, "");
}

void VendorEmulator::Generate(int n) const {
  Post("/__control/dataset", {{"generate", n}});
}

void VendorEmulator::AddFault(const nlohmann::json& rule) const {
  Post("/__control/faults", rule);
}

void VendorEmulator::ClearFaults() const { Delete("/__control/faults"); }

nlohmann::json VendorEmulator::Objects(const std::string& type) const {
  return Get("/__control/objects?type=" + type);
}

nlohmann::json VendorEmulator::SendWebhook(
    const nlohmann::json& request) const {
  return Post("/__control/webhooks/send", request);
}

}  // namespace revhub::testing
