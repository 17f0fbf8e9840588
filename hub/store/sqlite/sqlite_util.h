// Thin RAII wrappers over the SQLite C API that report errors as
// absl::Status. Not thread-safe: a connection belongs to one thread at a
// time.
#ifndef REVHUB_HUB_STORE_SQLITE_SQLITE_UTIL_H_
#define REVHUB_HUB_STORE_SQLITE_SQLITE_UTIL_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace revhub::hub::sqlite {

// Returns an absl::Status for a SQLite result code: SQLITE_BUSY/LOCKED as
// UNAVAILABLE, SQLITE_FULL/IOERR as RESOURCE_EXHAUSTED/UNAVAILABLE,
// constraint failures as ALREADY_EXISTS, anything else as INTERNAL.
absl::Status ErrorStatus(sqlite3* db, int rc, absl::string_view what);

// A connection, with the statements it has prepared: a Statement takes its
// prepared statement from here when one for the same SQL is idle, and gives
// it back reset, so each SQL text is parsed once per connection.
class Connection {
 public:
  Connection() = default;
  ~Connection();
  Connection(Connection&& other) noexcept
      : db_(other.db_), cache_(std::move(other.cache_)) {
    other.db_ = nullptr;
  }
  Connection& operator=(Connection&&) = delete;
  Connection(const Connection&) = delete;

  // Opens `path` with `flags` (SQLITE_OPEN_*).
  static absl::StatusOr<Connection> Open(const std::string& path, int flags);

  // Runs one or more statements that return no rows; one statement (no
  // ';') runs prepared, from the cache.
  absl::Status Exec(absl::string_view sql);

  sqlite3* get() const { return db_; }

 private:
  friend class Statement;
  // Idle prepared statements by SQL text (node map: Statement keeps a view
  // of the key).
  using Cache = absl::node_hash_map<std::string, std::vector<sqlite3_stmt*>>;
  // Distinct SQL texts kept; a connection that sees more (queries built
  // with variable IN lists) finalizes the extra ones instead.
  static constexpr size_t kMaxCachedSql = 512;

  sqlite3* db_ = nullptr;
  Cache cache_;
};

// A prepared statement, taken from its connection's cache and given back
// when destroyed. Bind indexes start at 1, column indexes at 0.
// REQUIRES: the connection outlives the statement.
class Statement {
 public:
  Statement(Connection& conn, absl::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Returns the status of preparing the statement.
  const absl::Status& status() const { return status_; }

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, absl::string_view text);
  Statement& BindBlob(int index, absl::string_view bytes);
  Statement& BindNull(int index);

  // Steps once: true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, for statements that return no rows.
  absl::Status Run();
  absl::Status Reset();

  int64_t ColumnInt(int col) const;
  std::string ColumnText(int col) const;
  std::string ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const;

 private:
  Connection& conn_;
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  absl::Status status_;
  std::vector<sqlite3_stmt*>* idle_ = nullptr;  // where stmt_ goes back
  absl::string_view sql_;  // the cache's key, or the text when not cached
  std::string uncached_sql_;
};

// Page tokens: the last key of a page, web-safe base64. Decoding a token
// the hub did not issue is INVALID_ARGUMENT naming page_token.
std::string EncodePageToken(absl::string_view last_key);
absl::StatusOr<std::string> DecodePageToken(absl::string_view token);
// The token of a page that ended at the numeric key `last`.
std::string EncodeNumericPageToken(int64_t last);
// Returns the number a numeric page token stands for; `none` when the token
// is empty (the first page).
absl::StatusOr<int64_t> DecodeNumericPageToken(absl::string_view token,
                                               int64_t none);

// Times are stored as microseconds since the Unix epoch.
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

// Steps `q` to the end and returns the message stored in column `col` of
// each row.
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

}  // namespace revhub::hub::sqlite

#endif  // REVHUB_HUB_STORE_SQLITE_SQLITE_UTIL_H_
