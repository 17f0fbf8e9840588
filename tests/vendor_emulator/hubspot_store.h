// The HubSpot emulator's CRM: objects of four types (companies, deals,
// line_items, products) as HubSpot's v3 API returns them ({id, properties,
// createdAt, updatedAt, archived}), their v4 associations, and the answers
// of the endpoints the revhub HubSpot adapter calls: CRM search, batch read
// of objects, batch read of associations.
//
// Ids are decimal strings, unique across types. hs_lastmodifieddate and
// updatedAt are the same stamp (ISO 8601 with milliseconds, UTC).
//
// Thread-safety: none; the emulator calls it under its one mutex.
#ifndef REVHUB_TESTS_VENDOR_EMULATOR_HUBSPOT_STORE_H_
#define REVHUB_TESTS_VENDOR_EMULATOR_HUBSPOT_STORE_H_

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace revhub::emulator {

using nlohmann::json;

// An HTTP answer: status and JSON body.
struct Answer {
  int status = 200;
  json body;
};

// Returns HubSpot's error body ({"status":"error","message",
// "correlationId","category"}).
json HubSpotError(const std::string& message, const std::string& category);

// Milliseconds since the epoch as HubSpot writes times
// ("2026-01-01T00:00:00.000Z").
std::string IsoMillis(int64_t ms);
// The milliseconds of an ISO 8601 time or of a decimal ms string.
absl::StatusOr<int64_t> ParseMillis(const std::string& text);
int64_t NowMillis();

class HubSpotStore {
 public:
  static bool KnownType(const std::string& type);

  void Clear();
  // Replaces the data with `n` generated objects: for each group g in
  // order a company, a product, a line item of that product and a deal of
  // the company with that line item (closed won, except every fifth deal
  // which is open), until n objects exist. Deterministic: ids and stamps
  // depend on n only.
  void Generate(int n);
  // Loads one v3 object (or list/batch response of objects) of `type`; a
  // deal's "associations" and "line_items" are stored too. Returns how many
  // objects it stored.
  absl::StatusOr<int> Load(const std::string& type, const json& doc);
  // Loads every *.json file of `dir`; the type is the file name's prefix
  // (company, deal, line_item, product; plural or not), else guessed from
  // the properties.
  absl::StatusOr<int> LoadDir(const std::string& dir);

  // Sets properties of an object and bumps its modified stamp to now (at
  // least one ms past the previous one). Returns the object.
  absl::StatusOr<json> Touch(const std::string& type, const std::string& id,
                             const json& set);
  // The stored object, or null.
  const json* Find(const std::string& type, const std::string& id) const;
  // Every object of `type`, in id order, with its associations.
  json All(const std::string& type) const;

  // POST /crm/v3/objects/{type}/search; `cap` is the number of results one
  // query can page through (HubSpot: 10000).
  Answer Search(const std::string& type, const json& body, int cap) const;
  // POST /crm/v3/objects/{type}/batch/read.
  Answer BatchRead(const std::string& type, const json& body) const;
  // POST /crm/v4/associations/{from}/{to}/batch/read.
  Answer AssociationsBatchRead(const std::string& from, const std::string& to,
                               const json& body) const;

 private:
  struct Link {
    std::string to_id;
    std::vector<int> type_ids;
  };
  using LinkKey = std::tuple<std::string, std::string, std::string>;

  json& Put(const std::string& type, json object);
  void Associate(const std::string& from_type, const std::string& from_id,
                 const std::string& to_type, const std::string& to_id,
                 std::vector<int> type_ids, std::vector<int> reverse_type_ids);
  json Project(const std::string& type, const json& object,
               const json& properties) const;

  // type -> id -> object; ids compare as numbers (see IdLess).
  struct IdLess {
    bool operator()(const std::string& a, const std::string& b) const {
      return a.size() != b.size() ? a.size() < b.size() : a < b;
    }
  };
  std::map<std::string, std::map<std::string, json, IdLess>> objects_;
  std::map<LinkKey, std::vector<Link>> links_;
};

}  // namespace revhub::emulator

#endif  // REVHUB_TESTS_VENDOR_EMULATOR_HUBSPOT_STORE_H_
