#include "tests/vendor_emulator/stripe_emulator_data.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace revhub::emulator {
namespace {

using Filter = std::function<bool(const Json&)>;

std::string StringOr(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string()
             ? j[key].get<std::string>()
             : "";
}

int64_t CreatedOf(const Json& j) {
  return j.is_object() && j.contains("created") &&
                 j["created"].is_number_integer()
             ? j["created"].get<int64_t>()
             : 0;
}

// Pages `all` (oldest first) newest first, as Stripe does: starting_after
// gives the ones older than the cursor, ending_before the `limit` ones just
// newer than it (still listed newest first).
void PageOf(const std::map<OrderKey, Json>& all, const Filter& keep,
            const std::optional<OrderKey>& after,
            const std::optional<OrderKey>& before, int limit, Page* out) {
  if (before) {
    std::vector<const Json*> newer;
    for (auto it = all.upper_bound(*before); it != all.end(); ++it) {
      if (!keep(it->second)) continue;
      if (static_cast<int>(newer.size()) == limit) {
        out->has_more = true;
        break;
      }
      newer.push_back(&it->second);
    }
    out->data.assign(newer.rbegin(), newer.rend());
    return;
  }
  auto it = after ? std::make_reverse_iterator(all.lower_bound(*after))
                  : all.rbegin();
  for (; it != all.rend(); ++it) {
    if (!keep(it->second)) continue;
    if (static_cast<int>(out->data.size()) == limit) {
      out->has_more = true;
      break;
    }
    out->data.push_back(&it->second);
  }
}

Filter CreatedFilter(const PageQuery& q, Filter also) {
  return [q, also](const Json& j) {
    int64_t c = CreatedOf(j);
    if (q.created_gte && c < *q.created_gte) return false;
    if (q.created_lte && c > *q.created_lte) return false;
    if (q.keep && !q.keep(j)) return false;
    return also(j);
  };
}

}  // namespace

void StripeData::Put(Json obj) {
  std::string type = StringOr(obj, "object");
  std::string id = StringOr(obj, "id");
  OrderKey key{CreatedOf(obj), id};
  auto& keys = keys_[type];
  if (auto it = keys.find(id); it != keys.end())
    objects_[type].erase(it->second);
  keys[id] = key;
  objects_[type][key] = std::move(obj);
}

Json* StripeData::Find(const std::string& type, const std::string& id) {
  auto t = keys_.find(type);
  if (t == keys_.end()) return nullptr;
  auto k = t->second.find(id);
  if (k == t->second.end()) return nullptr;
  return &objects_[type][k->second];
}

const Json& StripeData::AppendEvent(Json event) {
  int64_t seq = next_event_++;
  if (StringOr(event, "id").empty()) {
    event["id"] = absl::StrFormat("evt_emu%010d", seq);
  }
  OrderKey key{CreatedOf(event), absl::StrFormat("%012d", seq)};
  event_keys_[event["id"].get<std::string>()] = key;
  return events_[key] = std::move(event);
}

const Json* StripeData::FindEvent(const std::string& id) const {
  auto k = event_keys_.find(id);
  return k == event_keys_.end() ? nullptr : &events_.at(k->second);
}

std::vector<const Json*> StripeData::Objects(const std::string& type) const {
  std::vector<const Json*> out;
  auto t = objects_.find(type);
  if (t == objects_.end()) return out;
  for (const auto& [k, obj] : t->second) out.push_back(&obj);
  return out;
}

std::map<std::string, size_t> StripeData::Counts() const {
  std::map<std::string, size_t> out;
  for (const auto& [type, objs] : objects_) out[type] = objs.size();
  return out;
}

void StripeData::Clear() {
  objects_.clear();
  keys_.clear();
  events_.clear();
  event_keys_.clear();
}

absl::Status StripeData::ListObjects(const std::string& type,
                                     const PageQuery& q, Page* out) const {
  static const std::map<OrderKey, Json> kEmpty;
  auto t = objects_.find(type);
  const auto& all = t == objects_.end() ? kEmpty : t->second;
  auto key_of =
      [&](const std::string& id,
          const char* param) -> absl::StatusOr<std::optional<OrderKey>> {
    if (id.empty()) return std::nullopt;
    auto k = keys_.find(type);
    if (k == keys_.end() || !k->second.count(id)) {
      return absl::NotFoundError(
          absl::StrCat(param, "|No such ", type, ": '", id, "'"));
    }
    return k->second.at(id);
  };
  auto after = key_of(q.starting_after, "starting_after");
  if (!after.ok()) return after.status();
  auto before = key_of(q.ending_before, "ending_before");
  if (!before.ok()) return before.status();
  PageOf(all, CreatedFilter(q, [](const Json&) { return true; }), *after,
         *before, q.limit, out);
  return absl::OkStatus();
}

absl::Status StripeData::ListEvents(const std::vector<std::string>& types,
                                    int64_t not_before, const PageQuery& q,
                                    Page* out) const {
  auto matches = [types, not_before](const Json& ev) {
    if (CreatedOf(ev) < not_before) return false;
    if (types.empty()) return true;
    std::string type = StringOr(ev, "type");
    for (const std::string& t : types) {
      if (absl::EndsWith(t, ".*")
              ? absl::StartsWith(type, t.substr(0, t.size() - 1))
              : type == t) {
        return true;
      }
    }
    return false;
  };
  auto key_of =
      [&](const std::string& id,
          const char* param) -> absl::StatusOr<std::optional<OrderKey>> {
    if (id.empty()) return std::nullopt;
    auto k = event_keys_.find(id);
    // Events past the retention are gone for paging too.
    if (k == event_keys_.end() || k->second.first < not_before) {
      return absl::NotFoundError(
          absl::StrCat(param, "|No such event: '", id, "'"));
    }
    return k->second;
  };
  auto after = key_of(q.starting_after, "starting_after");
  if (!after.ok()) return after.status();
  auto before = key_of(q.ending_before, "ending_before");
  if (!before.ok()) return before.status();
  PageOf(events_, CreatedFilter(q, matches), *after, *before, q.limit, out);
  return absl::OkStatus();
}

absl::StatusOr<int> StripeData::LoadDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dir: ", dir, " is not a folder"));
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Json> events;
  for (const fs::path& f : files) {
    std::ifstream in(f);
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<Json> doc = adapter::ParseExactJson(text.str());
    if (!doc.ok() || !doc->is_object() || StringOr(*doc, "object").empty() ||
        StringOr(*doc, "id").empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "dir: ", f.string(), " is not a Stripe object with id and object"));
    }
    if (StringOr(*doc, "object") == "event") {
      events.push_back(std::move(*doc));
    } else {
      Put(std::move(*doc));
    }
  }
  // An event's data.object is the object's state at the event: the newest
  // event of an object wins over the bare file.
  std::stable_sort(
      events.begin(), events.end(),
      [](const Json& a, const Json& b) { return CreatedOf(a) < CreatedOf(b); });
  for (Json& ev : events) {
    if (ev.contains("data") && ev["data"].is_object() &&
        ev["data"].contains("object") && ev["data"]["object"].is_object()) {
      Put(ev["data"]["object"]);
    }
    AppendEvent(std::move(ev));
  }
  return static_cast<int>(files.size());
}

}  // namespace revhub::emulator
