// Helpers of the Chargebee adapter tests: the Chargebee emulator
// (build/bin/chargebee-emulator) as a child process with a client for its
// control API, and the Chargebee adapter process called directly over gRPC
// for Read and VerifyWebhook (the hub's AdapterClient has no such calls).
//
// Thread-safety: construction and destruction belong to one thread; the
// calls are independent requests.
#ifndef REVHUB_TESTS_ADAPTERS_CHARGEBEE_UTIL_H_
#define REVHUB_TESTS_ADAPTERS_CHARGEBEE_UTIL_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "revhub/adapter/v1/adapter_service.grpc.pb.h"

namespace revhub::testing::chargebee {

using json = nlohmann::json;

// A child process started with `argv` (argv[0] is the program), stdin a
// pipe, stdout read until the first line. Stopped (stdin closed, SIGTERM)
// by the destructor. The constructor throws when no line comes.
class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  const std::string& first_line() const { return line_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = 0;
  int stdin_fd_ = -1;
  std::string line_;
};

// The emulator, run with --api-key `api_key`.
class ChargebeeEmulator {
 public:
  explicit ChargebeeEmulator(const std::string& api_key);
  std::string base_url() const { return base_url_; }
  // Control API calls; throw std::runtime_error unless the answer is 2xx.
  json Get(const std::string& path) const;
  json Post(const std::string& path, const json& body) const;
  void Delete(const std::string& path) const;
  // The stored objects of one resource, in id order.
  json Objects(const std::string& type) const {
    return Get("/__control/objects?type=" + type);
  }

 private:
  ChildProcess process_;
  std::string base_url_;
};

// build/bin/revhub-adapter-chargebee on a loopback port, and a stub.
class ChargebeeAdapterProcess {
 public:
  ChargebeeAdapterProcess();
  adapter::v1::AdapterService::Stub& stub() { return *stub_; }
  adapter::v1::ReadResponse Read(const std::string& config_json,
                                 const std::string& object_type,
                                 const std::string& cursor, int page_size = 0);
  adapter::v1::VerifyWebhookResponse Verify(
      const std::string& config_json, const std::string& body,
      const std::vector<std::pair<std::string, std::string>>& headers);
  adapter::v1::TranslationResult Translate(const std::string& config_json,
                                           const std::string& object_type,
                                           const std::string& payload);

 private:
  ChildProcess process_;
  std::unique_ptr<adapter::v1::AdapterService::Stub> stub_;
};

// "Basic base64(user:password)".
std::string BasicAuth(const std::string& user_password);

}  // namespace revhub::testing::chargebee

#endif  // REVHUB_TESTS_ADAPTERS_CHARGEBEE_UTIL_H_
