#include "hub/api/revenue_reports.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/api/rpc.h"
#include "hub/common/util.h"
#include "hub/revenue/report_messages.h"
#include "hub/revenue/revenue_records.h"
#include "revhub/canonical/v1/contract.pb.h"

namespace revhub::hub {
namespace {

using revenue::ContractBooks;

constexpr int kPageSize = 500;

template <typename Message>
absl::Status ParseStored(const StoredEntity& stored, Message* out) {
  if (!out->ParseFromString(stored.payload)) {
    return absl::DataLossError(absl::StrCat("stored ", stored.id, " v",
                                            stored.version, " does not parse"));
  }
  return absl::OkStatus();
}

// Returns the ids of every stored revenue schedule (current ones; a
// schedule never goes away, so this includes every one there was at as_of).
absl::StatusOr<std::vector<std::string>> ScheduleIds(
    Store& store, const grpc::CallbackServerContext* context) {
  std::vector<std::string> ids;
  ListEntitiesQuery query;
  query.type = canonical::v1::ENTITY_TYPE_REVENUE_SCHEDULE;
  query.page_size = kPageSize;
  while (true) {
    RETURN_IF_ERROR(CallAlive(context));
    ASSIGN_OR_RETURN(EntityPage page, store.ListEntities(query));
    for (StoredEntity& e : page.entities) ids.push_back(std::move(e.id));
    if (page.next_page_token.empty()) break;
    query.page_token = page.next_page_token;
  }
  return ids;
}

// Returns the contract's journal entries current at as_of: those indexed
// to the contract now, or withdrawn since, in the version they had then,
// without the ones withdrawn (no lines) at that time.
absl::StatusOr<std::vector<canonical::v1::JournalEntry>> EntriesAsOf(
    Store& store, const std::string& contract_id, absl::Time as_of) {
  std::vector<canonical::v1::JournalEntry> out;
  for (const char* key : {kJournalContractKey, kJournalWithdrawnKey}) {
    ListEntitiesQuery query;
    query.type = canonical::v1::ENTITY_TYPE_JOURNAL_ENTRY;
    query.filters = {{key, contract_id}};
    query.page_size = kPageSize;
    while (true) {
      ASSIGN_OR_RETURN(EntityPage page, store.ListEntities(query));
      for (const StoredEntity& current : page.entities) {
        VersionSelector then;
        then.as_of = as_of;
        ASSIGN_OR_RETURN(
            std::optional<StoredEntity> stored,
            store.GetEntity(canonical::v1::ENTITY_TYPE_JOURNAL_ENTRY,
                            current.id, then));
        if (!stored.has_value()) continue;
        canonical::v1::JournalEntry entry;
        RETURN_IF_ERROR(ParseStored(*stored, &entry));
        if (entry.lines_size() == 0) continue;  // withdrawn then
        out.push_back(std::move(entry));
      }
      if (page.next_page_token.empty()) break;
      query.page_token = page.next_page_token;
    }
  }
  return out;
}

// Returns the books of the contracts the query may select, as stored at
// query.as_of (else now). Contracts the query's contract, legal entity or
// currency filter leaves out are not read further; the report applies
// every filter again.
absl::StatusOr<std::vector<ContractBooks>> ReadBooks(
    Store& store, const grpc::CallbackServerContext* context,
    const hub::v1::RevenueReportQuery& query) {
  VersionSelector which;
  if (query.has_as_of()) which.as_of = FromProto(query.as_of());
  std::vector<std::string> ids;
  if (!query.contract_id().empty()) {
    ids.push_back(ScheduleIdFor(query.contract_id()));
  } else {
    ASSIGN_OR_RETURN(ids, ScheduleIds(store, context));
  }
  std::vector<ContractBooks> books;
  for (const std::string& id : ids) {
    RETURN_IF_ERROR(CallAlive(context));
    ASSIGN_OR_RETURN(
        std::optional<StoredEntity> stored,
        store.GetEntity(canonical::v1::ENTITY_TYPE_REVENUE_SCHEDULE, id,
                        which));
    if (!stored.has_value()) continue;
    ContractBooks b;
    RETURN_IF_ERROR(ParseStored(*stored, &b.schedule));
    const canonical::v1::RevenueSchedule& s = b.schedule;
    if ((!query.legal_entity().empty() &&
         s.legal_entity() != query.legal_entity()) ||
        (!query.currency_code().empty() &&
         s.currency_code() != query.currency_code())) {
      continue;
    }
    b.contract_id = s.contract_id();
    b.legal_entity = s.legal_entity();
    b.currency_code = s.currency_code();
    ASSIGN_OR_RETURN(std::optional<StoredEntity> contract,
                     store.GetEntity(canonical::v1::ENTITY_TYPE_CONTRACT,
                                     b.contract_id, which));
    if (contract.has_value()) {
      canonical::v1::Contract c;
      RETURN_IF_ERROR(ParseStored(*contract, &c));
      b.customer_id = c.customer_id();
    }
    if (!query.customer_id().empty() && b.customer_id != query.customer_id()) {
      continue;
    }
    if (which.as_of.has_value()) {
      ASSIGN_OR_RETURN(b.entries,
                       EntriesAsOf(store, b.contract_id, *which.as_of));
    } else {
      ASSIGN_OR_RETURN(b.entries, ReadLiveJournalEntries(store, b.contract_id));
    }
    books.push_back(std::move(b));
  }
  return books;
}

// Checks the query, reads the books and builds the response with `build`.
template <typename Request, typename Response, typename Build>
absl::Status Serve(Store& store, const grpc::CallbackServerContext* context,
                   const Request& request, Response* response, Build build) {
  RETURN_IF_ERROR(revenue::ReadReportQuery(request.query()).status());
  ASSIGN_OR_RETURN(std::vector<ContractBooks> books,
                   ReadBooks(store, context, request.query()));
  RETURN_IF_ERROR(CallAlive(context));
  ASSIGN_OR_RETURN(*response, build(request, books));
  return absl::OkStatus();
}

}  // namespace

absl::Status ServeWaterfall(Store& store,
                            const grpc::CallbackServerContext* context,
                            const hub::v1::GetWaterfallRequest& request,
                            hub::v1::GetWaterfallResponse* response) {
  return Serve(store, context, request, response, revenue::WaterfallResponse);
}

absl::Status ServeRollForward(Store& store,
                              const grpc::CallbackServerContext* context,
                              const hub::v1::GetRollForwardRequest& request,
                              hub::v1::GetRollForwardResponse* response) {
  return Serve(store, context, request, response, revenue::RollForwardResponse);
}

absl::Status ServeRemainingObligations(
    Store& store, const grpc::CallbackServerContext* context,
    const hub::v1::GetRemainingObligationsRequest& request,
    hub::v1::GetRemainingObligationsResponse* response) {
  return Serve(store, context, request, response,
               revenue::RemainingObligationsResponse);
}

absl::Status ServeContractBalances(
    Store& store, const grpc::CallbackServerContext* context,
    const hub::v1::GetContractBalancesRequest& request,
    hub::v1::GetContractBalancesResponse* response) {
  return Serve(store, context, request, response,
               revenue::ContractBalancesResponse);
}

absl::Status ServeContraRevenue(Store& store,
                                const grpc::CallbackServerContext* context,
                                const hub::v1::GetContraRevenueRequest& request,
                                hub::v1::GetContraRevenueResponse* response) {
  return Serve(store, context, request, response,
               revenue::ContraRevenueResponse);
}

}  // namespace revhub::hub
