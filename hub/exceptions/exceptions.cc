#include "hub/exceptions/exceptions.h"

#include <algorithm>

#include "google/protobuf/util/time_util.h"
#include "hub/common/util.h"

namespace revhub::hub {

using hub::v1::Exception;

hub::v1::ExceptionCategory CategoryOf(hub::v1::ExceptionKind kind) {
  switch (kind) {
    case hub::v1::EXCEPTION_KIND_RECORD_REJECTED:
    case hub::v1::EXCEPTION_KIND_METADATA_MISMATCH:
      return hub::v1::EXCEPTION_CATEGORY_METADATA;
    default:
      return hub::v1::EXCEPTION_CATEGORY_FINANCE;
  }
}

std::string RouteException(const ExceptionRouting& routing,
                           const Exception& e) {
  for (const RoutingRule& rule : routing.routing) {
    if (rule.category != hub::v1::EXCEPTION_CATEGORY_UNSPECIFIED &&
        rule.category != e.category()) {
      continue;
    }
    if (rule.kind != hub::v1::EXCEPTION_KIND_UNSPECIFIED &&
        rule.kind != e.kind()) {
      continue;
    }
    if (!rule.system.empty() && rule.system != e.system()) continue;
    return rule.owner;
  }
  return routing.default_owner;
}

void RecordAction(Exception* e, absl::Time at, absl::string_view action,
                  absl::string_view principal, absl::string_view note) {
  auto* h = e->add_history();
  *h->mutable_at() = ToProto(at);
  h->set_action(std::string(action));
  h->set_principal(std::string(principal));
  h->set_note(std::string(note));
  *e->mutable_updated_at() = ToProto(at);
}

absl::StatusOr<Exception> OpenException(WriteTxn& txn,
                                        const ExceptionRouting& routing,
                                        Exception e,
                                        absl::string_view principal) {
  const absl::Time now = txn.Now();
  e.set_exception_id(0);
  e.set_category(CategoryOf(e.kind()));
  e.set_state(hub::v1::EXCEPTION_STATE_OPEN);
  e.set_owner(RouteException(routing, e));
  *e.mutable_created_at() = ToProto(now);
  auto sla = routing.sla.find(e.category());
  if (sla != routing.sla.end()) {
    *e.mutable_sla_due_at() = ToProto(now + sla->second);
  }
  RecordAction(
      &e, now, "opened", principal,
      e.owner().empty() ? "no routing rule matched" : "routed to " + e.owner());
  return txn.PutException(std::move(e));
}

void MarkResolved(Exception* e, absl::Time at, absl::string_view principal,
                  absl::string_view resolution) {
  e->set_state(hub::v1::EXCEPTION_STATE_RESOLVED);
  *e->mutable_resolved_at() = ToProto(at);
  e->set_resolution(std::string(resolution));
  RecordAction(e, at, "resolved", principal, resolution);
}

void DescribeAge(absl::Time now, Exception* e) {
  const absl::Time created = FromProto(e->created_at());
  const bool resolved = e->state() == hub::v1::EXCEPTION_STATE_RESOLVED;
  const absl::Time until = resolved ? FromProto(e->resolved_at()) : now;
  const absl::Duration age = std::max(until - created, absl::ZeroDuration());
  *e->mutable_age() = google::protobuf::util::TimeUtil::MicrosecondsToDuration(
      absl::ToInt64Microseconds(age));
  if (!e->has_sla_due_at()) {
    e->set_sla_state(hub::v1::SLA_STATE_UNSPECIFIED);
    return;
  }
  const absl::Time due = FromProto(e->sla_due_at());
  if (resolved) {
    e->set_sla_state(until <= due ? hub::v1::SLA_STATE_MET
                                  : hub::v1::SLA_STATE_MISSED);
    return;
  }
  const absl::Duration budget = due - created;
  if (now > due) {
    e->set_sla_state(hub::v1::SLA_STATE_BREACHED);
  } else if (age * 4 >= budget * 3) {
    e->set_sla_state(hub::v1::SLA_STATE_AT_RISK);
  } else {
    e->set_sla_state(hub::v1::SLA_STATE_WITHIN);
  }
}

}  // namespace revhub::hub
