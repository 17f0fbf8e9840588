// ReconciliationReader / ReconciliationWriter: reconciliation runs and their
// variances (ReconciliationService), and the posting ledger read whole.
//
// A run is stored whole (hub::v1::ReconciliationReport) under its run_id;
// the latest run of a (period, legal entity) is the one started last. A
// variance is stored whole (hub::v1::Variance) under its variance_id, which
// the caller derives from what it is about, so finding the same difference
// again rewrites the same row. The store decides nothing about states.
//
// The reader reads committed data and is thread-safe; the writer exists
// only inside a write transaction (WriteTxn in store.h).
#ifndef REVHUB_HUB_STORE_RECONCILIATION_STORE_H_
#define REVHUB_HUB_STORE_RECONCILIATION_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hub/store/posting_ledger.h"
#include "revhub/hub/v1/reconciliation_service.pb.h"

namespace revhub::hub {

// Filters of ListVariances; every filter given must match.
struct VarianceQuery {
  std::string period;  // all when empty
  hub::v1::VarianceState state = hub::v1::VARIANCE_STATE_UNSPECIFIED;
  hub::v1::VarianceCategory category = hub::v1::VARIANCE_CATEGORY_UNSPECIFIED;
  int page_size = 100;     // REQUIRES: > 0
  std::string page_token;  // empty for the first page
};

struct VariancePage {
  std::vector<hub::v1::Variance> variances;  // by period, then variance_id
  std::string next_page_token;               // empty at the end
};

class ReconciliationReader {
 public:
  virtual ~ReconciliationReader() = default;

  // Returns the latest run of (period, legal_entity), or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::ReconciliationReport>>
  GetLatestReconciliation(absl::string_view period,
                          absl::string_view legal_entity) = 0;
  // Returns the variance, or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::Variance>> GetVariance(
      absl::string_view variance_id) = 0;
  // Returns one page of variances. INVALID_ARGUMENT when page_token was not
  // issued by this store.
  virtual absl::StatusOr<VariancePage> ListVariances(
      const VarianceQuery& query) = 0;
  // Returns every delivery to `target`, in posted_at then external_id order.
  virtual absl::StatusOr<std::vector<PostingRow>> ListTargetPostings(
      absl::string_view target) = 0;
};

class ReconciliationWriter {
 public:
  virtual ~ReconciliationWriter() = default;

  // Stores a run (replacing one with the same run_id).
  virtual absl::Status PutReconciliation(
      const hub::v1::ReconciliationReport& report) = 0;
  // Stores a variance of the legal entity's reconciliation (replacing the
  // one with the same variance_id).
  virtual absl::Status PutVariance(const hub::v1::Variance& variance,
                                   absl::string_view legal_entity) = 0;
  virtual absl::StatusOr<std::optional<hub::v1::Variance>> GetVariance(
      absl::string_view variance_id) = 0;
  // Returns every variance of (period, legal_entity), in variance_id order.
  virtual absl::StatusOr<std::vector<hub::v1::Variance>> ListPeriodVariances(
      absl::string_view period, absl::string_view legal_entity) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_RECONCILIATION_STORE_H_
