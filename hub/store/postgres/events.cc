// The event log and consumer positions (event_log.h) in tables `events`
// and `consumers`. Positions are assigned under a transaction-level
// advisory lock (LockEventsAndReadLast), so they are dense and in commit
// order across every hub writing to the database.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/store/postgres/migrations.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {

using google::protobuf::util::TimeUtil;

absl::Status AppendEvent(Connection& db, BusinessEvent event, int64_t position,
                         absl::Time now) {
  event.set_position(position);
  *event.mutable_recorded_at() = TimeUtil::MicrosecondsToTimestamp(Micros(now));
  Statement q(db,
              "INSERT INTO events (position, event_id, type, recorded_at,"
              " payload, subject_type, subject_id, subject_version,"
              " correlation_id, causation_id)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
              " ON CONFLICT (event_id) DO NOTHING");
  q.Bind(1, position)
      .Bind(2, event.event_id())
      .Bind(3, int64_t{event.type()})
      .Bind(4, Micros(now))
      .BindBlob(5, event.SerializeAsString())
      .Bind(6, int64_t{event.subject().entity_type()})
      .Bind(7, event.subject().id())
      .Bind(8, event.subject().version())
      .Bind(9, event.correlation_id())
      .Bind(10, event.causation_id());
  RETURN_IF_ERROR(q.Run());
  if (q.RowsAffected() == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("event_id: event ", event.event_id(), " is stored"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> LockEventsAndReadLast(Connection& db) {
  // Two statements: the second starts after the lock is granted, so it
  // sees every event committed by the previous holder.
  Statement lock(db, absl::StrCat("SELECT pg_advisory_xact_lock(", kLockClass,
                                  ", ", kEventsLock, ")"));
  RETURN_IF_ERROR(lock.Run());
  return LastEventPosition(db);
}

absl::StatusOr<std::optional<BusinessEvent>> GetEventById(
    Connection& db, absl::string_view event_id) {
  Statement q(db, "SELECT payload FROM events WHERE event_id = $1");
  q.Bind(1, event_id);
  ASSIGN_OR_RETURN(auto all, CollectBlobs<BusinessEvent>(q, 0, "event"));
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

absl::StatusOr<std::vector<BusinessEvent>> FindEvents(
    Connection& db, const EventLinkQuery& query) {
  if (query.subject_type == canonical::v1::ENTITY_TYPE_UNSPECIFIED &&
      query.correlation_id.empty() && query.causation_id.empty()) {
    return absl::InvalidArgumentError(
        "FindEvents: a subject, correlation_id or causation_id is required");
  }
  std::string sql = "SELECT payload FROM events WHERE position > $1";
  int n = 1;
  auto next = [&n] { return absl::StrCat("$", ++n); };
  if (query.subject_type != canonical::v1::ENTITY_TYPE_UNSPECIFIED) {
    sql += " AND subject_type = " + next();
    sql += " AND subject_id = " + next();
  }
  if (query.subject_version > 0) sql += " AND subject_version = " + next();
  if (!query.correlation_id.empty()) sql += " AND correlation_id = " + next();
  if (!query.causation_id.empty()) sql += " AND causation_id = " + next();
  sql += " ORDER BY position LIMIT " + next();
  Statement q(db, sql);
  int i = 1;
  q.Bind(i++, int64_t{0});
  if (query.subject_type != canonical::v1::ENTITY_TYPE_UNSPECIFIED) {
    q.Bind(i++, int64_t{query.subject_type});
    q.Bind(i++, query.subject_id);
  }
  if (query.subject_version > 0) q.Bind(i++, query.subject_version);
  if (!query.correlation_id.empty()) q.Bind(i++, query.correlation_id);
  if (!query.causation_id.empty()) q.Bind(i++, query.causation_id);
  q.Bind(i++, int64_t{query.limit});
  return CollectBlobs<BusinessEvent>(q, 0, "event");
}

absl::StatusOr<std::vector<BusinessEvent>> ReadEvents(
    Connection& db, int64_t from, int64_t to,
    const std::vector<EventType>& types, int limit) {
  std::string sql =
      "SELECT payload FROM events WHERE position BETWEEN $1 AND $2";
  if (!types.empty()) {
    std::vector<std::string> ts;
    for (EventType t : types) ts.push_back(absl::StrCat(static_cast<int>(t)));
    absl::StrAppend(&sql, " AND type IN (", absl::StrJoin(ts, ","), ")");
  }
  sql += " ORDER BY position LIMIT $3";
  Statement q(db, sql);
  q.Bind(1, from).Bind(2, to).Bind(3, int64_t{limit});
  return CollectBlobs<BusinessEvent>(q, 0, "event");
}

absl::StatusOr<std::vector<EventPayload>> ReadEventPayloads(Connection& db,
                                                            int64_t from,
                                                            int64_t to,
                                                            int limit) {
  if (limit <= 0) return absl::InvalidArgumentError("limit: must be positive");
  Statement q(db,
              "SELECT position, payload FROM events WHERE position BETWEEN $1 "
              "AND $2 ORDER BY position LIMIT $3");
  q.Bind(1, from).Bind(2, to).Bind(3, int64_t{limit});
  std::vector<EventPayload> out;
  out.reserve(static_cast<size_t>(std::min(limit, 4096)));
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    EventPayload& e = out.emplace_back();
    e.position = q.ColumnInt(0);
    e.bytes = q.ColumnBlob(1);
  }
  return out;
}

absl::StatusOr<int64_t> LastEventPosition(Connection& db) {
  Statement q(db, "SELECT COALESCE(MAX(position), 0) FROM events");
  ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.ColumnInt(0) : 0;
}

absl::StatusOr<std::optional<hub::v1::Consumer>> GetConsumer(
    Connection& db, absl::string_view name) {
  Statement q(db, "SELECT payload FROM consumers WHERE name = $1");
  q.Bind(1, name);
  ASSIGN_OR_RETURN(auto all, CollectBlobs<hub::v1::Consumer>(q, 0, "consumer"));
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

absl::Status PutConsumer(Connection& db, const hub::v1::Consumer& consumer) {
  Statement q(db,
              "INSERT INTO consumers (name, payload) VALUES ($1, $2)"
              " ON CONFLICT (name) DO UPDATE SET payload = excluded.payload");
  q.Bind(1, consumer.name()).BindBlob(2, consumer.SerializeAsString());
  return q.Run();
}

}  // namespace revhub::hub::postgres
