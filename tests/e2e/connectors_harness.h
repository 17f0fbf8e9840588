// What the connector suites share: a hub with its HTTP listener, a Stripe
// system registered against the Stripe emulator (pulls and webhooks), and
// readers of what the hub stored.
//
// Thread-safety: functions that REQUIRE belong on the test's thread; the
// readers may run anywhere.
#ifndef REVHUB_TESTS_E2E_CONNECTORS_HARNESS_H_
#define REVHUB_TESTS_E2E_CONNECTORS_HARNESS_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/support/hub_fixture.h"
#include "tests/support/vendor_emulator.h"

namespace revhub::testing {

inline constexpr char kStripeApiKey[] = "sk_test_emulator";
inline constexpr char kStripeWebhookSecret[] = "whsec_revhub_test";

// The Stripe object types the adapter reads (its Describe).
std::vector<std::string> StripeReadableTypes(Hub& hub,
                                             const std::string& system);

// Registers `name` (BILLING, the Stripe adapter) pointed at `emulator`,
// with webhook secret kStripeWebhookSecret and a sync schedule for each of
// `types` every `interval_seconds` (0: on demand) with `page_size`.
void RegisterStripe(Hub& hub, const std::string& name,
                    const VendorEmulator& emulator,
                    const std::vector<std::string>& types, int interval_seconds,
                    int page_size);

// Every raw record of `system`, oldest first (ListRecords paged).
std::vector<v1::RawRecord> AllRecords(Hub& hub, const std::string& system);

// (object type, vendor id) of a record stored under a
// "<type>/<id>@<version>" key.
std::pair<std::string, std::string> TypeAndId(const v1::RawRecord& record);

// Every object the emulator holds, as (object type, id).
std::set<std::pair<std::string, std::string>> EmulatorObjects(
    const VendorEmulator& emulator, const std::vector<std::string>& types);

// The sync status of every object type of `system`.
std::vector<v1::SyncStatus> SyncStatuses(Hub& hub, const std::string& system);

// Runs `revhub sync run`'s RPC for (system, type) to its end; returns the
// status and the last progress message.
std::pair<grpc::Status, v1::RunSyncResponse> RunSync(Hub& hub,
                                                     const std::string& system,
                                                     const std::string& type,
                                                     bool full);

// Counts records of `system` by status.
std::map<v1::RecordStatus, int> CountByStatus(
    const std::vector<v1::RawRecord>& records);

struct HttpAnswer {
  int status = 0;
  std::string body;
};
// POSTs `body` to http://`address``path` with `headers`.
HttpAnswer HttpPost(
    const std::string& address, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& body);

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_E2E_CONNECTORS_HARNESS_H_
