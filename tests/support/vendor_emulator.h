// A vendor emulator (tests/vendor_emulator: stripe-emulator,
// salesforce-emulator, hubspot-emulator, chargebee-emulator) run as a child
// process on a loopback port, with a client for its control API
// (docs/connectors.md, "Vendor emulators"): data sets, faults, changes,
// signed webhooks, the requests it received.
//
// Thread-safety: calls after construction are independent HTTP requests
// and may come from any thread; construction and destruction belong to one.
#ifndef REVHUB_TESTS_SUPPORT_VENDOR_EMULATOR_H_
#define REVHUB_TESTS_SUPPORT_VENDOR_EMULATOR_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace revhub::testing {

class VendorEmulator {
 public:
  // Starts build/bin/<binary> with `args` and waits for its line
  // "<MARKER>|127.0.0.1:<port>" ("stripe-emulator" → "STRIPE-EMULATOR").
  // Throws std::runtime_error when it does not start.
  VendorEmulator(const std::string& binary, std::vector<std::string> args);
  ~VendorEmulator();
  VendorEmulator(const VendorEmulator&) = delete;
  VendorEmulator& operator=(const VendorEmulator&) = delete;

  std::string base_url() const;

  // Control API calls; each throws std::runtime_error naming the path and
  // the answer when the emulator does not answer 2xx.
  nlohmann::json Get(const std::string& path) const;
  nlohmann::json Post(const std::string& path,
                      const nlohmann::json& body) const;
  void Delete(const std::string& path) const;

  // POST /__control/dataset {"generate": n}.
  void Generate(int n) const;
  // POST /__control/faults with `rule`; DELETE /__control/faults.
  void AddFault(const nlohmann::json& rule) const;
  void ClearFaults() const;
  // GET /__control/objects?type=T: the stored objects of one type.
  nlohmann::json Objects(const std::string& type) const;
  // POST /__control/webhooks/send; returns its answer ({"status",
  // "event_id", ...}).
  nlohmann::json SendWebhook(const nlohmann::json& request) const;

 private:
  pid_t pid_ = 0;
  int stdin_fd_ = -1;
  int port_ = 0;
};

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_SUPPORT_VENDOR_EMULATOR_H_
