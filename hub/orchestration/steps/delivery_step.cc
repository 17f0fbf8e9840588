#include "canonical/status_macros.h"
#include "hub/common/util.h"
#include "hub/orchestration/steps/step.h"

namespace revhub::hub {

namespace cv1 = ::revhub::canonical::v1;

StepProgress DeliveryStep::Run(WorkflowRunner& runner,
                               const hub::v1::Workflow& wf, int index) const {
  return runner.Deliver(wf, index, *this);
}

void DeliveryStep::AddKnownRefs(const hub::v1::WorkflowStep&,
                                const KnownRef&) const {}

absl::Status DeliveryStep::OnDelivered(
    WriteTxn&, const hub::v1::Workflow&, const hub::v1::WorkflowStep&,
    const adapter::v1::ApplyResponse&) const {
  return absl::OkStatus();
}

absl::Status DeliveryStep::BindVendorRefs(
    WriteTxn& txn, const hub::v1::WorkflowStep& planned,
    const adapter::v1::ApplyResponse& response) {
  for (const auto& ref : response.vendor_refs()) {
    absl::Status bound = txn.BindExternalRef(planned.entity().entity_type(),
                                             ref, planned.entity().id());
    if (!bound.ok() && !absl::IsAlreadyExists(bound)) return bound;
  }
  return absl::OkStatus();
}

absl::Status DeliveryStep::AppendJournalPosted(
    WriteTxn& txn, const hub::v1::Workflow& w,
    const hub::v1::WorkflowStep& planned,
    const adapter::v1::ApplyResponse& response) {
  if (!planned.payload().has_journal_entry()) return absl::OkStatus();
  cv1::BusinessEvent ev;
  ev.set_event_id(NewId("evt"));
  ev.set_type(cv1::EVENT_TYPE_JOURNAL_POSTED);
  ev.mutable_subject()->set_entity_type(cv1::ENTITY_TYPE_JOURNAL_ENTRY);
  ev.mutable_subject()->set_id(planned.entity().id());
  ev.set_source_system(planned.target_system());
  ev.set_correlation_id(w.correlation_id());
  ev.set_causation_id(w.workflow_id());
  ev.set_trace_id(w.trace_id());
  ev.set_principal(w.principal());
  *ev.mutable_occurred_at() = ToProto(txn.Now());
  *ev.mutable_journal_posted()->mutable_entry() =
      planned.payload().journal_entry();
  ev.mutable_journal_posted()->set_target_system(planned.target_system());
  ev.mutable_journal_posted()->set_external_id(
      planned.payload().journal_entry().id());
  if (response.vendor_refs_size() > 0) {
    *ev.mutable_journal_posted()->mutable_vendor_ref() =
        response.vendor_refs(0);
  }
  return txn.AppendEvent(std::move(ev)).status();
}

void DeliveryStep::InvoiceKnownRefs(const hub::v1::WorkflowStep& planned,
                                    const KnownRef& known) {
  if (!planned.payload().has_invoice()) return;
  const cv1::Invoice& inv = planned.payload().invoice();
  known("customer_id", cv1::ENTITY_TYPE_CUSTOMER, inv.customer_id(),
        "customer");
  known("credited_invoice_id", cv1::ENTITY_TYPE_INVOICE,
        inv.credited_invoice_id(), "invoice");
}

}  // namespace revhub::hub
