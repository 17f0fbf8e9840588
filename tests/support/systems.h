// Registering systems with a hub under test: the launch command of a
// build's adapter, RegisterSystemRequests for the systems several suites
// register, and registration that REQUIREs success.
//
// Thread-safety: the request builders keep no state; the Register*
// functions use Catch2 assertions and belong on the test's thread.
#ifndef REVHUB_TESTS_SUPPORT_SYSTEMS_H_
#define REVHUB_TESTS_SUPPORT_SYSTEMS_H_

#include <string>

#include "revhub/hub/v1/system_registry_service.grpc.pb.h"

namespace revhub::testing {

// "revhub-adapter-<vendor>": the name a registration gives, which the hub
// resolves in its adapter folder (build/bin, where revhubd is).
std::string AdapterCommand(const std::string& vendor);

// A request (replace_existing set) for system `name` of `kind` whose
// adapter is build/bin/revhub-adapter-<vendor>, with `config_text` (a
// google.protobuf.Struct in text format) as its config and `system_text`
// (more hub.v1.System fields in text format, e.g. matching_rules) merged
// in. FAILs the test when either text does not parse.
hub::v1::RegisterSystemRequest AdapterSystem(
    const std::string& name, hub::v1::SystemKind kind,
    const std::string& vendor, const std::string& config_text,
    const std::string& system_text = "");

// Sets `system`'s delivery policy: at most `max_attempts` attempts, backoff
// from `initial_backoff_ms` up to `max_backoff_ms`.
void SetDelivery(hub::v1::System* system, int max_attempts,
                 int initial_backoff_ms, int max_backoff_ms);

// "netsuite", an ERP whose adapter (the real NetSuite adapter) cannot reach
// its vendor (base_url http://127.0.0.1:9, 200 ms connect timeout): every
// delivery is a RETRY, and the retry budget is small (3 attempts, 20 ms
// initial and 50 ms maximum backoff), so deliveries are dead-lettered fast.
hub::v1::RegisterSystemRequest UnreachableErp();

// Registers `request`; REQUIREs an OK status.
void Register(hub::v1::SystemRegistryService::Stub& registry,
              const hub::v1::RegisterSystemRequest& request);

// Registers system `name` of `kind` without an adapter; REQUIREs an OK
// status.
void RegisterSystem(hub::v1::SystemRegistryService::Stub& registry,
                    const std::string& name, hub::v1::SystemKind kind);

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_SUPPORT_SYSTEMS_H_
