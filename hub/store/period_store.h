// PeriodReader / PeriodWriter: which accounting periods are closed, for
// which legal entity, and the history of closing and reopening them.
//
// A change is one hub::v1::AccountingPeriod (period "YYYY-MM", legal entity
// — empty for every entity —, closed or reopened, when, by whom, why),
// appended and never rewritten. A (period, legal entity)'s state is its
// latest change; the state at a recorded time is the latest change at or
// before it, so what the revenue worker computes for an event depends on
// the changes before that event, not on when the worker reads them. Whether
// a change is allowed (closing a closed period, reopening an open one) is
// the caller's rule.
//
// The reader reads committed data and is thread-safe; the writer exists
// only inside a write transaction (WriteTxn in store.h).
#ifndef REVHUB_HUB_STORE_PERIOD_STORE_H_
#define REVHUB_HUB_STORE_PERIOD_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "revhub/hub/v1/revenue_service.pb.h"

namespace revhub::hub {

class PeriodReader {
 public:
  virtual ~PeriodReader() = default;

  // Returns the state (latest change) of every (period, legal entity) ever
  // changed, by period then legal entity. A non-empty `legal_entity` keeps
  // that entity's and the every-entity ("") ones.
  virtual absl::StatusOr<std::vector<hub::v1::AccountingPeriod>> ListPeriods(
      absl::string_view legal_entity) = 0;
  // Returns the periods closed at recorded time `as_of` for `legal_entity`:
  // its own and those closed for every entity, sorted, each once.
  virtual absl::StatusOr<std::vector<std::string>> ClosedPeriodsAt(
      absl::string_view legal_entity, absl::Time as_of) = 0;
};

class PeriodWriter {
 public:
  virtual ~PeriodWriter() = default;

  // Returns the state of (period, legal_entity), or nullopt when it was
  // never changed (open).
  virtual absl::StatusOr<std::optional<hub::v1::AccountingPeriod>> GetPeriod(
      absl::string_view period, absl::string_view legal_entity) = 0;
  // Appends `change` as the new state of (change.period, change.legal_entity),
  // with changed_at set to the transaction's Now(); returns it as stored.
  virtual absl::StatusOr<hub::v1::AccountingPeriod> AppendPeriodChange(
      const hub::v1::AccountingPeriod& change) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_PERIOD_STORE_H_
