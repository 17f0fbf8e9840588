// The NetSuite emulator (build/bin/netsuite-emulator, from
// tests/vendor_emulator) for tests: EmulatorProcess runs it as a child
// process on a loopback port; NetSuiteEmulator is that process plus a client
// for its control API (records, requests, fault rules).
//
// Thread-safety: both are safe to use from several threads once
// constructed (every call is one independent HTTP request); construction
// and destruction belong to one thread.
#ifndef REVHUB_TESTS_SUPPORT_NETSUITE_EMULATOR_H_
#define REVHUB_TESTS_SUPPORT_NETSUITE_EMULATOR_H_

#include <sys/types.h>

#include <map>
#include <string>

#include "adapters/sdk/mapping.h"

namespace revhub::testing {

// The emulator process: started by the constructor (which throws
// std::runtime_error when it does not start), stopped by the destructor.
// Requests need "Authorization: Bearer <token>".
class EmulatorProcess {
 public:
  // With a `data_dir`, the emulator keeps its records there (--data-dir).
  explicit EmulatorProcess(const std::string& token,
                           const std::string& data_dir = "");
  ~EmulatorProcess();
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;
  int port() const { return port_; }

 private:
  pid_t pid_ = 0;
  int stdin_fd_ = -1;
  int port_ = 0;
};

// The emulator, alive while this object lives, with its control API.
// Responses are parsed exactly (adapter::ParseExactJson: numbers keep their
// decimal text). Every call throws std::runtime_error when the emulator
// does not answer 2xx.
class NetSuiteEmulator {
 public:
  explicit NetSuiteEmulator(const std::string& token,
                            const std::string& data_dir = "");

  std::string base_url() const;
  adapter::Json Get(const std::string& path) const;
  // The body of a GET, as the emulator sent it.
  std::string GetText(const std::string& path) const;
  void Post(const std::string& path, const std::string& body) const;
  void Delete(const std::string& path) const;
  // Sends a record-API request (path below /services/rest/record/v1/) with
  // the token, as someone working in NetSuite would; returns the status.
  int SendRecord(const std::string& method, const std::string& path,
                 const std::string& body) const;
  // Forgets the stored records (all, or one type), as NetSuite restored
  // from an old backup would.
  void LoseRecords(const std::string& type = "") const;

  // Adds a fault rule (see FaultRule in netsuite_emulator.cc).
  void AddFault(const std::string& rule_json) const;
  void ClearFaults() const;
  // Every record-API request received, in order.
  adapter::Json Requests() const;
  // Every stored record: {type: {internal id: record}}.
  adapter::Json AllRecords() const;
  // The records of one type ("customer", "invoice", "creditMemo",
  // "journalEntry"), by externalId. `without_external_id` (if given)
  // counts records that have none.
  std::map<std::string, adapter::Json> Records(
      const std::string& type, int* without_external_id = nullptr) const;

 private:
  std::string token_;
  EmulatorProcess process_;
};

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_SUPPORT_NETSUITE_EMULATOR_H_
