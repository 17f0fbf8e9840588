// Choosing the accounting for a contract modification (ASC 606-10-25-12/13).
//
// The choice is made from facts about each obligation of the amended
// contract, in this order:
//   1. Nothing changed (same lines at the same terms, same discounts):
//      NONE; the schedule is left as it is (a cancellation without refund
//      is such a change: only the status moved).
//   2. Lines were only added, none changed or removed, the discounts are
//      unchanged, and every added line is priced exactly at a standalone
//      selling price that was given: SEPARATE_CONTRACT (25-12). The
//      existing schedule is untouched; each added line earns its own price.
//   3. Otherwise the old contract is, for what remains, terminated and a new
//      one created. Each obligation with something left to deliver at the
//      modification date is either
//        - prospective, when what remains is distinct from what was
//          delivered (a ratable series of periods, a new line) (25-13a), or
//        - cumulative catch-up, when it is not (a MILESTONE obligation, or a
//          product marked revenue.distinct_periods=false) (25-13b).
//      All prospective: PROSPECTIVE. All catch-up: CUMULATIVE_CATCH_UP. Both:
//      MIXED (25-13c). USAGE obligations keep earning their usage and take
//      no part.
// The reason names the lines that decided it.
//
// Pure and thread-safe.
#ifndef REVHUB_CANONICAL_REVENUE_MODIFICATION_H_
#define REVHUB_CANONICAL_REVENUE_MODIFICATION_H_

#include <string>
#include <vector>

#include "revhub/canonical/v1/revenue.pb.h"

namespace revhub::revenue {

using canonical::v1::ModificationTreatment;

enum class LineChange { kUnchanged, kAdded, kChanged, kRemoved };

// What the classifier needs to know about one line of the old or new
// version.
struct ObligationFacts {
  std::string line_id;
  LineChange change = LineChange::kUnchanged;
  // Added lines: net price equals a given standalone selling price.
  bool priced_at_ssp = false;
  // Something of it is still to be delivered at the modification date.
  bool remaining = true;
  // What remains is distinct from what was delivered.
  bool distinct_periods = true;
  bool usage = false;
};

// How one obligation is carried through the modification.
enum class ObligationTreatment {
  kKeep,         // schedule untouched (satisfied, usage, or not modified)
  kSeparate,     // added line accounted for as a separate contract
  kProspective,  // remaining part shares the remaining consideration
  kCatchUp,      // re-measured with a catch-up adjustment
};

struct ModificationDecision {
  ModificationTreatment treatment =
      ModificationTreatment::MODIFICATION_TREATMENT_NONE;
  std::string reason;
  // Per line of the new version, in the order of `facts` (removed lines
  // included, always kKeep: their schedule stops at the modification date).
  std::vector<ObligationTreatment> per_line;
};

// Returns the treatment of a modification described by `facts` (one entry per
// line of the old and new versions) and `discounts_changed`.
ModificationDecision ClassifyModification(
    const std::vector<ObligationFacts>& facts, bool discounts_changed);

}  // namespace revhub::revenue

#endif  // REVHUB_CANONICAL_REVENUE_MODIFICATION_H_
