// Thin RAII wrappers over libpq that report errors as absl::Status, shaped
// like the SQLite store's (sqlite_util.h) so that the two stores' queries
// read alike. Not thread-safe: a connection belongs to one thread at a time.
//
// Parameters go as text, except blobs, which go as binary bytea, so
// payloads travel byte for byte. Results come back in binary: integers are
// read from their network-order bytes, text and bytea as they are. A query
// must therefore return integer columns as smallint, integer, bigint or
// boolean (cast sums, which are numeric, to bigint).
#ifndef REVHUB_HUB_STORE_POSTGRES_PG_UTIL_H_
#define REVHUB_HUB_STORE_POSTGRES_PG_UTIL_H_

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace revhub::hub::postgres {

// Returns the status of a failed result (or of `conn` when `res` is null),
// by SQLSTATE: integrity violations as ALREADY_EXISTS (as SQLite's
// constraint failures), a lost connection, serialization failures, deadlocks
// and lock timeouts as UNAVAILABLE, insufficient resources as
// RESOURCE_EXHAUSTED, anything else as INTERNAL. `what` says what was done.
absl::Status ErrorStatus(PGconn* conn, const PGresult* res,
                         absl::string_view what);

// A connection, with the statements it has prepared: each SQL text is
// prepared once per connection (server-side, named s<N>) and executed
// from then on.
class Connection {
 public:
  Connection() = default;
  ~Connection();
  Connection(Connection&& other) noexcept
      : conn_(std::exchange(other.conn_, nullptr)),
        prepared_(std::move(other.prepared_)),
        next_name_(other.next_name_) {}
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;

  // Connects to `url` (a postgres:// URL or a conninfo string), with TCP
  // keepalives so a peer that vanished is noticed within seconds.
  // UNAVAILABLE naming the server's reason when it cannot connect.
  static absl::StatusOr<Connection> Open(const std::string& url);

  // Runs one or more statements with no parameters and no rows to read
  // (simple query protocol; ';' separates statements).
  absl::Status Exec(absl::string_view sql);

  // Whether the connection is up, as far as libpq knows.
  bool ok() const {
    return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK;
  }
  // Reconnects with the same parameters; prepared statements are gone.
  absl::Status Reset();
  // The server process serving this connection (0 when closed).
  int backend_pid() const { return conn_ ? PQbackendPID(conn_) : 0; }
  PGconn* get() const { return conn_; }

 private:
  friend class Statement;
  // Distinct SQL texts prepared; beyond this (queries built with variable
  // IN lists) statements run unprepared.
  static constexpr size_t kMaxPrepared = 512;

  PGconn* conn_ = nullptr;
  absl::flat_hash_map<std::string, std::string> prepared_;  // sql -> name
  int next_name_ = 0;
};

// One statement and, once run, its result. Bind indexes start at 1 ($1),
// column indexes at 0. REQUIRES: the connection outlives the statement.
class Statement {
 public:
  Statement(Connection& conn, std::string sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, absl::string_view text);
  Statement& Bind(int index, const char* text) {
    return Bind(index, absl::string_view(text));
  }
  Statement& Bind(int index, const std::string& text) {
    return Bind(index, absl::string_view(text));
  }
  Statement& BindBlob(int index, absl::string_view bytes);
  Statement& BindNull(int index);

  // Runs the statement on the first call; then steps through its rows:
  // true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Runs the statement, for statements whose rows are not read.
  absl::Status Run();
  // Forgets the result and the bound values, to run again.
  absl::Status Reset();
  // Rows inserted, updated or deleted by the last run.
  int64_t RowsAffected() const;

  int64_t ColumnInt(int col) const;
  std::string ColumnText(int col) const;
  std::string ColumnBlob(int col) const { return ColumnText(col); }
  bool ColumnIsNull(int col) const;

 private:
  struct Param {
    std::string value;
    bool null = true;
    bool binary = false;
  };
  Param& At(int index);
  absl::Status Execute();

  Connection& conn_;
  std::string sql_;
  std::vector<Param> params_;
  PGresult* res_ = nullptr;
  int row_ = -1;
};

// Page tokens: the last key of a page, web-safe base64, as the SQLite
// store issues them.
std::string EncodePageToken(absl::string_view last_key);
absl::StatusOr<std::string> DecodePageToken(absl::string_view token);
std::string EncodeNumericPageToken(int64_t last);
absl::StatusOr<int64_t> DecodeNumericPageToken(absl::string_view token,
                                               int64_t none);

// Times are stored as microseconds since the Unix epoch (bigint).
inline int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }
inline absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

// Returns the message stored as `bytes`; DATA_LOSS naming `what` when it
// does not parse.
template <typename Msg>
absl::StatusOr<Msg> ParseBlob(const std::string& bytes,
                              absl::string_view what) {
  Msg m;
  if (!m.ParseFromString(bytes)) {
    return absl::DataLossError(
        absl::StrCat("stored ", what, " does not parse"));
  }
  return m;
}

// Runs `q` and returns the message stored in column `col` of each row.
template <typename Msg>
absl::StatusOr<std::vector<Msg>> CollectBlobs(Statement& q, int col,
                                              absl::string_view what) {
  std::vector<Msg> out;
  while (true) {
    absl::StatusOr<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    absl::StatusOr<Msg> m = ParseBlob<Msg>(q.ColumnBlob(col), what);
    if (!m.ok()) return m.status();
    out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace revhub::hub::postgres

#endif  // REVHUB_HUB_STORE_POSTGRES_PG_UTIL_H_
