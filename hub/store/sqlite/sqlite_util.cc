#include "hub/store/sqlite/sqlite_util.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"

namespace revhub::hub::sqlite {

absl::Status ErrorStatus(sqlite3* db, int rc, absl::string_view what) {
  std::string msg =
      absl::StrCat(what, ": ", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                   " (sqlite ", rc, ")");
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return absl::UnavailableError(msg);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(msg);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(msg);
    default:
      return absl::InternalError(msg);
  }
}

Connection::~Connection() {
  for (auto& [sql, stmts] : cache_) {
    for (sqlite3_stmt* stmt : stmts) sqlite3_finalize(stmt);
  }
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

absl::StatusOr<Connection> Connection::Open(const std::string& path,
                                            int flags) {
  Connection c;
  int rc = sqlite3_open_v2(path.c_str(), &c.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    return ErrorStatus(c.db_, rc, absl::StrCat("opening ", path));
  }
  sqlite3_extended_result_codes(c.db_, 1);
  return c;
}

absl::Status Connection::Exec(absl::string_view sql) {
  if (sql.find(';') == absl::string_view::npos) {
    Statement st(*this, sql);
    return st.Run();
  }
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string m = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return ErrorStatus(
        nullptr, rc, absl::StrCat("executing \"", s.substr(0, 60), "\": ", m));
  }
  return absl::OkStatus();
}

Statement::Statement(Connection& conn, absl::string_view sql)
    : conn_(conn), db_(conn.get()) {
  auto it = conn_.cache_.find(sql);
  if (it == conn_.cache_.end() &&
      conn_.cache_.size() < Connection::kMaxCachedSql) {
    it = conn_.cache_.try_emplace(std::string(sql)).first;
  }
  if (it != conn_.cache_.end()) {
    idle_ = &it->second;
    sql_ = it->first;
    if (!idle_->empty()) {
      stmt_ = idle_->back();
      idle_->pop_back();
      return;
    }
  } else {
    uncached_sql_ = std::string(sql);
    sql_ = uncached_sql_;
  }
  int rc = sqlite3_prepare_v3(db_, sql_.data(), static_cast<int>(sql_.size()),
                              idle_ != nullptr ? SQLITE_PREPARE_PERSISTENT : 0,
                              &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    status_ = ErrorStatus(db_, rc, "preparing statement");
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (idle_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    idle_->push_back(stmt_);
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  if (status_.ok()) {
    int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) status_ = ErrorStatus(db_, rc, "binding");
  }
  return *this;
}

Statement& Statement::Bind(int index, absl::string_view text) {
  if (status_.ok()) {
    int rc = sqlite3_bind_text(stmt_, index, text.data(),
                               static_cast<int>(text.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) status_ = ErrorStatus(db_, rc, "binding");
  }
  return *this;
}

Statement& Statement::BindBlob(int index, absl::string_view bytes) {
  if (status_.ok()) {
    int rc =
        sqlite3_bind_blob(stmt_, index, bytes.data(),
                          static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) status_ = ErrorStatus(db_, rc, "binding");
  }
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (status_.ok()) sqlite3_bind_null(stmt_, index);
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  if (!status_.ok()) return status_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorStatus(db_, rc,
                     absl::StrCat("running \"", sql_.substr(0, 60), "…\""));
}

absl::Status Statement::Run() {
  while (true) {
    auto row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

absl::Status Statement::Reset() {
  if (!status_.ok()) return status_;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return absl::OkStatus();
}

int64_t Statement::ColumnInt(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

std::string Statement::ColumnText(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

std::string Statement::ColumnBlob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), n) : std::string();
}

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

std::string EncodePageToken(absl::string_view last_key) {
  return absl::WebSafeBase64Escape(last_key);
}

std::string EncodeNumericPageToken(int64_t last) {
  return EncodePageToken(absl::StrCat(last));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token) {
  std::string out;
  if (!absl::WebSafeBase64Unescape(token, &out)) {
    return absl::InvalidArgumentError(
        "page_token: is not a token this hub issued");
  }
  return out;
}

// Returns the position a numeric page token stands for; `none` when the
// token is empty (the first page).
absl::StatusOr<int64_t> DecodeNumericPageToken(absl::string_view token,
                                               int64_t none) {
  if (token.empty()) return none;
  ASSIGN_OR_RETURN(std::string key, DecodePageToken(token));
  int64_t value = 0;
  if (!absl::SimpleAtoi(key, &value)) {
    return absl::InvalidArgumentError(
        "page_token: is not a token this hub issued");
  }
  return value;
}

}  // namespace revhub::hub::sqlite
