// AuditLogReader / AuditLogWriter: the append-only, hash-chained audit log.
//
// Every row (hub::v1::AuditRecord) is appended inside a write transaction by
// the store's single writer, so rows get dense sequence numbers in commit
// order and the chain never forks: a row's prev_hash is the row_hash of the
// row appended just before it in the same or an earlier transaction, and a
// write that rolls back takes its rows with it.
//
// The chain. For the row with sequence n:
//   prev_hash(n) = row_hash(n-1); prev_hash(1) = kAuditGenesisHash
//   row_hash(n)  = lower-case hex SHA-256 of AuditRowEncoding(row n)
// AuditRowEncoding concatenates, for each of prev_hash, seq, recorded_at
// (microseconds since the Unix epoch), principal, role, method, the number
// of targets, each target's field and value, request_sha256, code and
// message, in that order: the decimal length of the field's text, ':', the
// text, ','. Integers are written in decimal. Nothing else is hashed, and
// every stored column is.
//
// The reader reads committed rows and is thread-safe; the writer exists
// only inside a write transaction (WriteTxn in store.h).
#ifndef REVHUB_HUB_STORE_AUDIT_LOG_H_
#define REVHUB_HUB_STORE_AUDIT_LOG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "revhub/hub/v1/audit_service.pb.h"

namespace revhub::hub {

// prev_hash of the first row.
inline constexpr char kAuditGenesisHash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

// What ListAuditRecords returns; every set filter must match.
struct AuditQuery {
  std::string principal;  // exact; empty: any
  std::string method;     // exact full method; empty: any
  // The method's last part ("RegisterSystem"); empty: any.
  std::string method_name;
  absl::Time since = absl::InfinitePast();    // recorded_at >= since
  absl::Time until = absl::InfiniteFuture();  // recorded_at < until
  // A target value; with target_field set, that field's value only.
  std::string target_field;
  std::string target_value;
  int64_t after_seq = 0;  // rows with seq > after_seq
  int limit = 100;
};

// The outcome of walking the chain.
struct AuditVerification {
  // Rows found linked, from seq 1, before the first break.
  int64_t rows_checked = 0;
  // The last row stored (0 and kAuditGenesisHash when the log is empty).
  int64_t head_seq = 0;
  std::string head_hash = kAuditGenesisHash;
  // UNSPECIFIED when intact.
  hub::v1::AuditBreak broken = hub::v1::AUDIT_BREAK_UNSPECIFIED;
  int64_t broken_seq = 0;
  std::string detail;
};

// A head printed by an earlier verify and kept outside the hub.
struct AuditAnchor {
  int64_t seq = 0;
  std::string row_hash;
};

// Returns the bytes row_hash is the SHA-256 of (see the file comment). The
// row's own row_hash is not part of it.
std::string AuditRowEncoding(const hub::v1::AuditRecord& row);

class AuditLogReader {
 public:
  virtual ~AuditLogReader() = default;

  // Returns up to query.limit committed rows matching the query, in seq
  // order.
  virtual absl::StatusOr<std::vector<hub::v1::AuditRecord>> ListAuditRecords(
      const AuditQuery& query) = 0;
  // Walks every committed row in seq order and reports the first broken
  // link: a seq that is not the one after the previous row's (ROW_MISSING,
  // naming the first missing seq), a prev_hash that is not the previous
  // row's row_hash (LINK_BROKEN), a row whose encoding does not hash to its
  // row_hash (ROW_EDITED); checked in that order per row. With an anchor,
  // then: a log ending before anchor.seq is ROW_MISSING (the tail was
  // truncated) and an anchor row with another hash is ANCHOR_MISMATCH.
  virtual absl::StatusOr<AuditVerification> VerifyAuditLog(
      const std::optional<AuditAnchor>& anchor) = 0;
};

class AuditLogWriter {
 public:
  virtual ~AuditLogWriter() = default;

  // Appends `row` (its principal, role, method, targets, request_sha256,
  // code and message); sets seq (the next one), recorded_at (the
  // transaction's Now()), prev_hash and row_hash, and returns the stored
  // row.
  virtual absl::StatusOr<hub::v1::AuditRecord> AppendAudit(
      hub::v1::AuditRecord row) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_AUDIT_LOG_H_
