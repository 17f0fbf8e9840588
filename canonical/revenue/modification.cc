#include "canonical/revenue/modification.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace revhub::revenue {

ModificationDecision ClassifyModification(
    const std::vector<ObligationFacts>& facts, bool discounts_changed) {
  ModificationDecision d;
  d.per_line.assign(facts.size(), ObligationTreatment::kKeep);
  std::vector<std::string> added, changed, removed;
  bool all_added_at_ssp = true;
  for (const ObligationFacts& f : facts) {
    switch (f.change) {
      case LineChange::kAdded:
        added.push_back(f.line_id);
        if (!f.priced_at_ssp) all_added_at_ssp = false;
        break;
      case LineChange::kChanged:
        changed.push_back(f.line_id);
        break;
      case LineChange::kRemoved:
        removed.push_back(f.line_id);
        break;
      case LineChange::kUnchanged:
        break;
    }
  }
  if (added.empty() && changed.empty() && removed.empty() &&
      !discounts_changed) {
    d.treatment = ModificationTreatment::MODIFICATION_TREATMENT_NONE;
    d.reason = "no line or discount changed; the schedule is unchanged";
    return d;
  }
  if (!added.empty() && changed.empty() && removed.empty() &&
      !discounts_changed && all_added_at_ssp) {
    d.treatment =
        ModificationTreatment::MODIFICATION_TREATMENT_SEPARATE_CONTRACT;
    d.reason =
        absl::StrCat("lines ", absl::StrJoin(added, ", "),
                     " add distinct goods or services at their standalone "
                     "selling price and nothing else changed (ASC "
                     "606-10-25-12): a separate contract");
    for (size_t i = 0; i < facts.size(); ++i) {
      if (facts[i].change == LineChange::kAdded) {
        d.per_line[i] = ObligationTreatment::kSeparate;
      }
    }
    return d;
  }
  std::vector<std::string> prospective, catch_up;
  for (size_t i = 0; i < facts.size(); ++i) {
    const ObligationFacts& f = facts[i];
    if (f.usage || f.change == LineChange::kRemoved) continue;
    if (f.change == LineChange::kAdded) {
      d.per_line[i] = ObligationTreatment::kProspective;
      prospective.push_back(f.line_id);
      continue;
    }
    if (!f.remaining) continue;
    if (f.distinct_periods) {
      d.per_line[i] = ObligationTreatment::kProspective;
      prospective.push_back(f.line_id);
    } else {
      d.per_line[i] = ObligationTreatment::kCatchUp;
      catch_up.push_back(f.line_id);
    }
  }
  std::string what;
  if (!added.empty()) {
    absl::StrAppend(
        &what, "added ", absl::StrJoin(added, ", "),
        all_added_at_ssp ? "" : " (not at standalone selling price)", "; ");
  }
  if (!changed.empty())
    absl::StrAppend(&what, "changed ", absl::StrJoin(changed, ", "), "; ");
  if (!removed.empty())
    absl::StrAppend(&what, "removed ", absl::StrJoin(removed, ", "), "; ");
  if (discounts_changed) absl::StrAppend(&what, "discounts changed; ");
  if (!catch_up.empty() && !prospective.empty()) {
    d.treatment = ModificationTreatment::MODIFICATION_TREATMENT_MIXED;
    d.reason = absl::StrCat(
        what, "remaining services of ", absl::StrJoin(prospective, ", "),
        " are distinct (prospective, ASC 606-10-25-13a) and those of ",
        absl::StrJoin(catch_up, ", "),
        " are not (cumulative catch-up, 25-13b): mixed (25-13c)");
  } else if (!catch_up.empty()) {
    d.treatment =
        ModificationTreatment::MODIFICATION_TREATMENT_CUMULATIVE_CATCH_UP;
    d.reason = absl::StrCat(what, "the remaining part of ",
                            absl::StrJoin(catch_up, ", "),
                            " is not distinct from what was delivered (ASC "
                            "606-10-25-13b): cumulative catch-up");
  } else {
    d.treatment = ModificationTreatment::MODIFICATION_TREATMENT_PROSPECTIVE;
    d.reason = absl::StrCat(
        what,
        prospective.empty()
            ? "nothing remains to deliver"
            : absl::StrCat("the remaining services of ",
                           absl::StrJoin(prospective, ", "),
                           " are distinct from those delivered"),
        " (ASC 606-10-25-13a): terminate and create a new contract "
        "prospectively");
  }
  return d;
}

}  // namespace revhub::revenue
