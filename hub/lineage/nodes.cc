// Walker::Describe: one node of the lineage graph, read from the store:
// its label (one human line), system, time, amount and attributes.
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "hub/common/util.h"
#include "hub/lineage/walker.h"
#include "revhub/adapter/v1/adapter_service.pb.h"
#include "revhub/canonical/v1/contract.pb.h"
#include "revhub/canonical/v1/customer.pb.h"
#include "revhub/canonical/v1/fulfilment.pb.h"
#include "revhub/canonical/v1/invoice.pb.h"
#include "revhub/canonical/v1/payment.pb.h"
#include "revhub/canonical/v1/product.pb.h"
#include "revhub/canonical/v1/revenue.pb.h"

namespace revhub::hub::lineage {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::util::TimeUtil;
using hub::v1::TraceNode;

std::unique_ptr<Message> NewEntityMessage(cv1::EntityType type) {
  switch (type) {
    case cv1::ENTITY_TYPE_CUSTOMER:
      return std::make_unique<cv1::Customer>();
    case cv1::ENTITY_TYPE_PRODUCT:
      return std::make_unique<cv1::Product>();
    case cv1::ENTITY_TYPE_CONTRACT:
      return std::make_unique<cv1::Contract>();
    case cv1::ENTITY_TYPE_PERFORMANCE_OBLIGATION:
      return std::make_unique<cv1::PerformanceObligation>();
    case cv1::ENTITY_TYPE_INVOICE:
      return std::make_unique<cv1::Invoice>();
    case cv1::ENTITY_TYPE_PAYMENT:
      return std::make_unique<cv1::Payment>();
    case cv1::ENTITY_TYPE_REVENUE_SCHEDULE:
      return std::make_unique<cv1::RevenueSchedule>();
    case cv1::ENTITY_TYPE_JOURNAL_ENTRY:
      return std::make_unique<cv1::JournalEntry>();
    case cv1::ENTITY_TYPE_USAGE_RECORD:
      return std::make_unique<cv1::UsageRecord>();
    case cv1::ENTITY_TYPE_DELIVERY:
      return std::make_unique<cv1::Delivery>();
    default:
      return nullptr;
  }
}

std::string EnumShort(const google::protobuf::EnumValueDescriptor* v,
                      absl::string_view prefix_of) {
  if (v == nullptr) return "";
  std::string name = v->name();
  // STATUS_ACTIVE from CONTRACT_STATUS_ACTIVE: drop the enum's own prefix.
  const std::string prefix = absl::StrCat(prefix_of, "_");
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  return name;
}

// Fills the label, system, amount and attributes of an entity node from
// its canonical message, by the fields the canonical model shares.
void SummarizeEntity(const Message& m, absl::string_view what,
                     TraceNode* node) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  std::string name;
  for (const char* f : {"contract_number", "invoice_number", "name"}) {
    const FieldDescriptor* fd = d->FindFieldByName(f);
    if (fd != nullptr && fd->type() == FieldDescriptor::TYPE_STRING &&
        !r->GetString(m, fd).empty()) {
      name = r->GetString(m, fd);
      break;
    }
  }
  std::string status;
  if (const FieldDescriptor* fd = d->FindFieldByName("status");
      fd != nullptr && fd->type() == FieldDescriptor::TYPE_ENUM) {
    const auto* v = r->GetEnum(m, fd);
    std::string enum_name = fd->enum_type()->name();
    // ContractStatus -> CONTRACT_STATUS
    std::string upper;
    for (char c : enum_name) {
      if (std::isupper(static_cast<unsigned char>(c)) && !upper.empty())
        upper += '_';
      upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    status = EnumShort(v, upper);
    if (!status.empty()) (*node->mutable_attributes())["status"] = status;
  }
  for (const char* f : {"total", "amount", "transaction_price"}) {
    const FieldDescriptor* fd = d->FindFieldByName(f);
    if (fd != nullptr && fd->message_type() == cv1::Money::descriptor() &&
        r->HasField(m, fd)) {
      node->mutable_amount()->CopyFrom(r->GetMessage(m, fd));
      break;
    }
  }
  if (const FieldDescriptor* fd = d->FindFieldByName("external_refs");
      fd != nullptr && fd->is_repeated() &&
      fd->message_type() == cv1::ExternalRef::descriptor()) {
    for (int i = 0; i < r->FieldSize(m, fd); ++i) {
      const auto& ref =
          static_cast<const cv1::ExternalRef&>(r->GetRepeatedMessage(m, fd, i));
      if (node->system().empty()) node->set_system(ref.system());
      (*node->mutable_attributes())[absl::StrCat("vendor_id.", ref.system())] =
          absl::StrCat(ref.object_type(), "/", ref.vendor_id());
    }
  }
  node->set_label(absl::StrCat(what, name.empty() ? "" : " ", name,
                               status.empty() ? "" : " (", status,
                               status.empty() ? "" : ")"));
}

std::optional<cv1::Money> JournalTotal(const cv1::JournalEntry& je) {
  Nanos debit = 0;
  std::string currency;
  for (const auto& l : je.lines()) {
    if (!l.has_debit()) continue;
    debit += ToNanos(l.debit());
    currency = l.debit().currency_code();
  }
  if (currency.empty()) return std::nullopt;
  auto m = MoneyFromNanos(currency, debit);
  if (!m.ok()) return std::nullopt;
  return *m;
}

void SetAt(absl::Time t, TraceNode* node) { *node->mutable_at() = ToProto(t); }

}  // namespace

absl::StatusOr<std::optional<TraceNode>> Walker::Describe(
    const ParsedNodeId& p, const std::string& id) {
  TraceNode node;
  node.set_id(id);
  node.set_kind(p.kind);
  node.set_ref(id);
  auto& attrs = *node.mutable_attributes();
  switch (p.kind) {
    case hub::v1::TRACE_NODE_KIND_RAW_PAYLOAD:
    case hub::v1::TRACE_NODE_KIND_RECORD: {
      ASSIGN_OR_RETURN(auto rec, store_.GetRawRecord(p.number));
      if (!rec.has_value()) return std::nullopt;
      node.set_system(rec->system());
      *node.mutable_at() = rec->received_at();
      attrs["record_id"] = absl::StrCat(rec->record_id());
      attrs["object_type"] = rec->object_type();
      if (p.kind == hub::v1::TRACE_NODE_KIND_RAW_PAYLOAD) {
        const int64_t size = rec->size_bytes() > 0
                                 ? rec->size_bytes()
                                 : static_cast<int64_t>(rec->payload().size());
        node.set_label(absl::StrCat(rec->system(), " ", rec->object_type(),
                                    " payload, ", size, " bytes of ",
                                    rec->content_type()));
        attrs["content_type"] = rec->content_type();
        attrs["payload_sha256"] = rec->payload_sha256();
        attrs["size_bytes"] = absl::StrCat(size);
        attrs["idempotency_key"] = rec->idempotency_key();
      } else {
        const std::string status =
            EnumShort(hub::v1::RecordStatus_descriptor()->FindValueByNumber(
                          rec->status()),
                      "RECORD_STATUS");
        node.set_label(absl::StrCat("record ", rec->record_id(), " (",
                                    rec->system(), " ", rec->object_type(),
                                    "): ", status));
        attrs["status"] = status;
        if (!rec->status_reason().empty())
          attrs["status_reason"] = rec->status_reason();
        attrs["principal"] = rec->principal();
      }
      return node;
    }
    case hub::v1::TRACE_NODE_KIND_ENTITY_VERSION:
    case hub::v1::TRACE_NODE_KIND_SCHEDULE_VERSION:
    case hub::v1::TRACE_NODE_KIND_JOURNAL_ENTRY: {
      const cv1::EntityType type =
          p.kind == hub::v1::TRACE_NODE_KIND_ENTITY_VERSION ? p.type
          : p.kind == hub::v1::TRACE_NODE_KIND_SCHEDULE_VERSION
              ? cv1::ENTITY_TYPE_REVENUE_SCHEDULE
              : cv1::ENTITY_TYPE_JOURNAL_ENTRY;
      VersionSelector which;
      which.version = p.version;
      ASSIGN_OR_RETURN(auto stored, store_.GetEntity(type, p.id, which));
      if (!stored.has_value()) return std::nullopt;
      std::unique_ptr<Message> m = NewEntityMessage(type);
      if (m == nullptr || !m->ParseFromString(stored->payload)) {
        return absl::DataLossError(
            absl::StrCat("stored ", EntityTypeShortName(type), " ", p.id, " v",
                         stored->version, " does not parse"));
      }
      SetAt(stored->recorded_at, &node);
      attrs["entity_id"] = stored->id;
      attrs["version"] = absl::StrCat(stored->version);
      if (type == cv1::ENTITY_TYPE_JOURNAL_ENTRY) {
        const auto& je = static_cast<const cv1::JournalEntry&>(*m);
        node.set_label(absl::StrCat("journal entry ", je.id(), " (",
                                    je.source_kind(), " ", je.period(), ")",
                                    je.lines_size() == 0 ? " withdrawn" : ""));
        if (auto total = JournalTotal(je)) *node.mutable_amount() = *total;
        attrs["contract_id"] = je.contract_id();
        attrs["period"] = je.period();
        attrs["source_kind"] = je.source_kind();
        if (!je.source_id().empty()) attrs["source_id"] = je.source_id();
        if (je.has_posting_date()) {
          attrs["posting_date"] =
              TimeUtil::ToString(je.posting_date()).substr(0, 10);
        }
        if (!je.reverses_entry_id().empty())
          attrs["reverses_entry_id"] = je.reverses_entry_id();
        return node;
      }
      if (type == cv1::ENTITY_TYPE_REVENUE_SCHEDULE) {
        const auto& rs = static_cast<const cv1::RevenueSchedule&>(*m);
        SummarizeEntity(
            rs,
            absl::StrCat("revenue schedule ", rs.id(), " v", stored->version),
            &node);
        attrs["contract_id"] = rs.contract_id();
        attrs["contract_version"] = absl::StrCat(rs.contract_version());
        if (!rs.recomputation_error().empty())
          attrs["error"] = rs.recomputation_error();
        return node;
      }
      SummarizeEntity(
          *m,
          absl::StrCat(absl::AsciiStrToLower(EntityTypeShortName(type)), " ",
                       stored->id, " v", stored->version),
          &node);
      return node;
    }
    case hub::v1::TRACE_NODE_KIND_EVENT: {
      ASSIGN_OR_RETURN(auto events, store_.ReadEvents(p.number, p.number, {},
                                                      /*limit=*/1));
      if (events.empty()) return std::nullopt;
      const cv1::BusinessEvent& ev = events.front();
      const std::string type =
          EnumShort(cv1::EventType_descriptor()->FindValueByNumber(ev.type()),
                    "EVENT_TYPE");
      node.set_system(ev.source_system());
      *node.mutable_at() = ev.recorded_at();
      node.set_label(
          absl::StrCat("event ", ev.position(), " ", type, " of ",
                       absl::AsciiStrToLower(
                           EntityTypeShortName(ev.subject().entity_type())),
                       " ", ev.subject().id(),
                       ev.subject().version() > 0
                           ? absl::StrCat(" v", ev.subject().version())
                           : ""));
      attrs["event_id"] = ev.event_id();
      attrs["type"] = type;
      attrs["correlation_id"] = ev.correlation_id();
      if (!ev.causation_id().empty()) attrs["causation_id"] = ev.causation_id();
      attrs["principal"] = ev.principal();
      if (ev.has_journal_posted()) {
        const auto& jp = ev.journal_posted();
        node.set_system(jp.target_system());
        if (jp.has_vendor_ref()) {
          attrs["vendor_object_type"] = jp.vendor_ref().object_type();
          attrs["vendor_id"] = jp.vendor_ref().vendor_id();
        }
        if (!jp.external_id().empty()) attrs["external_id"] = jp.external_id();
        if (auto total = JournalTotal(jp.entry()))
          *node.mutable_amount() = *total;
      }
      if (ev.has_posting_rejected()) {
        attrs["reason"] = ev.posting_rejected().reason();
        *node.mutable_amount() = ev.posting_rejected().amount_at_stake();
      }
      return node;
    }
    case hub::v1::TRACE_NODE_KIND_WORKFLOW:
    case hub::v1::TRACE_NODE_KIND_WORKFLOW_STEP: {
      ASSIGN_OR_RETURN(auto wf, store_.GetWorkflow(p.id));
      if (!wf.has_value()) return std::nullopt;
      const std::string kind = EnumShort(
          hub::v1::WorkflowKind_descriptor()->FindValueByNumber(wf->kind()),
          "WORKFLOW_KIND");
      attrs["workflow_id"] = wf->workflow_id();
      attrs["contract_id"] = wf->contract_id();
      if (p.kind == hub::v1::TRACE_NODE_KIND_WORKFLOW) {
        const std::string state = EnumShort(
            hub::v1::WorkflowState_descriptor()->FindValueByNumber(wf->state()),
            "WORKFLOW_STATE");
        node.set_label(absl::StrCat("workflow ", wf->workflow_id(), " ", kind,
                                    " of ", wf->contract_id(), ": ", state));
        *node.mutable_at() = wf->created_at();
        attrs["state"] = state;
        attrs["kind"] = kind;
        if (!wf->trigger().empty()) attrs["trigger"] = wf->trigger();
        return node;
      }
      if (p.number >= wf->steps_size()) return std::nullopt;
      const hub::v1::WorkflowStep& s = wf->steps(static_cast<int>(p.number));
      const std::string state = EnumShort(
          hub::v1::StepState_descriptor()->FindValueByNumber(s.state()),
          "STEP_STATE");
      node.set_label(absl::StrCat("step ", p.number, " ", s.name(), " of ",
                                  wf->workflow_id(), ": ", state));
      node.set_system(s.target_system());
      *node.mutable_at() =
          s.has_finished_at() ? s.finished_at() : s.started_at();
      if (s.has_amount()) *node.mutable_amount() = s.amount();
      attrs["step"] = s.name();
      attrs["state"] = state;
      attrs["idempotency_key"] = s.idempotency_key();
      attrs["attempts"] = absl::StrCat(s.attempts());
      if (!s.entity().id().empty()) attrs["entity_id"] = s.entity().id();
      if (!s.detail().empty()) attrs["detail"] = s.detail();
      if (!s.last_error().empty()) attrs["error"] = s.last_error();
      for (const auto& ref : s.vendor_refs()) {
        attrs["vendor_object_type"] = ref.object_type();
        attrs["vendor_id"] = ref.vendor_id();
      }
      return node;
    }
    case hub::v1::TRACE_NODE_KIND_ERP_POSTING: {
      ASSIGN_OR_RETURN(auto rows, FindPostingsByKey(store_, p.system, p.id));
      if (rows.empty()) return std::nullopt;
      const PostingRow& row = rows.front();
      node.set_system(row.target_system);
      SetAt(row.posted_at, &node);
      node.set_label(absl::StrCat(
          "posted to ", row.target_system, " as ", row.kind, " ",
          row.external_id,
          row.vendor_id.empty() ? "" : absl::StrCat(", id ", row.vendor_id)));
      attrs["external_id"] = row.external_id;
      attrs["vendor_id"] = row.vendor_id;
      attrs["kind"] = row.kind;
      attrs["workflow_id"] = row.workflow_id;
      attrs["step_index"] = absl::StrCat(row.step_index);
      attrs["entity_id"] = row.entity_id;
      if (!row.reverses.empty()) attrs["reverses"] = row.reverses;
      adapter::v1::CanonicalEntity delivered;
      if (delivered.ParseFromString(row.payload)) {
        if (delivered.has_journal_entry()) {
          if (auto total = JournalTotal(delivered.journal_entry()))
            *node.mutable_amount() = *total;
        } else if (delivered.has_invoice() && delivered.invoice().has_total()) {
          *node.mutable_amount() = delivered.invoice().total();
        }
      }
      return node;
    }
    case hub::v1::TRACE_NODE_KIND_EXCEPTION: {
      ASSIGN_OR_RETURN(auto e, store_.GetException(p.number));
      if (!e.has_value()) return std::nullopt;
      const std::string kind = EnumShort(
          hub::v1::ExceptionKind_descriptor()->FindValueByNumber(e->kind()),
          "EXCEPTION_KIND");
      const std::string state = EnumShort(
          hub::v1::ExceptionState_descriptor()->FindValueByNumber(e->state()),
          "EXCEPTION_STATE");
      node.set_label(absl::StrCat("exception ", e->exception_id(), " ", kind,
                                  " (", state, "): ", e->error()));
      node.set_system(e->system());
      *node.mutable_at() = e->created_at();
      if (e->has_amount_at_stake())
        *node.mutable_amount() = e->amount_at_stake();
      attrs["kind"] = kind;
      attrs["state"] = state;
      attrs["owner"] = e->owner();
      attrs["error"] = e->error();
      if (!e->field_path().empty()) attrs["field_path"] = e->field_path();
      if (!e->vendor_code().empty()) attrs["vendor_code"] = e->vendor_code();
      return node;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace revhub::hub::lineage
