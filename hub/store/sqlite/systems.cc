// Registered systems (system_store.h) in table `systems`.
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/store/sqlite/sqlite_queries.h"

namespace revhub::hub::sqlite {

using hub::v1::System;

absl::StatusOr<std::optional<System>> GetSystem(Connection& db,
                                                absl::string_view name) {
  Statement q(db, "SELECT payload FROM systems WHERE name = ?");
  q.Bind(1, name);
  ASSIGN_OR_RETURN(auto all, CollectBlobs<System>(q, 0, "system"));
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

absl::StatusOr<std::vector<System>> ListSystems(Connection& db,
                                                absl::string_view after_name,
                                                int limit) {
  Statement q(db,
              "SELECT payload FROM systems WHERE name > ? ORDER BY name"
              " LIMIT ?");
  q.Bind(1, after_name).Bind(2, int64_t{limit});
  return CollectBlobs<System>(q, 0, "system");
}

absl::Status PutSystem(Connection& db, const System& system) {
  Statement q(db,
              "INSERT INTO systems (name, state, payload) VALUES (?, ?, ?)"
              " ON CONFLICT (name) DO UPDATE SET state = excluded.state,"
              " payload = excluded.payload");
  q.Bind(1, system.name())
      .Bind(2, int64_t{system.state()})
      .BindBlob(3, system.SerializeAsString());
  return q.Run();
}

}  // namespace revhub::hub::sqlite
