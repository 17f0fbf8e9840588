// Reconciler::Redeliver (reconciler.h): a REDELIVERY workflow delivering
// again, from the posting ledger, what the latest read-back showed the ERP
// lacks. The workflow's steps are the ledger's own deliveries (same step
// kind, same payload, same external id: an upsert by external id, so a
// repeat updates the one record), marked `redelivery` so the ledger row is
// replaced with the new vendor id. Nothing the read-back found present is
// delivered again.
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"
#include "hub/orchestration/planner.h"
#include "hub/reconciliation/reconciler.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
namespace v1 = ::revhub::hub::v1;

std::string StepNameOf(const std::string& kind) {
  if (kind == "customer") return kStepSyncCustomer;
  if (kind == "invoice") return kStepPostInvoice;
  if (kind == "credit_note") return kStepPostCreditNote;
  if (kind == "reversal") return kStepPostReversal;
  return kStepPostJournalEntry;
}

// The ledger row a variance is about. NOT_FOUND when it is gone.
absl::StatusOr<PostingRow> LedgerRow(WriteTxn& txn, const v1::Variance& v) {
  ASSIGN_OR_RETURN(
      std::vector<PostingRow> rows,
      txn.ListEntityPostings(v.target_system(), v.entity().entity_type(),
                             v.entity().id()));
  for (PostingRow& r : rows) {
    if (r.external_id == v.external_id()) return std::move(r);
  }
  return absl::NotFoundError(absl::StrCat("variance_id: the posting ledger of ",
                                          v.target_system(), " has no row ",
                                          v.external_id(), " any more"));
}

v1::WorkflowStep StepFor(const PostingRow& row, const std::string& key) {
  v1::WorkflowStep s;
  s.set_name(StepNameOf(row.kind));
  s.set_state(v1::STEP_STATE_PENDING);
  s.set_target_system(row.target_system);
  s.mutable_entity()->set_entity_type(row.entity_type);
  s.mutable_entity()->set_id(row.entity_id);
  s.mutable_payload()->ParseFromString(row.payload);
  *s.mutable_amount() = PayloadAmount(s.payload());
  s.set_idempotency_key(key);
  s.set_redelivery(true);
  s.set_detail(absl::StrCat("deliver again ", row.external_id, " (", row.kind,
                            "), which the read-back of ", row.target_system,
                            " did not find"));
  return s;
}

}  // namespace

absl::StatusOr<v1::RedeliverVarianceResponse> Reconciler::Redeliver(
    absl::string_view variance_id, absl::string_view note,
    absl::string_view principal) {
  if (variance_id.empty())
    return absl::InvalidArgumentError("variance_id: required");
  v1::RedeliverVarianceResponse out;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto v, txn.GetVariance(variance_id));
    if (!v)
      return absl::NotFoundError(
          absl::StrCat("variance_id: no variance ", variance_id));
    if (v->category() != v1::VARIANCE_CATEGORY_MISSING_IN_ERP)
      return absl::FailedPreconditionError(absl::StrCat(
          "variance_id: ", variance_id, " is ",
          v1::VarianceCategory_Name(v->category()),
          "; only MISSING_IN_ERP is delivered again (the read-back showed "
          "the ERP lacks it)"));
    if (v->state() != v1::VARIANCE_STATE_OPEN)
      return absl::FailedPreconditionError(
          absl::StrCat("variance_id: ", variance_id, " is ",
                       v1::VarianceState_Name(v->state()), ", not OPEN"));
    ASSIGN_OR_RETURN(PostingRow row, LedgerRow(txn, *v));
    // What the delivery refers to that the same run found missing too:
    // the customer of a document, first.
    std::vector<PostingRow> rows;
    std::vector<v1::Variance> also;
    adapter::v1::CanonicalEntity payload;
    payload.ParseFromString(row.payload);
    if (payload.has_invoice()) {
      ASSIGN_OR_RETURN(std::vector<v1::Variance> period,
                       txn.ListPeriodVariances(v->period(), v->legal_entity()));
      for (const v1::Variance& other : period) {
        if (other.category() == v1::VARIANCE_CATEGORY_MISSING_IN_ERP &&
            other.state() == v1::VARIANCE_STATE_OPEN &&
            other.target_system() == v->target_system() &&
            other.entity().entity_type() == cv1::ENTITY_TYPE_CUSTOMER &&
            other.entity().id() == payload.invoice().customer_id()) {
          ASSIGN_OR_RETURN(PostingRow customer, LedgerRow(txn, other));
          rows.push_back(std::move(customer));
          also.push_back(other);
        }
      }
    }
    rows.push_back(row);
    ASSIGN_OR_RETURN(int64_t seq, txn.NextSequence("workflow"));
    v1::Workflow wf;
    wf.set_workflow_id(absl::StrCat("wf_", seq));
    wf.set_kind(v1::WORKFLOW_KIND_REDELIVERY);
    wf.set_state(v1::WORKFLOW_STATE_PENDING);
    wf.set_contract_id(row.contract_id);
    wf.set_trigger(absl::StrCat("redeliver variance ", variance_id,
                                note.empty() ? "" : ": ", note));
    wf.set_principal(std::string(principal));
    wf.set_correlation_id(wf.workflow_id());
    *wf.mutable_created_at() = ToProto(txn.Now());
    *wf.mutable_updated_at() = ToProto(txn.Now());
    for (const PostingRow& r : rows) {
      v1::WorkflowStep s =
          StepFor(r, absl::StrCat(wf.workflow_id(), ":", wf.steps_size(), ":",
                                  r.external_id));
      s.set_index(wf.steps_size());
      *wf.add_steps() = std::move(s);
    }
    RETURN_IF_ERROR(txn.PutWorkflow(
        wf, seq, absl::StrCat("redeliver:", variance_id, ":", seq)));
    also.push_back(*v);
    for (v1::Variance& a : also) {
      a.add_redelivery_workflow_ids(wf.workflow_id());
      if (a.exception_id() != 0) {
        ASSIGN_OR_RETURN(auto ex, txn.GetException(a.exception_id()));
        if (ex) {
          RecordAction(&*ex, txn.Now(), "redelivered", principal,
                       absl::StrCat("workflow ", wf.workflow_id(),
                                    note.empty() ? "" : ": ", note));
          RETURN_IF_ERROR(txn.PutException(*ex).status());
        }
      }
      RETURN_IF_ERROR(txn.PutVariance(a, a.legal_entity()));
    }
    *out.mutable_variance() = also.back();
    out.add_workflow_ids(wf.workflow_id());
    return absl::OkStatus();
  }));
  if (notify_) notify_();
  return out;
}

}  // namespace revhub::hub
