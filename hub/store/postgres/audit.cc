// The audit log (audit_log.h) in table `audit_log`. Targets are one column
// of "field=value" lines with '%', '=' and newlines in the text escaped as
// %25, %3D and %0A, so a target filter is one strpos() and the text reads
// back to the same targets. Rows are appended under a transaction-level
// advisory lock, so that hubs sharing the database extend one chain.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/common/util.h"
#include "hub/store/postgres/migrations.h"
#include "hub/store/postgres/pg_queries.h"

namespace revhub::hub::postgres {
namespace {

using google::protobuf::util::TimeUtil;
using hub::v1::AuditRecord;

constexpr char kAuditColumns[] =
    "seq, recorded_at, principal, role, method, targets, request_sha256,"
    " code, message, prev_hash, row_hash";

std::string Escape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"%", "%25"}, {"=", "%3D"}, {"\n", "%0A"}});
}

std::string Unescape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"%3D", "="}, {"%0A", "\n"}, {"%25", "%"}});
}

std::string EncodeTargets(const AuditRecord& row) {
  std::string out;
  for (const hub::v1::AuditTarget& t : row.targets()) {
    absl::StrAppend(&out, Escape(t.field()), "=", Escape(t.value()), "\n");
  }
  return out;
}

AuditRecord ReadRow(const Statement& q) {
  AuditRecord row;
  row.set_seq(q.ColumnInt(0));
  *row.mutable_recorded_at() =
      TimeUtil::MicrosecondsToTimestamp(q.ColumnInt(1));
  row.set_principal(q.ColumnText(2));
  row.set_role(q.ColumnText(3));
  row.set_method(q.ColumnText(4));
  for (absl::string_view line :
       absl::StrSplit(q.ColumnText(5), '\n', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    hub::v1::AuditTarget* t = row.add_targets();
    t->set_field(Unescape(kv.first));
    t->set_value(Unescape(kv.second));
  }
  row.set_request_sha256(q.ColumnText(6));
  row.set_code(static_cast<int32_t>(q.ColumnInt(7)));
  row.set_message(q.ColumnText(8));
  row.set_prev_hash(q.ColumnText(9));
  row.set_row_hash(q.ColumnText(10));
  return row;
}

}  // namespace

absl::StatusOr<AuditRecord> AppendAudit(Connection& db, AuditRecord row,
                                        absl::Time now) {
  int64_t seq = 1;
  std::string prev = kAuditGenesisHash;
  {
    // Its own statement, before the head is read: a statement sees what
    // was committed when it started, so the read must start after the
    // previous appender (another hub) has committed and let go.
    Statement lock(db, absl::StrCat("SELECT pg_advisory_xact_lock(", kLockClass,
                                    ", ", kAuditLock, ")"));
    RETURN_IF_ERROR(lock.Run());
    Statement head(db,
                   "SELECT seq, row_hash FROM audit_log ORDER BY seq DESC"
                   " LIMIT 1");
    ASSIGN_OR_RETURN(bool found, head.Step());
    if (found) {
      seq = head.ColumnInt(0) + 1;
      prev = head.ColumnText(1);
    }
  }
  row.set_seq(seq);
  *row.mutable_recorded_at() = TimeUtil::MicrosecondsToTimestamp(Micros(now));
  row.set_prev_hash(prev);
  row.set_row_hash(Sha256Hex(AuditRowEncoding(row)));
  Statement q(
      db,
      absl::StrCat("INSERT INTO audit_log (", kAuditColumns,
                   ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"));
  q.Bind(1, seq)
      .Bind(2, Micros(now))
      .Bind(3, row.principal())
      .Bind(4, row.role())
      .Bind(5, row.method())
      .Bind(6, EncodeTargets(row))
      .Bind(7, row.request_sha256())
      .Bind(8, int64_t{row.code()})
      .Bind(9, row.message())
      .Bind(10, row.prev_hash())
      .Bind(11, row.row_hash());
  RETURN_IF_ERROR(q.Run());
  return row;
}

absl::StatusOr<std::vector<AuditRecord>> ListAuditRecords(
    Connection& db, const AuditQuery& query) {
  std::string sql =
      absl::StrCat("SELECT ", kAuditColumns, " FROM audit_log WHERE seq > $1");
  int n = 1;
  auto next = [&n] { return absl::StrCat("$", ++n); };
  if (!query.principal.empty()) sql += " AND principal = " + next();
  if (!query.method.empty()) sql += " AND method = " + next();
  if (!query.method_name.empty()) {
    sql += " AND method LIKE " + next() + " ESCAPE '\\'";
  }
  if (query.since != absl::InfinitePast()) {
    sql += " AND recorded_at >= " + next();
  }
  if (query.until != absl::InfiniteFuture()) {
    sql += " AND recorded_at < " + next();
  }
  if (!query.target_value.empty()) {
    sql += query.target_field.empty()
               ? " AND strpos(targets, " + next() + ") > 0"
               : " AND strpos(chr(10) || targets, " + next() + ") > 0";
  }
  sql += " ORDER BY seq LIMIT " + next();
  Statement q(db, sql);
  int i = 1;
  q.Bind(i++, query.after_seq);
  if (!query.principal.empty()) q.Bind(i++, query.principal);
  if (!query.method.empty()) q.Bind(i++, query.method);
  if (!query.method_name.empty()) {
    const std::string escaped = absl::StrReplaceAll(
        query.method_name, {{"\\", "\\\\"}, {"%", "\\%"}, {"_", "\\_"}});
    q.Bind(i++, absl::StrCat("%/", escaped));
  }
  if (query.since != absl::InfinitePast()) q.Bind(i++, Micros(query.since));
  if (query.until != absl::InfiniteFuture()) q.Bind(i++, Micros(query.until));
  if (!query.target_value.empty()) {
    const std::string value =
        absl::StrCat("=", Escape(query.target_value), "\n");
    q.Bind(i++, query.target_field.empty()
                    ? value
                    : absl::StrCat("\n", Escape(query.target_field), value));
  }
  q.Bind(i++, int64_t{query.limit});
  std::vector<AuditRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ReadRow(q));
  }
  return out;
}

absl::StatusOr<AuditVerification> VerifyAuditLog(
    Connection& db, const std::optional<AuditAnchor>& anchor) {
  AuditVerification v;
  auto broken = [&v](hub::v1::AuditBreak kind, int64_t seq,
                     std::string detail) {
    v.broken = kind;
    v.broken_seq = seq;
    v.detail = std::move(detail);
  };
  // One statement reads one snapshot: rows appended meanwhile are not seen.
  Statement q(db, absl::StrCat("SELECT ", kAuditColumns,
                               " FROM audit_log ORDER BY seq"));
  int64_t last_seq = 0;
  std::string last_hash = kAuditGenesisHash;
  std::optional<std::string> anchor_hash;
  while (true) {
    ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) break;
    AuditRecord row = ReadRow(q);
    const int64_t seq = row.seq();
    if (v.broken == hub::v1::AUDIT_BREAK_UNSPECIFIED) {
      if (seq != last_seq + 1) {
        broken(hub::v1::AUDIT_BREAK_ROW_MISSING, last_seq + 1,
               seq - last_seq == 2
                   ? absl::StrCat("row ", last_seq + 1, " is missing (row ",
                                  seq, " follows row ", last_seq, ")")
                   : absl::StrCat("rows ", last_seq + 1, " to ", seq - 1,
                                  " are missing (row ", seq, " follows row ",
                                  last_seq, ")"));
      } else if (row.prev_hash() != last_hash) {
        broken(hub::v1::AUDIT_BREAK_LINK_BROKEN, seq,
               absl::StrCat("row ", seq, " does not link to row ", last_seq,
                            ": its prev_hash ", row.prev_hash(),
                            " is not that row's hash ", last_hash,
                            " (rows reordered or replaced)"));
      } else if (Sha256Hex(AuditRowEncoding(row)) != row.row_hash()) {
        broken(hub::v1::AUDIT_BREAK_ROW_EDITED, seq,
               absl::StrCat("row ", seq,
                            " was edited: its content does not hash to its"
                            " row_hash ",
                            row.row_hash()));
      } else {
        ++v.rows_checked;
      }
    }
    if (anchor.has_value() && seq == anchor->seq) anchor_hash = row.row_hash();
    last_seq = seq;
    last_hash = row.row_hash();
  }
  v.head_seq = last_seq;
  v.head_hash = last_hash;
  if (v.broken == hub::v1::AUDIT_BREAK_UNSPECIFIED && anchor.has_value() &&
      anchor->seq > 0) {
    if (last_seq < anchor->seq) {
      broken(hub::v1::AUDIT_BREAK_ROW_MISSING, last_seq + 1,
             absl::StrCat("rows ", last_seq + 1, " to ", anchor->seq,
                          " are missing: the log ends at row ", last_seq,
                          " but the expected head is row ", anchor->seq,
                          " (the tail was truncated)"));
    } else if (anchor_hash.value_or("") != anchor->row_hash) {
      broken(hub::v1::AUDIT_BREAK_ANCHOR_MISMATCH, anchor->seq,
             absl::StrCat("row ", anchor->seq, " has hash ",
                          anchor_hash.value_or(""), ", not the expected head ",
                          anchor->row_hash,
                          " (the log was rewritten from that row or before)"));
    }
  }
  return v;
}

}  // namespace revhub::hub::postgres
