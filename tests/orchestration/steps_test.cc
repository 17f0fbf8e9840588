// The step kinds' registry (hub/orchestration/steps/step.h): every step a
// workflow or the planner names has its kind, and the deliveries are the
// ones the planner writes to the postings ledger.
#include <catch2/catch.hpp>
#include <string>

#include "hub/orchestration/planner.h"
#include "hub/orchestration/steps/step.h"

namespace revhub::hub {
namespace {

TEST_CASE("every step name has its kind; deliveries are DeliveryStep",
          "[orchestration][steps]") {
  for (const char* name :
       {kStepIssueCreditNote, kStepConfirmSchedule, kStepPlanPostings,
        kStepCheckPostedInvoice, kStepSyncCustomer, kStepPostInvoice,
        kStepPostCreditNote, kStepPostJournalEntry, kStepPostReversal}) {
    INFO(name);
    const Step* step = FindStep(name);
    REQUIRE(step != nullptr);
    const bool delivery = dynamic_cast<const DeliveryStep*>(step) != nullptr;
    // A delivery writes a postings row; the other steps do not.
    CHECK(delivery == !PostingKindOf(name).empty());
  }
  // A credit note is an invoice of kind CREDIT_NOTE and a reversal is a
  // journal entry: one step each, under two names; the other kinds differ.
  CHECK(FindStep(kStepPostInvoice) == FindStep(kStepPostCreditNote));
  CHECK(FindStep(kStepPostJournalEntry) == FindStep(kStepPostReversal));
  CHECK(FindStep(kStepPostInvoice) != FindStep(kStepPostJournalEntry));
  CHECK(FindStep(kStepSyncCustomer) != FindStep(kStepPostInvoice));
  CHECK(FindStep("post_everything") == nullptr);
  CHECK(FindStep("") == nullptr);
}

}  // namespace
}  // namespace revhub::hub
