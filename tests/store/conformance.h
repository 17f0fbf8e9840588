// Shared by the store conformance suite's files: the per-backend loop and
// small builders of what the tests store. See conformance_test.cc.
#ifndef REVHUB_TESTS_STORE_CONFORMANCE_H_
#define REVHUB_TESTS_STORE_CONFORMANCE_H_

#include <catch2/catch.hpp>
#include <string>

#include "google/protobuf/util/time_util.h"
#include "hub/store/store.h"
#include "tests/store/store_backends.h"

namespace revhub::hub::conformance {

namespace cv1 = canonical::v1;
using google::protobuf::util::TimeUtil;
using testing::StoreBackend;
using testing::StoreBackends;

// Runs the block once per backend; `backend` names it.
#define FOR_EACH_BACKEND                              \
  for (const StoreBackend& backend : StoreBackends()) \
  DYNAMIC_SECTION("backend " << backend.name)

inline StoredEntity Entity(const std::string& id, int64_t version,
                           const std::string& payload, absl::Time at) {
  StoredEntity e;
  e.type = cv1::ENTITY_TYPE_CUSTOMER;
  e.id = id;
  e.version = version;
  e.recorded_at = at;
  e.payload = payload;
  return e;
}

inline cv1::ExternalRef Ref(const std::string& system,
                            const std::string& vendor_id) {
  cv1::ExternalRef ref;
  ref.set_system(system);
  ref.set_object_type("customer");
  ref.set_vendor_id(vendor_id);
  return ref;
}

inline cv1::BusinessEvent Event(const std::string& id, cv1::EventType type) {
  cv1::BusinessEvent e;
  e.set_event_id(id);
  e.set_type(type);
  return e;
}

inline hub::v1::RawRecord Record(const std::string& system,
                                 const std::string& key,
                                 const std::string& object_type = "customer") {
  hub::v1::RawRecord r;
  r.set_system(system);
  r.set_object_type(object_type);
  r.set_content_type("application/json");
  r.set_idempotency_key(key);
  r.set_payload("{\"id\":\"" + key + "\"}");
  r.set_payload_sha256("sha-" + key);
  r.set_status(hub::v1::RECORD_STATUS_RECEIVED);
  r.set_principal("tester");
  return r;
}

// Writes `fn` and returns its status. `fn` runs on the store's writer
// thread while the test thread waits: it may CHECK, but must not REQUIRE
// (an exception would escape the writer); it returns an error instead.
template <typename Fn>
absl::Status W(Store& store, Fn fn) {
  return store.Write([&](WriteTxn& txn) -> absl::Status { return fn(txn); });
}

}  // namespace revhub::hub::conformance

#endif  // REVHUB_TESTS_STORE_CONFORMANCE_H_
