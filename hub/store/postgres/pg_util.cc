#include "hub/store/postgres/pg_util.h"

#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "canonical/status_macros.h"

namespace revhub::hub::postgres {

absl::Status ErrorStatus(PGconn* conn, const PGresult* res,
                         absl::string_view what) {
  const char* state =
      res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = res != nullptr ? PQresultErrorMessage(res)
                                       : (conn != nullptr ? PQerrorMessage(conn)
                                                          : "no connection");
  if (message.empty() && conn != nullptr) message = PQerrorMessage(conn);
  message = std::string(absl::StripTrailingAsciiWhitespace(message));
  const std::string code = state != nullptr ? state : "";
  std::string msg = absl::StrCat(what, ": ", message);
  if (!code.empty()) absl::StrAppend(&msg, " (sqlstate ", code, ")");
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK ||
      absl::StartsWith(code, "08") || code == "57P01" || code == "57P02" ||
      code == "57P03" || code == "40001" || code == "40P01" ||
      code == "55P03") {
    return absl::UnavailableError(msg);
  }
  if (absl::StartsWith(code, "23")) return absl::AlreadyExistsError(msg);
  if (absl::StartsWith(code, "53")) return absl::ResourceExhaustedError(msg);
  return absl::InternalError(msg);
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = std::exchange(other.conn_, nullptr);
    prepared_ = std::move(other.prepared_);
    next_name_ = other.next_name_;
  }
  return *this;
}

absl::StatusOr<Connection> Connection::Open(const std::string& url) {
  // Keyword defaults first: libpq keeps the last value of a repeated
  // keyword, so what the URL says (expanded from dbname) wins.
  const char* keys[] = {"connect_timeout",  "keepalives",
                        "keepalives_idle",  "keepalives_interval",
                        "keepalives_count", "application_name",
                        "dbname",           nullptr};
  const char* values[] = {"10", "1",       "5",         "2",
                          "3",  "revhubd", url.c_str(), nullptr};
  Connection c;
  c.conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (c.conn_ == nullptr) {
    return absl::ResourceExhaustedError(
        "libpq could not allocate a connection");
  }
  if (PQstatus(c.conn_) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat(
        "cannot connect to PostgreSQL: ",
        absl::StripTrailingAsciiWhitespace(PQerrorMessage(c.conn_))));
  }
  // Messages from the server (NOTICE) are not the hub's output.
  PQsetNoticeProcessor(
      c.conn_, [](void*, const char*) {}, nullptr);
  return c;
}

absl::Status Connection::Exec(absl::string_view sql) {
  if (conn_ == nullptr) return absl::UnavailableError("connection closed");
  std::string s(sql);
  PGresult* res = PQexec(conn_, s.c_str());
  const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  absl::Status out;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    out = ErrorStatus(conn_, res,
                      absl::StrCat("executing \"", s.substr(0, 60), "\""));
  }
  PQclear(res);
  return out;
}

absl::Status Connection::Reset() {
  prepared_.clear();
  if (conn_ == nullptr) return absl::UnavailableError("connection closed");
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reconnect to PostgreSQL: ",
        absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn_))));
  }
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  return absl::OkStatus();
}

Statement::Statement(Connection& conn, std::string sql)
    : conn_(conn), sql_(std::move(sql)) {}

Statement::~Statement() {
  if (res_ != nullptr) PQclear(res_);
}

Statement::Param& Statement::At(int index) {
  if (static_cast<int>(params_.size()) < index) params_.resize(index);
  return params_[index - 1];
}

Statement& Statement::Bind(int index, int64_t value) {
  Param& p = At(index);
  p.value = absl::StrCat(value);
  p.null = false;
  p.binary = false;
  return *this;
}

Statement& Statement::Bind(int index, absl::string_view text) {
  Param& p = At(index);
  p.value = std::string(text);
  p.null = false;
  p.binary = false;
  return *this;
}

Statement& Statement::BindBlob(int index, absl::string_view bytes) {
  Param& p = At(index);
  p.value = std::string(bytes);
  p.null = false;
  p.binary = true;
  return *this;
}

Statement& Statement::BindNull(int index) {
  Param& p = At(index);
  p.value.clear();
  p.null = true;
  p.binary = false;
  return *this;
}

absl::Status Statement::Execute() {
  PGconn* pg = conn_.get();
  if (pg == nullptr) return absl::UnavailableError("connection closed");
  const int n = static_cast<int>(params_.size());
  std::vector<const char*> values(n);
  std::vector<int> lengths(n);
  std::vector<int> formats(n);
  for (int i = 0; i < n; ++i) {
    values[i] = params_[i].null ? nullptr : params_[i].value.data();
    lengths[i] = static_cast<int>(params_[i].value.size());
    formats[i] = params_[i].binary ? 1 : 0;
  }
  auto it = conn_.prepared_.find(sql_);
  if (it == conn_.prepared_.end() &&
      conn_.prepared_.size() < Connection::kMaxPrepared) {
    std::string name = absl::StrCat("s", conn_.next_name_++);
    PGresult* prep = PQprepare(pg, name.c_str(), sql_.c_str(), 0, nullptr);
    const bool ok = prep != nullptr && PQresultStatus(prep) == PGRES_COMMAND_OK;
    absl::Status st;
    if (!ok) {
      st = ErrorStatus(pg, prep,
                       absl::StrCat("preparing \"", sql_.substr(0, 80), "…\""));
    }
    PQclear(prep);
    if (!st.ok()) return st;
    it = conn_.prepared_.emplace(sql_, std::move(name)).first;
  }
  if (it != conn_.prepared_.end()) {
    res_ = PQexecPrepared(pg, it->second.c_str(), n, values.data(),
                          lengths.data(), formats.data(), /*resultFormat=*/1);
  } else {
    res_ = PQexecParams(pg, sql_.c_str(), n, nullptr, values.data(),
                        lengths.data(), formats.data(), /*resultFormat=*/1);
  }
  const ExecStatusType st = res_ ? PQresultStatus(res_) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    absl::Status err = ErrorStatus(
        pg, res_, absl::StrCat("running \"", sql_.substr(0, 80), "…\""));
    PQclear(res_);
    res_ = nullptr;
    return err;
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Statement::Step() {
  if (res_ == nullptr) {
    RETURN_IF_ERROR(Execute());
    row_ = -1;
  }
  ++row_;
  return row_ < PQntuples(res_);
}

absl::Status Statement::Run() {
  if (res_ != nullptr) {
    PQclear(res_);
    res_ = nullptr;
  }
  return Execute();
}

absl::Status Statement::Reset() {
  if (res_ != nullptr) PQclear(res_);
  res_ = nullptr;
  row_ = -1;
  params_.clear();
  return absl::OkStatus();
}

int64_t Statement::RowsAffected() const {
  if (res_ == nullptr) return 0;
  int64_t n = 0;
  if (!absl::SimpleAtoi(PQcmdTuples(res_), &n)) return 0;
  return n;
}

int64_t Statement::ColumnInt(int col) const {
  if (res_ == nullptr || PQgetisnull(res_, row_, col)) return 0;
  const auto* p =
      reinterpret_cast<const unsigned char*>(PQgetvalue(res_, row_, col));
  const int len = PQgetlength(res_, row_, col);
  uint64_t v = 0;
  for (int i = 0; i < len; ++i) v = (v << 8) | p[i];
  switch (len) {  // sign-extend smaller integers
    case 1:
      return static_cast<int8_t>(v);
    case 2:
      return static_cast<int16_t>(v);
    case 4:
      return static_cast<int32_t>(v);
    default:
      return static_cast<int64_t>(v);
  }
}

std::string Statement::ColumnText(int col) const {
  if (res_ == nullptr || PQgetisnull(res_, row_, col)) return std::string();
  return std::string(PQgetvalue(res_, row_, col),
                     static_cast<size_t>(PQgetlength(res_, row_, col)));
}

bool Statement::ColumnIsNull(int col) const {
  return res_ == nullptr || PQgetisnull(res_, row_, col) != 0;
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

}  // namespace revhub::hub::postgres
