// The Stripe emulator (build/bin/stripe-emulator, from tests/vendor_emulator)
// for tests: StripeEmulator runs it as a child process on a loopback port
// and is a client of its control API (data set, faults, touch, webhooks,
// requests). See the header comment of tests/vendor_emulator/
// stripe_emulator.cc for the API it serves.
//
// Thread-safety: safe to use from several threads once constructed (every
// call is one independent HTTP request); construction and destruction
// belong to one thread.
#ifndef REVHUB_TESTS_SUPPORT_STRIPE_EMULATOR_H_
#define REVHUB_TESTS_SUPPORT_STRIPE_EMULATOR_H_

#include <sys/types.h>

#include <string>

#include "adapters/sdk/mapping.h"

namespace revhub::testing {

// The emulator, alive while this object lives. The constructor throws
// std::runtime_error when it does not start; every call throws when the
// emulator does not answer 2xx. Responses are parsed exactly
// (adapter::ParseExactJson).
class StripeEmulator {
 public:
  // `api_key`: the only key the emulator accepts. `data_dir`: a folder of
  // Stripe objects and events to load at start ("" for none).
  explicit StripeEmulator(const std::string& api_key,
                          const std::string& data_dir = "");
  ~StripeEmulator();
  StripeEmulator(const StripeEmulator&) = delete;
  StripeEmulator& operator=(const StripeEmulator&) = delete;

  // "http://127.0.0.1:<port>": the adapter's config.api_base.
  std::string base_url() const;
  adapter::Json Get(const std::string& path) const;
  // POSTs JSON; returns the answer (null for an empty one).
  adapter::Json Post(const std::string& path, const std::string& body) const;
  void Delete(const std::string& path) const;

  // POST /__control/dataset {"generate": n}.
  void Generate(int n) const;
  // POST /__control/faults with `rule_json`; DELETE clears them all.
  void AddFault(const std::string& rule_json) const;
  void ClearFaults() const;
  // Every Stripe API request received, in order.
  adapter::Json Requests() const;
  // Every stored object of `type`, oldest first.
  adapter::Json Objects(const std::string& type) const;

 private:
  pid_t pid_ = 0;
  int stdin_fd_ = -1;
  int port_ = 0;
};

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_SUPPORT_STRIPE_EMULATOR_H_
