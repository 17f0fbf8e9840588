// PostingLedgerReader / PostingLedgerWriter: what the hub delivered to each
// target system.
//
// One row per vendor record, keyed by (target_system, external_id). The
// ledger does not decide which rows may change: RecordPosting only ever
// inserts, ReplacePosting overwrites, and the caller picks (orchestration
// replaces master data such as customers, and never a posting).
//
// The reader reads committed data and is thread-safe; the writer exists
// only inside a write transaction (WriteTxn in store.h).
#ifndef REVHUB_HUB_STORE_POSTING_LEDGER_H_
#define REVHUB_HUB_STORE_POSTING_LEDGER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "revhub/canonical/v1/common.pb.h"

namespace revhub::hub {

// One delivery to a target system.
struct PostingRow {
  std::string target_system;
  std::string external_id;  // the vendor's external id (NetSuite eid)
  std::string contract_id;
  canonical::v1::EntityType entity_type =
      canonical::v1::ENTITY_TYPE_UNSPECIFIED;
  std::string entity_id;  // the hub entity delivered
  // "customer", "invoice", "credit_note", "journal_entry", "reversal",
  // "accepted".
  std::string kind;
  std::string content_hash;  // of what was delivered
  std::string reverses;      // for a reversal: the external id it reverses
  std::string workflow_id;
  int step_index = 0;
  // The vendor's internal id (the NetSuite internal id): the first vendor
  // ref the target's adapter returned; empty only when it returned none.
  std::string vendor_id;
  absl::Time posted_at;
  std::string payload;  // serialized adapter.v1.CanonicalEntity delivered
};

class PostingLedgerReader {
 public:
  virtual ~PostingLedgerReader() = default;

  // Returns what was delivered to `target` for the contract, in posted_at
  // then external_id order.
  virtual absl::StatusOr<std::vector<PostingRow>> ListPostings(
      absl::string_view target, absl::string_view contract_id) = 0;
  // Returns the deliveries of one hub entity to `target`, in posted_at then
  // external_id order.
  virtual absl::StatusOr<std::vector<PostingRow>> ListEntityPostings(
      absl::string_view target, canonical::v1::EntityType type,
      absl::string_view id) = 0;
  // Returns the deliveries the target knows by its own id `vendor_id` (the
  // NetSuite internal id), to `target` or, when empty, to any target; in
  // posted_at order. Indexed: an ERP id finds its way back.
  virtual absl::StatusOr<std::vector<PostingRow>> FindPostingsByVendorId(
      absl::string_view target, absl::string_view vendor_id) = 0;
  // As FindPostingsByVendorId, by the external id the hub gave.
  virtual absl::StatusOr<std::vector<PostingRow>> FindPostingsByExternalId(
      absl::string_view target, absl::string_view external_id) = 0;
};

class PostingLedgerWriter {
 public:
  virtual ~PostingLedgerWriter() = default;

  // Records a delivery. ALREADY_EXISTS when a row with the same
  // (target_system, external_id) is recorded; that row is left unchanged.
  virtual absl::Status RecordPosting(const PostingRow& posting) = 0;
  // Stores the row, replacing the one recorded under the same
  // (target_system, external_id) if there is one.
  virtual absl::Status ReplacePosting(const PostingRow& posting) = 0;
  // As PostingLedgerReader, including this transaction's writes.
  virtual absl::StatusOr<std::vector<PostingRow>> ListPostings(
      absl::string_view target, absl::string_view contract_id) = 0;
  virtual absl::StatusOr<std::vector<PostingRow>> ListEntityPostings(
      absl::string_view target, canonical::v1::EntityType type,
      absl::string_view id) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_POSTING_LEDGER_H_
