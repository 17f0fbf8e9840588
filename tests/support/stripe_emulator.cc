#include "tests/support/stripe_emulator.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/sdk/http_client.h"
#include "tests/support/hub_process.h"

namespace revhub::testing {

using adapter::Json;

StripeEmulator::StripeEmulator(const std::string& api_key,
                               const std::string& data_dir) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe");
  std::string bin = BinDir() + "/stripe-emulator";
  std::vector<std::string> args = {bin, "--api-key=" + api_key};
  if (!data_dir.empty()) args.push_back("--data=" + data_dir);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
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
  auto colon = line.rfind(':');
  if (line.rfind("STRIPE-EMULATOR|", 0) != 0 || colon == std::string::npos) {
    close(stdin_fd_);
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
    throw std::runtime_error("stripe-emulator did not start: \"" + line + "\"");
  }
  port_ = std::stoi(line.substr(colon + 1));
}

StripeEmulator::~StripeEmulator() {
  close(stdin_fd_);
  kill(pid_, SIGTERM);
  int status;
  waitpid(pid_, &status, 0);
}

std::string StripeEmulator::base_url() const {
  return absl::StrCat("http://127.0.0.1:", port_);
}

namespace {

Json Call(const std::string& method, const std::string& url,
          const std::string& body) {
  adapter::HttpRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  req.timeout = std::chrono::seconds(60);
  auto resp = adapter::SendHttp(req);
  if (!resp.ok() || resp->status / 100 != 2) {
    throw std::runtime_error(
        absl::StrCat("stripe-emulator ", method, " ", url, ": ",
                     resp.ok() ? absl::StrCat(resp->status, " ", resp->body)
                               : std::string(resp.status().message())));
  }
  if (resp->body.empty()) return nullptr;
  auto doc = adapter::ParseExactJson(resp->body);
  if (!doc.ok()) throw std::runtime_error("stripe-emulator: not JSON");
  return *doc;
}

}  // namespace

Json StripeEmulator::Get(const std::string& path) const {
  return Call("GET", base_url() + path, "");
}

Json StripeEmulator::Post(const std::string& path,
                          const std::string& body) const {
  return Call("POST", base_url() + path, body);
}

void StripeEmulator::Delete(const std::string& path) const {
  Call("DELETE", base_url() + path, "");
}

void StripeEmulator::Generate(int n) const {
  Post("/__control/dataset", absl::StrCat("{\"generate\":", n, "}"));
}

void StripeEmulator::AddFault(const std::string& rule_json) const {
  Post("/__control/faults", rule_json);
}

void StripeEmulator::ClearFaults() const { Delete("/__control/faults"); }

Json StripeEmulator::Requests() const { return Get("/__control/requests"); }

Json StripeEmulator::Objects(const std::string& type) const {
  return Get("/__control/objects?type=" + type);
}

}  // namespace revhub::testing
