// Walker's links: how the store ties each kind of node to the next, in the
// direction things flow.
//
//   raw payload --stored as--> record --translated to--> entity version
//   (the events the record's upsert emitted, correlation "record:N")
//   entity version --emitted--> event --caused--> event
//   event --scheduled by--> schedule version (RevenueScheduleChanged's
//     causation); contract version --scheduled by--> schedule version
//   schedule version --journalled in--> journal entry (the entry versions
//     the revenue worker wrote in the schedule version's transaction)
//   schedule version --confirmed as--> its confirmed next version
//   event --started--> workflow --step of--> step
//   journal entry / invoice / customer --posted by--> step
//   step --posted to--> ERP posting --emitted--> JournalPosted event
//   record / step / workflow / failed schedule --raised--> exception
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"
#include "hub/lineage/walker.h"
#include "hub/revenue/revenue_records.h"
#include "revhub/canonical/v1/revenue.pb.h"

namespace revhub::hub::lineage {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using cv1::BusinessEvent;

constexpr int kEventLimit = 500;
constexpr int kWorkflowPages = 20;

// The entity types an ingest upsert writes (the revenue worker writes
// schedules and journal entries, which have nodes of their own).
bool IsSourceEntity(cv1::EntityType t) {
  return t != cv1::ENTITY_TYPE_UNSPECIFIED &&
         t != cv1::ENTITY_TYPE_REVENUE_SCHEDULE &&
         t != cv1::ENTITY_TYPE_JOURNAL_ENTRY;
}

// The node of an event's subject, or "" when it has none.
std::string SubjectNode(const BusinessEvent& ev) {
  const cv1::EntityRef& s = ev.subject();
  if (s.id().empty() || s.version() <= 0) return "";
  if (s.entity_type() == cv1::ENTITY_TYPE_REVENUE_SCHEDULE)
    return ScheduleNodeId(s.id(), s.version());
  if (s.entity_type() == cv1::ENTITY_TYPE_JOURNAL_ENTRY) return "";
  if (!IsSourceEntity(s.entity_type())) return "";
  return EntityNodeId(s.entity_type(), s.id(), s.version());
}

// The contract an event is about, when it names one.
std::string ContractOf(const BusinessEvent& ev) {
  if (ev.subject().entity_type() == cv1::ENTITY_TYPE_CONTRACT)
    return ev.subject().id();
  if (ev.has_invoice_issued())
    return ev.invoice_issued().invoice().contract_id();
  if (ev.has_credit_issued())
    return ev.credit_issued().credit_note().contract_id();
  if (ev.has_invoice_changed())
    return ev.invoice_changed().invoice().contract_id();
  return "";
}

absl::StatusOr<std::optional<BusinessEvent>> EventAt(Store& store,
                                                     int64_t position) {
  ASSIGN_OR_RETURN(auto events, store.ReadEvents(position, position, {}, 1));
  if (events.empty()) return std::nullopt;
  return std::move(events.front());
}

absl::StatusOr<std::vector<hub::v1::Workflow>> ContractWorkflows(
    Store& store, const std::string& contract_id) {
  std::vector<hub::v1::Workflow> out;
  if (contract_id.empty()) return out;
  WorkflowQuery q;
  q.contract_id = contract_id;
  for (int page = 0; page < kWorkflowPages; ++page) {
    ASSIGN_OR_RETURN(WorkflowPage p, store.ListWorkflows(q));
    for (auto& wf : p.workflows) out.push_back(std::move(wf));
    if (p.next_page_token.empty()) break;
    q.page_token = p.next_page_token;
  }
  return out;
}

template <typename Msg>
absl::StatusOr<std::optional<Msg>> ReadEntity(Store& store, cv1::EntityType t,
                                              const std::string& id,
                                              int64_t version) {
  VersionSelector which;
  which.version = version;
  ASSIGN_OR_RETURN(auto stored, store.GetEntity(t, id, which));
  if (!stored.has_value()) return std::nullopt;
  Msg m;
  if (!m.ParseFromString(stored->payload)) {
    return absl::DataLossError(
        absl::StrCat("stored ", id, " v", stored->version, " does not parse"));
  }
  return m;
}

// True when the schedule version was written with no event: a
// confirmation (revenue_records.h ConfirmSchedule).
absl::StatusOr<bool> IsConfirmation(Store& store, const std::string& id,
                                    int64_t version) {
  EventLinkQuery q;
  q.subject_type = cv1::ENTITY_TYPE_REVENUE_SCHEDULE;
  q.subject_id = id;
  q.subject_version = version;
  q.limit = 1;
  ASSIGN_OR_RETURN(auto events, store.FindEvents(q));
  return events.empty();
}

// The schedule version the revenue worker wrote in the same transaction as
// `at` (0 when none). A confirmation committed in the same batch has the
// same time; it never writes journal entries, so it is passed over.
absl::StatusOr<int64_t> ScheduleVersionAt(Store& store,
                                          const std::string& schedule_id,
                                          absl::Time at) {
  ASSIGN_OR_RETURN(
      auto versions,
      store.ListEntityVersions(cv1::ENTITY_TYPE_REVENUE_SCHEDULE, schedule_id));
  for (const StoredEntity& v : versions) {
    if (v.recorded_at != at) continue;
    ASSIGN_OR_RETURN(bool confirmation,
                     IsConfirmation(store, schedule_id, v.version));
    if (!confirmation) return v.version;
  }
  return 0;
}

}  // namespace

std::string PostingKey(const PostingRow& row) {
  return row.vendor_id.empty() ? row.external_id : row.vendor_id;
}

absl::StatusOr<std::vector<PostingRow>> FindPostingsByKey(
    Store& store, const std::string& target, const std::string& key) {
  ASSIGN_OR_RETURN(auto rows, store.FindPostingsByVendorId(target, key));
  if (rows.empty()) {
    ASSIGN_OR_RETURN(rows, store.FindPostingsByExternalId(target, key));
  }
  return rows;
}

absl::Status Walker::Upstream(const ParsedNodeId& p, const std::string& id,
                              std::vector<Link>* out) {
  auto from = [&](std::string node, const char* relation) {
    if (!node.empty()) out->push_back({std::move(node), id, relation});
  };
  switch (p.kind) {
    case hub::v1::TRACE_NODE_KIND_RECORD:
      from(RawNodeId(p.number), "stored as");
      return absl::OkStatus();
    case hub::v1::TRACE_NODE_KIND_ENTITY_VERSION: {
      EventLinkQuery q;
      q.subject_type = p.type;
      q.subject_id = p.id;
      q.subject_version = p.version;
      ASSIGN_OR_RETURN(auto events, store_.FindEvents(q));
      for (const BusinessEvent& ev : events) {
        if (absl::StartsWith(ev.causation_id(), "wf_")) {
          from(WorkflowNodeId(ev.causation_id()), "issued");
          continue;
        }
        int64_t record_id = 0;
        if (!absl::StartsWith(ev.correlation_id(), "record:") ||
            !absl::SimpleAtoi(ev.correlation_id().substr(7), &record_id)) {
          continue;
        }
        if (!ev.causation_id().empty()) {
          ASSIGN_OR_RETURN(auto cause, store_.GetEventById(ev.causation_id()));
          if (cause.has_value()) continue;  // made downstream of the record
        }
        from(RecordNodeId(record_id), "translated to");
      }
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_EVENT: {
      ASSIGN_OR_RETURN(auto ev, EventAt(store_, p.number));
      if (!ev.has_value()) return absl::OkStatus();
      from(SubjectNode(*ev), "emitted");
      if (ev->has_journal_posted()) {
        const auto& jp = ev->journal_posted();
        const std::string external =
            jp.external_id().empty() ? jp.entry().id() : jp.external_id();
        ASSIGN_OR_RETURN(auto rows, store_.FindPostingsByExternalId(
                                        jp.target_system(), external));
        for (const PostingRow& row : rows)
          from(PostingNodeId(row.target_system, PostingKey(row)), "emitted");
      }
      if (!ev->causation_id().empty()) {
        ASSIGN_OR_RETURN(auto cause, store_.GetEventById(ev->causation_id()));
        if (cause.has_value()) from(EventNodeId(cause->position()), "caused");
      }
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_SCHEDULE_VERSION: {
      EventLinkQuery q;
      q.subject_type = cv1::ENTITY_TYPE_REVENUE_SCHEDULE;
      q.subject_id = p.id;
      q.subject_version = p.version;
      ASSIGN_OR_RETURN(auto events, store_.FindEvents(q));
      if (events.empty() && p.version > 1) {
        from(ScheduleNodeId(p.id, p.version - 1), "confirmed as");
      }
      for (const BusinessEvent& ev : events) {
        if (ev.causation_id().empty()) continue;
        ASSIGN_OR_RETURN(auto cause, store_.GetEventById(ev.causation_id()));
        if (cause.has_value())
          from(EventNodeId(cause->position()), "scheduled by");
      }
      ASSIGN_OR_RETURN(auto rs, ReadEntity<cv1::RevenueSchedule>(
                                    store_, cv1::ENTITY_TYPE_REVENUE_SCHEDULE,
                                    p.id, p.version));
      if (rs.has_value() && rs->contract_version() > 0 && !events.empty()) {
        from(EntityNodeId(cv1::ENTITY_TYPE_CONTRACT, rs->contract_id(),
                          rs->contract_version()),
             "scheduled by");
      }
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_JOURNAL_ENTRY: {
      ASSIGN_OR_RETURN(
          auto versions,
          store_.ListEntityVersions(cv1::ENTITY_TYPE_JOURNAL_ENTRY, p.id));
      if (versions.empty()) return absl::OkStatus();
      cv1::JournalEntry je;
      if (!je.ParseFromString(versions.back().payload)) {
        return absl::DataLossError(
            absl::StrCat("stored journal entry ", p.id, " does not parse"));
      }
      const std::string schedule_id = ScheduleIdFor(je.contract_id());
      for (const StoredEntity& v : versions) {
        ASSIGN_OR_RETURN(int64_t sv,
                         ScheduleVersionAt(store_, schedule_id, v.recorded_at));
        if (sv > 0) from(ScheduleNodeId(schedule_id, sv), "journalled in");
      }
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_WORKFLOW: {
      ASSIGN_OR_RETURN(auto wf, store_.GetWorkflow(p.id));
      if (wf.has_value() && wf->trigger_event_position() > 0)
        from(EventNodeId(wf->trigger_event_position()), "started");
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_WORKFLOW_STEP: {
      ASSIGN_OR_RETURN(auto wf, store_.GetWorkflow(p.id));
      if (!wf.has_value() || p.number >= wf->steps_size())
        return absl::OkStatus();
      const auto& s = wf->steps(static_cast<int>(p.number));
      from(WorkflowNodeId(p.id), "step of");
      const cv1::EntityRef& e = s.entity();
      if (e.entity_type() == cv1::ENTITY_TYPE_JOURNAL_ENTRY) {
        from(JournalNodeId(e.id()), "posted by");
      } else if (IsSourceEntity(e.entity_type()) && !e.id().empty()) {
        int64_t version = e.version();
        if (version <= 0 && s.payload().has_invoice())
          version = s.payload().invoice().version();
        if (version <= 0 && s.payload().has_customer())
          version = s.payload().customer().version();
        if (version > 0)
          from(EntityNodeId(e.entity_type(), e.id(), version), "posted by");
      }
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_ERP_POSTING: {
      ASSIGN_OR_RETURN(auto rows, FindPostingsByKey(store_, p.system, p.id));
      for (const PostingRow& row : rows) {
        if (!row.workflow_id.empty())
          from(StepNodeId(row.workflow_id, row.step_index), "posted to");
      }
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_EXCEPTION: {
      ASSIGN_OR_RETURN(auto e, store_.GetException(p.number));
      if (!e.has_value()) return absl::OkStatus();
      if (e->record_id() > 0) from(RecordNodeId(e->record_id()), "raised");
      if (!e->workflow_id().empty()) {
        from(e->step_name().empty()
                 ? WorkflowNodeId(e->workflow_id())
                 : StepNodeId(e->workflow_id(), e->step_index()),
             "raised");
      }
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status Walker::Downstream(const ParsedNodeId& p, const std::string& id,
                                std::vector<Link>* out) {
  auto to = [&](std::string node, const char* relation) {
    if (!node.empty()) out->push_back({id, std::move(node), relation});
  };
  switch (p.kind) {
    case hub::v1::TRACE_NODE_KIND_RAW_PAYLOAD:
      to(RecordNodeId(p.number), "stored as");
      return absl::OkStatus();
    case hub::v1::TRACE_NODE_KIND_RECORD: {
      EventLinkQuery q;
      q.correlation_id = absl::StrCat("record:", p.number);
      q.limit = kEventLimit;
      ASSIGN_OR_RETURN(auto events, store_.FindEvents(q));
      std::set<std::string> ids;
      for (const BusinessEvent& ev : events) ids.insert(ev.event_id());
      for (const BusinessEvent& ev : events) {
        if (ids.count(ev.causation_id()) > 0 ||
            absl::StartsWith(ev.causation_id(), "wf_") ||
            !IsSourceEntity(ev.subject().entity_type())) {
          continue;
        }
        to(SubjectNode(ev), "translated to");
      }
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_ENTITY_VERSION: {
      EventLinkQuery q;
      q.subject_type = p.type;
      q.subject_id = p.id;
      q.subject_version = p.version;
      ASSIGN_OR_RETURN(auto events, store_.FindEvents(q));
      for (const BusinessEvent& ev : events)
        to(EventNodeId(ev.position()), "emitted");
      // Deliveries of this version of a document or customer.
      ASSIGN_OR_RETURN(auto rows, store_.FindPostingsByExternalId("", p.id));
      for (const PostingRow& row : rows) {
        if (row.entity_id != p.id || row.workflow_id.empty()) continue;
        adapter::v1::CanonicalEntity delivered;
        int64_t version = 0;
        if (delivered.ParseFromString(row.payload)) {
          if (delivered.has_invoice()) version = delivered.invoice().version();
          if (delivered.has_customer())
            version = delivered.customer().version();
        }
        if (version == p.version)
          to(StepNodeId(row.workflow_id, row.step_index), "posted by");
      }
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_EVENT: {
      ASSIGN_OR_RETURN(auto ev, EventAt(store_, p.number));
      if (!ev.has_value()) return absl::OkStatus();
      EventLinkQuery q;
      q.causation_id = ev->event_id();
      q.limit = kEventLimit;
      ASSIGN_OR_RETURN(auto caused, store_.FindEvents(q));
      for (const BusinessEvent& c : caused) {
        if (c.type() == cv1::EVENT_TYPE_REVENUE_SCHEDULE_CHANGED) {
          to(SubjectNode(c), "scheduled by");
        } else {
          to(EventNodeId(c.position()), "caused");
        }
      }
      ASSIGN_OR_RETURN(auto workflows,
                       ContractWorkflows(store_, ContractOf(*ev)));
      for (const auto& wf : workflows) {
        if (wf.trigger_event_position() == ev->position())
          to(WorkflowNodeId(wf.workflow_id()), "started");
      }
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_SCHEDULE_VERSION: {
      VersionSelector which;
      which.version = p.version;
      ASSIGN_OR_RETURN(
          auto stored,
          store_.GetEntity(cv1::ENTITY_TYPE_REVENUE_SCHEDULE, p.id, which));
      if (!stored.has_value()) return absl::OkStatus();
      cv1::RevenueSchedule rs;
      if (!rs.ParseFromString(stored->payload)) {
        return absl::DataLossError(
            absl::StrCat("stored revenue schedule ", p.id, " does not parse"));
      }
      // A confirmation writes no journal entry (ScheduleVersionAt).
      ASSIGN_OR_RETURN(bool confirmation,
                       IsConfirmation(store_, p.id, p.version));
      for (const char* key : {kJournalContractKey, kJournalWithdrawnKey}) {
        ListEntitiesQuery q;
        q.type = cv1::ENTITY_TYPE_JOURNAL_ENTRY;
        q.filters = {{key, rs.contract_id()}};
        q.page_size = 500;
        while (true) {
          ASSIGN_OR_RETURN(EntityPage page, store_.ListEntities(q));
          for (const StoredEntity& je : page.entities) {
            ASSIGN_OR_RETURN(auto versions,
                             store_.ListEntityVersions(
                                 cv1::ENTITY_TYPE_JOURNAL_ENTRY, je.id));
            for (const StoredEntity& v : versions) {
              if (!confirmation && v.recorded_at == stored->recorded_at) {
                to(JournalNodeId(je.id), "journalled in");
                break;
              }
            }
          }
          if (page.next_page_token.empty()) break;
          q.page_token = page.next_page_token;
        }
      }
      ASSIGN_OR_RETURN(bool next_confirms,
                       IsConfirmation(store_, p.id, p.version + 1));
      if (next_confirms) {
        ASSIGN_OR_RETURN(
            auto next, store_.GetEntity(cv1::ENTITY_TYPE_REVENUE_SCHEDULE, p.id,
                                        {p.version + 1, std::nullopt}));
        if (next.has_value())
          to(ScheduleNodeId(p.id, p.version + 1), "confirmed as");
      }
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_JOURNAL_ENTRY: {
      ASSIGN_OR_RETURN(auto je,
                       ReadEntity<cv1::JournalEntry>(
                           store_, cv1::ENTITY_TYPE_JOURNAL_ENTRY, p.id, 0));
      if (!je.has_value()) return absl::OkStatus();
      ASSIGN_OR_RETURN(auto workflows,
                       ContractWorkflows(store_, je->contract_id()));
      for (const auto& wf : workflows) {
        for (int i = 0; i < wf.steps_size(); ++i) {
          const auto& e = wf.steps(i).entity();
          if (e.entity_type() == cv1::ENTITY_TYPE_JOURNAL_ENTRY &&
              e.id() == p.id) {
            to(StepNodeId(wf.workflow_id(), i), "posted by");
          }
        }
      }
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_WORKFLOW: {
      ASSIGN_OR_RETURN(auto wf, store_.GetWorkflow(p.id));
      if (!wf.has_value()) return absl::OkStatus();
      for (int i = 0; i < wf->steps_size(); ++i)
        to(StepNodeId(p.id, i), "step of");
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_WORKFLOW_STEP: {
      ASSIGN_OR_RETURN(auto wf, store_.GetWorkflow(p.id));
      if (!wf.has_value() || p.number >= wf->steps_size())
        return absl::OkStatus();
      const auto& s = wf->steps(static_cast<int>(p.number));
      if (s.entity().id().empty()) return absl::OkStatus();
      ASSIGN_OR_RETURN(
          auto rows,
          store_.ListEntityPostings(s.target_system(), s.entity().entity_type(),
                                    s.entity().id()));
      for (const PostingRow& row : rows) {
        if (row.workflow_id == p.id && row.step_index == p.number)
          to(PostingNodeId(row.target_system, PostingKey(row)), "posted to");
      }
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_ERP_POSTING: {
      ASSIGN_OR_RETURN(auto rows, FindPostingsByKey(store_, p.system, p.id));
      for (const PostingRow& row : rows) {
        if (row.workflow_id.empty()) continue;
        EventLinkQuery q;
        q.causation_id = row.workflow_id;
        q.subject_type = row.entity_type;
        q.subject_id = row.entity_id;
        q.limit = kEventLimit;
        ASSIGN_OR_RETURN(auto events, store_.FindEvents(q));
        for (const BusinessEvent& ev : events) {
          if (!ev.has_journal_posted()) continue;
          const auto& jp = ev.journal_posted();
          const std::string external =
              jp.external_id().empty() ? jp.entry().id() : jp.external_id();
          if (external == row.external_id &&
              jp.target_system() == row.target_system) {
            to(EventNodeId(ev.position()), "emitted");
          }
        }
      }
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status Walker::Attached(const ParsedNodeId& p, const std::string& id,
                              std::vector<Link>* out) {
  auto raised = [&](const hub::v1::Exception& e) {
    out->push_back({id, ExceptionNodeId(e.exception_id()), "raised"});
  };
  ExceptionQuery q;
  q.include_resolved = true;
  q.page_size = 100;
  switch (p.kind) {
    case hub::v1::TRACE_NODE_KIND_RECORD: {
      q.record_id = p.number;
      ASSIGN_OR_RETURN(ExceptionPage page, store_.ListExceptions(q));
      for (const auto& e : page.exceptions) raised(e);
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_WORKFLOW:
    case hub::v1::TRACE_NODE_KIND_WORKFLOW_STEP: {
      q.workflow_id = p.id;
      ASSIGN_OR_RETURN(ExceptionPage page, store_.ListExceptions(q));
      for (const auto& e : page.exceptions) {
        const bool of_step = !e.step_name().empty();
        if (p.kind == hub::v1::TRACE_NODE_KIND_WORKFLOW
                ? !of_step
                : of_step && e.step_index() == p.number) {
          raised(e);
        }
      }
      if (p.kind == hub::v1::TRACE_NODE_KIND_WORKFLOW_STEP)
        out->push_back({WorkflowNodeId(p.id), id, "step of"});
      return absl::OkStatus();
    }
    case hub::v1::TRACE_NODE_KIND_SCHEDULE_VERSION: {
      ASSIGN_OR_RETURN(auto rs, ReadEntity<cv1::RevenueSchedule>(
                                    store_, cv1::ENTITY_TYPE_REVENUE_SCHEDULE,
                                    p.id, p.version));
      if (!rs.has_value() ||
          rs->status() != cv1::REVENUE_SCHEDULE_STATUS_FAILED) {
        return absl::OkStatus();
      }
      q.contract_id = rs->contract_id();
      q.kind = hub::v1::EXCEPTION_KIND_SCHEDULE_FAILED;
      ASSIGN_OR_RETURN(ExceptionPage page, store_.ListExceptions(q));
      for (const auto& e : page.exceptions) raised(e);
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

}  // namespace revhub::hub::lineage
