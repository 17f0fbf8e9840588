#include "tests/adapters/chargebee_util.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/webhook_crypto.h"
#include "tests/adapters/test_util.h"

namespace revhub::testing::chargebee {

ChildProcess::ChildProcess(std::vector<std::string> argv) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe");
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    unsetenv("REVHUB_ADAPTER_TOKEN");
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  stdin_fd_ = in[1];
  char ch;
  while (read(out[0], &ch, 1) == 1 && ch != '\n') line_.push_back(ch);
  close(out[0]);
  if (line_.empty()) {
    throw std::runtime_error(absl::StrCat(argv[0], " printed no first line"));
  }
}

ChildProcess::~ChildProcess() {
  close(stdin_fd_);
  kill(pid_, SIGTERM);
  int status;
  waitpid(pid_, &status, 0);
}

namespace {

std::string PortOf(const std::string& line, const std::string& prefix) {
  auto colon = line.rfind(':');
  if (line.rfind(prefix, 0) != 0 || colon == std::string::npos)
    throw std::runtime_error("unexpected first line \"" + line + "\"");
  return line.substr(colon + 1);
}

}  // namespace

ChargebeeEmulator::ChargebeeEmulator(const std::string& api_key)
    : process_({BinPath("chargebee-emulator"), "--api-key", api_key}),
      base_url_("http://127.0.0.1:" +
                PortOf(process_.first_line(), "CHARGEBEE-EMULATOR|")) {}

namespace {

json Call(const std::string& method, const std::string& url,
          const std::string& body) {
  adapter::HttpRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  req.timeout = std::chrono::seconds(30);
  if (!body.empty())
    req.headers.emplace_back("Content-Type", "application/json");
  auto resp = adapter::SendHttp(req);
  if (!resp.ok() || resp->status / 100 != 2)
    throw std::runtime_error(
        absl::StrCat("emulator ", method, " ", url, ": ",
                     resp.ok() ? absl::StrCat(resp->status, " ", resp->body)
                               : std::string(resp.status().message())));
  if (resp->body.empty()) return json();
  return json::parse(resp->body);
}

}  // namespace

json ChargebeeEmulator::Get(const std::string& path) const {
  return Call("GET", base_url_ + path, "");
}

json ChargebeeEmulator::Post(const std::string& path, const json& body) const {
  return Call("POST", base_url_ + path, body.dump());
}

void ChargebeeEmulator::Delete(const std::string& path) const {
  Call("DELETE", base_url_ + path, "");
}

ChargebeeAdapterProcess::ChargebeeAdapterProcess()
    : process_({BinPath("revhub-adapter-chargebee")}) {
  std::string target =
      "127.0.0.1:" + PortOf(process_.first_line(), "REVHUB-ADAPTER|1|tcp|");
  auto channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(10)))
    throw std::runtime_error("cannot connect to the adapter at " + target);
  stub_ = adapter::v1::AdapterService::NewStub(channel);
}

adapter::v1::ReadResponse ChargebeeAdapterProcess::Read(
    const std::string& config_json, const std::string& object_type,
    const std::string& cursor, int page_size) {
  adapter::v1::ReadRequest req;
  req.set_system("cb");
  *req.mutable_config() = ConfigStruct(config_json);
  req.set_object_type(object_type);
  req.set_cursor(cursor);
  req.set_page_size(page_size);
  adapter::v1::ReadResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  grpc::Status s = stub_->Read(&ctx, req, &resp);
  if (!s.ok()) throw std::runtime_error("Read: " + s.error_message());
  return resp;
}

adapter::v1::VerifyWebhookResponse ChargebeeAdapterProcess::Verify(
    const std::string& config_json, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  adapter::v1::VerifyWebhookRequest req;
  req.set_system("cb");
  *req.mutable_config() = ConfigStruct(config_json);
  req.set_method("POST");
  req.set_url("http://127.0.0.1/webhooks/cb");
  req.set_body(body);
  for (const auto& [name, value] : headers) {
    auto* h = req.add_headers();
    h->set_name(name);
    h->set_value(value);
  }
  adapter::v1::VerifyWebhookResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status s = stub_->VerifyWebhook(&ctx, req, &resp);
  if (!s.ok()) throw std::runtime_error("VerifyWebhook: " + s.error_message());
  return resp;
}

adapter::v1::TranslationResult ChargebeeAdapterProcess::Translate(
    const std::string& config_json, const std::string& object_type,
    const std::string& payload) {
  adapter::v1::TranslateRequest req;
  req.set_system("cb");
  *req.mutable_config() = ConfigStruct(config_json);
  req.mutable_record()->set_object_type(object_type);
  req.mutable_record()->set_payload(payload);
  req.mutable_record()->set_record_key("r1");
  adapter::v1::TranslateResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status s = stub_->Translate(&ctx, req, &resp);
  if (!s.ok()) throw std::runtime_error("Translate: " + s.error_message());
  return resp.result();
}

std::string BasicAuth(const std::string& user_password) {
  return "Basic " + adapter::Base64Encode(user_password);
}

}  // namespace revhub::testing::chargebee
