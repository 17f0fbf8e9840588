#include "hub/auth/method_policy.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace revhub::hub::auth {
namespace {

using hub::v1::ROLE_ADMIN;
using hub::v1::ROLE_AUDITOR;
using hub::v1::ROLE_FINANCE;
using hub::v1::ROLE_INTEGRATION;
using hub::v1::ROLE_PLATFORM;

// Who reads: every human or system role. An adapter process never calls
// the hub (the hub calls it), so it reads nothing.
const std::vector<Role> kReaders = {ROLE_ADMIN, ROLE_PLATFORM, ROLE_INTEGRATION,
                                    ROLE_FINANCE, ROLE_AUDITOR};
const std::vector<Role> kAdmin = {ROLE_ADMIN};
// The audit log: who did what. Read by those who check, not by those
// checked.
const std::vector<Role> kAuditReaders = {ROLE_ADMIN, ROLE_AUDITOR};
// Systems and their adapters.
const std::vector<Role> kPlatform = {ROLE_ADMIN, ROLE_PLATFORM};
// Vendor data in, entity upserts, contract lifecycle, replays.
const std::vector<Role> kIntegration = {ROLE_ADMIN, ROLE_INTEGRATION};
// Exceptions: finance owns them; integration may retry what it sent.
const std::vector<Role> kFinance = {ROLE_ADMIN, ROLE_FINANCE};
const std::vector<Role> kExceptionRetry = {ROLE_ADMIN, ROLE_FINANCE,
                                           ROLE_INTEGRATION};
// Revenue facts (usage, deliveries): sent by systems and entered by
// finance.
const std::vector<Role> kRevenueFacts = {ROLE_ADMIN, ROLE_INTEGRATION,
                                         ROLE_FINANCE};
// Moving a durable consumer: whoever runs one (not the read-only auditor).
const std::vector<Role> kConsumers = {ROLE_ADMIN, ROLE_PLATFORM,
                                      ROLE_INTEGRATION, ROLE_FINANCE};

MethodRule Read(absl::string_view service, absl::string_view method) {
  return {absl::StrCat("/revhub.hub.v1.", service, "/", method), Access::kRoles,
          kReaders, false};
}
MethodRule Write(absl::string_view service, absl::string_view method,
                 const std::vector<Role>& roles) {
  return {absl::StrCat("/revhub.hub.v1.", service, "/", method), Access::kRoles,
          roles, true};
}

std::vector<MethodRule> MakeTable() {
  std::vector<MethodRule> t = {
      // SystemRegistryService
      Write("SystemRegistryService", "RegisterSystem", kPlatform),
      Read("SystemRegistryService", "GetSystem"),
      Read("SystemRegistryService", "ListSystems"),
      Write("SystemRegistryService", "DisableSystem", kPlatform),
      // IngestService
      Write("IngestService", "Ingest", kIntegration),
      Write("IngestService", "IngestStream", kIntegration),
      Read("IngestService", "GetRecord"),
      Read("IngestService", "ListRecords"),
      Read("IngestService", "ReadRecordPayload"),
      // PipelineService
      Read("PipelineService", "DescribeSystemAdapter"),
      Read("PipelineService", "CheckSystemAdapter"),
      Write("PipelineService", "StartReplay", kIntegration),
      Read("PipelineService", "GetOperation"),
      Read("PipelineService", "ListOperations"),
      Read("PipelineService", "GetBacklog"),
      Write("PipelineService", "CancelOperation", kIntegration),
      // SyncService: pulling is what integration does; everyone reads
      // where pulls stand.
      Write("SyncService", "RunSync", kIntegration),
      Read("SyncService", "GetSyncStatus"),
      Read("PipelineService", "ShowRecord"),
      Read("PipelineService", "ListRecordExceptions"),
      Write("PipelineService", "ReplayRecord", kIntegration),
      Write("PipelineService", "ReplayFailedRecords", kIntegration),
      // EventService
      Read("EventService", "Subscribe"),
      Write("EventService", "AcknowledgeEvents", kConsumers),
      Read("EventService", "ListEvents"),
      Read("EventService", "GetConsumer"),
      // ContractLifecycleService
      Write("ContractLifecycleService", "BookContract", kIntegration),
      Write("ContractLifecycleService", "AmendContract", kIntegration),
      Write("ContractLifecycleService", "RenewContract", kIntegration),
      Write("ContractLifecycleService", "CancelContract", kIntegration),
      // RevenueService
      Read("RevenueService", "PreviewSchedule"),
      Read("RevenueService", "GetSchedule"),
      Read("RevenueService", "ListJournalEntries"),
      Write("RevenueService", "ReportUsage", kRevenueFacts),
      Write("RevenueService", "RecordDelivery", kRevenueFacts),
      Read("RevenueService", "ListFulfilment"),
      // Period close: finance closes; reopening a closed period is an
      // admin's act, audited like every write.
      Write("RevenueService", "ClosePeriod", kFinance),
      Write("RevenueService", "ReopenPeriod", kAdmin),
      Read("RevenueService", "ListPeriods"),
      // The month-end reports.
      Read("RevenueService", "GetWaterfall"),
      Read("RevenueService", "GetRollForward"),
      Read("RevenueService", "GetRemainingObligations"),
      Read("RevenueService", "GetContractBalances"),
      Read("RevenueService", "GetContraRevenue"),
      // WorkflowService
      Read("WorkflowService", "GetWorkflow"),
      Read("WorkflowService", "ListWorkflows"),
      // ExceptionService
      Read("ExceptionService", "ListExceptions"),
      Read("ExceptionService", "SummarizeExceptions"),
      Read("ExceptionService", "GetException"),
      Write("ExceptionService", "AssignException", kFinance),
      Write("ExceptionService", "RetryException", kExceptionRetry),
      Write("ExceptionService", "ReplayException", kExceptionRetry),
      Write("ExceptionService", "ResolveException", kFinance),
      // TraceService: lineage reads what every reader may read.
      Read("TraceService", "Trace"),
      // ReconciliationService: a run writes variances and exceptions.
      Write("ReconciliationService", "RunReconciliation", kFinance),
      Read("ReconciliationService", "GetReconciliation"),
      Read("ReconciliationService", "ListVariances"),
      Write("ReconciliationService", "AcceptVariance", kFinance),
      Write("ReconciliationService", "RedeliverVariance", kFinance),
      // AuditService
      {"/revhub.hub.v1.AuditService/ListAuditRecords", Access::kRoles,
       kAuditReaders, false},
      {"/revhub.hub.v1.AuditService/VerifyAuditLog", Access::kRoles,
       kAuditReaders, false},
      // PrincipalService
      Write("PrincipalService", "CreatePrincipal", kAdmin),
      {"/revhub.hub.v1.PrincipalService/ListPrincipals", Access::kRoles, kAdmin,
       false},
      Write("PrincipalService", "RotatePrincipalToken", kAdmin),
      Write("PrincipalService", "DisablePrincipal", kAdmin),
      // Health checks are open: load balancers and `./dev` probe them.
      {"/grpc.health.v1.Health/Check", Access::kOpen, {}, false},
      {"/grpc.health.v1.Health/Watch", Access::kOpen, {}, false},
      // Reflection describes the API to any authenticated caller. The hub
      // serves v1alpha; v1 is let through so that clients which try v1
      // first get UNIMPLEMENTED and fall back.
      {"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
       Access::kAuthenticated,
       {},
       false},
      {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
       Access::kAuthenticated,
       {},
       false},
  };
  // The five entity services share one shape.
  for (const char* entity :
       {"Customer", "Product", "Contract", "Invoice", "Payment"}) {
    const std::string service = absl::StrCat(entity, "Service");
    t.push_back(Read(service, absl::StrCat("Get", entity)));
    t.push_back(Read(service, absl::StrCat("List", entity, "s")));
    t.push_back(Write(service, absl::StrCat("Upsert", entity), kIntegration));
  }
  return t;
}

const absl::flat_hash_map<std::string, size_t>& Index() {
  static const auto* index = [] {
    auto* m = new absl::flat_hash_map<std::string, size_t>();
    const auto& all = AllMethodRules();
    for (size_t i = 0; i < all.size(); ++i) m->emplace(all[i].method, i);
    return m;
  }();
  return *index;
}

}  // namespace

const std::vector<MethodRule>& AllMethodRules() {
  static const auto* table = new std::vector<MethodRule>(MakeTable());
  return *table;
}

const MethodRule* FindMethodRule(absl::string_view method) {
  auto it = Index().find(method);
  return it == Index().end() ? nullptr : &AllMethodRules()[it->second];
}

bool RoleMayCall(Role role, absl::string_view method) {
  const MethodRule* rule = FindMethodRule(method);
  if (rule == nullptr || role == hub::v1::ROLE_UNSPECIFIED) return false;
  if (rule->access != Access::kRoles) return true;
  return std::find(rule->roles.begin(), rule->roles.end(), role) !=
         rule->roles.end();
}

const std::vector<Role>& AllRoles() {
  static const auto* roles = new std::vector<Role>{
      hub::v1::ROLE_ADMIN,   hub::v1::ROLE_PLATFORM, hub::v1::ROLE_INTEGRATION,
      hub::v1::ROLE_FINANCE, hub::v1::ROLE_AUDITOR,  hub::v1::ROLE_ADAPTER};
  return *roles;
}

std::string RoleName(Role role) {
  if (role == hub::v1::ROLE_UNSPECIFIED) return "unspecified";
  std::string name = hub::v1::Role_Name(role);  // ROLE_FINANCE
  return absl::AsciiStrToLower(name.substr(5));
}

Role RoleFromName(absl::string_view name) {
  for (Role r : AllRoles()) {
    if (RoleName(r) == name) return r;
  }
  return hub::v1::ROLE_UNSPECIFIED;
}

}  // namespace revhub::hub::auth
