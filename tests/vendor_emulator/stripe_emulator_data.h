// The Stripe emulator's data: objects of every type it serves, kept in
// Stripe's list order, and the event log (/v1/events). Generation of a
// deterministic linked data set and loading of a folder of Stripe objects
// and events live here; the HTTP side is stripe_emulator.cc.
//
// Thread-safety: none; the emulator holds its lock around every use.
#ifndef REVHUB_TESTS_VENDOR_EMULATOR_STRIPE_EMULATOR_DATA_H_
#define REVHUB_TESTS_VENDOR_EMULATOR_STRIPE_EMULATOR_DATA_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "adapters/sdk/mapping.h"

namespace revhub::emulator {

using adapter::Json;

// Where a list or event sits in Stripe's order: created, then a sequence
// that breaks ties (objects: by id; events: by arrival).
using OrderKey = std::pair<int64_t, std::string>;

// One page of a list, newest first, as Stripe pages: `data` and has_more.
struct Page {
  std::vector<const Json*> data;
  bool has_more = false;
};

// Paging parameters of a list request.
struct PageQuery {
  int limit = 10;
  std::string starting_after;
  std::string ending_before;
  std::optional<int64_t> created_gte, created_lte;
  // When set, only objects it keeps (a status filter).
  std::function<bool(const Json&)> keep;
};

class StripeData {
 public:
  // Stores (or replaces, by id) an object of type obj["object"].
  void Put(Json obj);
  // Returns the object, or null.
  Json* Find(const std::string& type, const std::string& id);
  // Appends an event; returns it. Its id is "evt_emu<seq>" unless it has
  // one.
  const Json& AppendEvent(Json event);
  // Returns the event with `id`, or null.
  const Json* FindEvent(const std::string& id) const;
  // Every object of `type`, oldest first.
  std::vector<const Json*> Objects(const std::string& type) const;
  // Counts of objects by type.
  std::map<std::string, size_t> Counts() const;
  void Clear();

  // Pages a type's objects. Returns an error naming the parameter when
  // starting_after / ending_before names no object of the list.
  absl::Status ListObjects(const std::string& type, const PageQuery& q,
                           Page* out) const;
  // Pages the events created at or after `not_before` whose type matches
  // one of `types` ("invoice.*" matches by prefix; empty matches all).
  absl::Status ListEvents(const std::vector<std::string>& types,
                          int64_t not_before, const PageQuery& q,
                          Page* out) const;

  // Replaces the data with `n` generated objects (see the .cc).
  void Generate(int n);
  // Adds every *.json file of `dir` (an "event" is kept in the event log
  // and its data.object stored). Returns the number of files.
  absl::StatusOr<int> LoadDir(const std::string& dir);

 private:
  // type -> key -> object, in Stripe's order.
  std::map<std::string, std::map<OrderKey, Json>> objects_;
  // type -> id -> key.
  std::map<std::string, std::map<std::string, OrderKey>> keys_;
  std::map<OrderKey, Json> events_;
  std::map<std::string, OrderKey> event_keys_;
  int64_t next_event_ = 1;
};

}  // namespace revhub::emulator

#endif  // REVHUB_TESTS_VENDOR_EMULATOR_STRIPE_EMULATOR_DATA_H_
