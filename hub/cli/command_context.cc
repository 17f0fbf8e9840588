#include "hub/cli/command_context.h"

#include <google/protobuf/util/json_util.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

// A status payload that marks an error found before anything was sent.
constexpr char kUsagePayload[] = "revhub.cli/usage";

}  // namespace

ExitCode ExitCodeForHubStatus(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  if (absl::IsUnavailable(status)) return kExitUnreachable;
  return kExitServerError;
}

absl::Status UsageError(absl::Status status) {
  status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

absl::Status UsageError(absl::string_view message) {
  return UsageError(absl::InvalidArgumentError(message));
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

absl::Status ParseJsonStrict(const std::string& json,
                             google::protobuf::Message& message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status =
      google::protobuf::util::JsonStringToMessage(json, &message, options);
  if (status.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(status.message().ToString());
}

CommandContext::CommandContext(const CliEnvironment& env)
    : env_(env),
      hub_(env.default_hub),
      token_(env.default_token),
      ca_(env.default_ca),
      cert_(env.default_cert),
      key_(env.default_key) {}

void CommandContext::DefineGlobalFlags(CLI::App& app) {
  app.add_option("--hub", hub_,
                 "Hub address HOST:PORT (default: $REVHUB_HUB, else " +
                     std::string(kDefaultHub) + ")");
  app.add_flag("--json", json_,
               "Print results as proto3 JSON: one document per result; a "
               "list as one object with its items and nextPageToken; "
               "events one per line");
  timeout_option_ = app.add_option(
      "--timeout", timeout_seconds_,
      "Seconds to wait for each call (default 30); with events tail "
      "--follow, how long to follow");
  app.add_option("--token", token_,
                 "API token of the principal to call as (default: "
                 "$REVHUB_TOKEN); see `revhub principals create`");
  app.add_option("--ca", ca_,
                 "PEM CA certificate to verify the hub's TLS certificate "
                 "(default: $REVHUB_CA); without it the connection is "
                 "plaintext (a hub on loopback with --insecure-loopback)");
  app.add_option("--cert", cert_,
                 "PEM client certificate for mTLS (default: $REVHUB_CERT)");
  app.add_option("--key", key_,
                 "PEM private key of --cert (default: $REVHUB_KEY)");
}

absl::Status CommandContext::ValidateGlobalFlags() {
  if (timeout_given() && !(timeout_seconds_ > 0)) {
    return UsageError("--timeout: must be a positive number of seconds");
  }
  if (cert_.empty() != key_.empty()) {
    return UsageError("--cert and --key: give both or neither");
  }
  if (!cert_.empty() && ca_.empty()) {
    return UsageError(
        "--cert: needs --ca (client certificates are sent "
        "over TLS)");
  }
  auto read = [](const std::string& flag, const std::string& path,
                 std::string* pem) -> absl::Status {
    if (path.empty()) return absl::OkStatus();
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      return UsageError(absl::StrCat(flag, " ", path,
                                     ": cannot open: ", std::strerror(errno)));
    }
    std::ostringstream data;
    data << file.rdbuf();
    *pem = std::move(data).str();
    if (pem->find("-----BEGIN ") == std::string::npos) {
      return UsageError(absl::StrCat(flag, " ", path, ": is not a PEM file"));
    }
    return absl::OkStatus();
  };
  if (absl::Status s = read("--ca", ca_, &ca_pem_); !s.ok()) return s;
  if (absl::Status s = read("--cert", cert_, &cert_pem_); !s.ok()) return s;
  return read("--key", key_, &key_pem_);
}

bool CommandContext::timeout_given() const {
  return timeout_option_ != nullptr && timeout_option_->count() > 0;
}

void CommandContext::OnParsed(CLI::App* command,
                              std::function<absl::Status()> action) {
  command->callback([this, action = std::move(action)] { action_ = action; });
}

void CommandContext::SetAction(std::function<absl::Status()> action) {
  action_ = std::move(action);
}

HubClient& CommandContext::Hub() {
  if (client_ == nullptr) {
    HubClientOptions options;
    options.target = hub_;
    options.token = token_;
    options.tls_ca_pem = ca_pem_;
    options.tls_cert_pem = cert_pem_;
    options.tls_key_pem = key_pem_;
    if (timeout_given()) {
      options.call_timeout = absl::Seconds(timeout_seconds_);
      options.stream_timeout = absl::Seconds(timeout_seconds_);
    }
    client_ = env_.connect(options);
  }
  return *client_;
}

void CommandContext::Print(const google::protobuf::Message& message,
                           const std::string& human) {
  if (json_) {
    out() << ToJson(message, /*pretty=*/true);
  } else {
    out() << human;
  }
}

absl::StatusOr<std::string> CommandContext::ReadInput(const std::string& path) {
  if (path == "-") {
    if (env_.in == nullptr) return UsageError("-: no standard input");
    std::ostringstream data;
    data << env_.in->rdbuf();
    return std::move(data).str();
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return UsageError(absl::NotFoundError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno))));
  }
  std::ostringstream data;
  // An empty file sets failbit on `data`; that is not an error.
  if (file.peek() != std::ifstream::traits_type::eof()) data << file.rdbuf();
  if (file.bad()) {
    return UsageError(absl::DataLossError(absl::StrCat(path, ": read failed")));
  }
  return std::move(data).str();
}

absl::Status CommandContext::ParseJsonInto(const std::string& json,
                                           absl::string_view source,
                                           google::protobuf::Message& message) {
  absl::Status status = ParseJsonStrict(json, message);
  if (status.ok()) return status;
  return UsageError(absl::StrCat(source, ": not a valid ",
                                 message.GetDescriptor()->full_name(),
                                 " in JSON: ", status.message()));
}

}  // namespace revhub::cli
