// `revhub customers|products|contracts|invoices|payments show|list|upsert`:
// the canonical entities, one template for the five groups. Each entity
// kind names its messages and RPCs once (EntityKind below); show, list and
// upsert are written once for all of them.
#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/entity_format.h"
#include "hub/cli/format.h"
#include "hub/cli/list_commands.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

// Per-entity types and calls, so that show/list/upsert are written once.
#define REVHUB_ENTITY_KIND(Kind, Entity, Singular, Plural, field, fields,      \
                           RenderOne, RenderMany)                              \
  struct Kind {                                                                \
    using EntityType = canon::Entity;                                          \
    using GetRequest = hubv1::Get##Entity##Request;                            \
    using GetResponse = hubv1::Get##Entity##Response;                          \
    using ListRequest = hubv1::List##Plural##Request;                          \
    using ListResponse = hubv1::List##Plural##Response;                        \
    using UpsertRequest = hubv1::Upsert##Entity##Request;                      \
    using UpsertResponse = hubv1::Upsert##Entity##Response;                    \
    static constexpr const char* kSingular = Singular;                         \
    static absl::StatusOr<GetResponse> Get(HubClient& hub,                     \
                                           const GetRequest& request) {        \
      return hub.Get##Entity(request);                                         \
    }                                                                          \
    static absl::StatusOr<ListResponse> List(HubClient& hub,                   \
                                             const ListRequest& request) {     \
      return hub.List##Plural(request);                                        \
    }                                                                          \
    static absl::StatusOr<UpsertResponse> Upsert(                              \
        HubClient& hub, const UpsertRequest& request) {                        \
      return hub.Upsert##Entity(request);                                      \
    }                                                                          \
    static const EntityType& Of(const GetResponse& r) { return r.field(); }    \
    static const EntityType& Of(const UpsertResponse& r) { return r.field(); } \
    static EntityType* Mutable(UpsertRequest& r) {                             \
      return r.mutable_##field();                                              \
    }                                                                          \
    static constexpr google::protobuf::RepeatedPtrField<EntityType>* (         \
        ListResponse::*kItems)() = &ListResponse::mutable_##fields;            \
    static int Count(const ListResponse& r) { return r.fields##_size(); }      \
    static std::string Render(const EntityType& e) { return RenderOne(e); }    \
    static std::string RenderList(const ListResponse& r) {                     \
      return RenderMany(r);                                                    \
    }                                                                          \
  };

REVHUB_ENTITY_KIND(CustomerKind, Customer, "customer", Customers, customer,
                   customers, RenderCustomer, RenderCustomerTable)
REVHUB_ENTITY_KIND(ProductKind, Product, "product", Products, product, products,
                   RenderProduct, RenderProductTable)
REVHUB_ENTITY_KIND(ContractKind, Contract, "contract", Contracts, contract,
                   contracts, RenderContract, RenderContractTable)
REVHUB_ENTITY_KIND(InvoiceKind, Invoice, "invoice", Invoices, invoice, invoices,
                   RenderInvoice, RenderInvoiceTable)
REVHUB_ENTITY_KIND(PaymentKind, Payment, "payment", Payments, payment, payments,
                   RenderPayment, RenderPaymentTable)
#undef REVHUB_ENTITY_KIND

// The flags of one entity group.
struct EntityFlags {
  std::string plural;
  // show
  std::string id;
  std::string ref;
  std::string as_of;
  int64_t version = 0;
  CLI::Option* as_of_option = nullptr;
  CLI::Option* version_option = nullptr;
  // list
  FilterValues filters;
  PageFlags page;
  // upsert
  std::string file;
  std::string idempotency_key;
  int64_t expected_version = 0;
  CLI::Option* expected_version_option = nullptr;
  std::string source_system;
  std::string correlation_id;
  std::string causation_id;
};

template <typename Kind>
absl::StatusOr<typename Kind::GetRequest> BuildGetRequest(
    const EntityFlags& f) {
  typename Kind::GetRequest request;
  if (f.id.empty() == f.ref.empty()) {
    return UsageError(absl::StrCat("give either the ", Kind::kSingular,
                                   " ID or --ref, not both or neither"));
  }
  request.set_id(f.id);
  if (!f.ref.empty()) {
    std::vector<std::string> parts =
        absl::StrSplit(f.ref, absl::MaxSplits(':', 2));
    if (parts.size() != 3 || parts[0].empty() || parts[1].empty() ||
        parts[2].empty()) {
      return UsageError(absl::StrCat("--ref: '", f.ref,
                                     "' is not SYSTEM:OBJECT_TYPE:VENDOR_ID"));
    }
    request.mutable_external_ref()->set_system(parts[0]);
    request.mutable_external_ref()->set_object_type(parts[1]);
    request.mutable_external_ref()->set_vendor_id(parts[2]);
  }
  if (f.as_of_option->count() > 0) {
    absl::StatusOr<google::protobuf::Timestamp> as_of =
        ParseTimestamp(f.as_of, "--as-of");
    if (!as_of.ok()) return UsageError(as_of.status());
    *request.mutable_as_of() = *as_of;
  }
  if (f.version_option->count() > 0) request.set_version(f.version);
  return request;
}

template <typename Kind>
absl::Status ShowEntity(const EntityFlags& f, CommandContext& ctx) {
  ASSIGN_OR_RETURN(typename Kind::GetRequest request, BuildGetRequest<Kind>(f));
  ASSIGN_OR_RETURN(typename Kind::GetResponse response,
                   Kind::Get(ctx.Hub(), request));
  ctx.Print(response, Kind::Render(Kind::Of(response)));
  return absl::OkStatus();
}

template <typename Kind>
absl::Status ListEntities(const EntityFlags& f, CommandContext& ctx) {
  typename Kind::ListRequest request;
  RETURN_IF_ERROR(ApplyFilters(f.filters, request));
  const Paging paging = Paging::FromFlags(f.page);
  ASSIGN_OR_RETURN(typename Kind::ListResponse all,
                   FetchPages(
                       request, paging,
                       [&ctx](const typename Kind::ListRequest& r) {
                         return Kind::List(ctx.Hub(), r);
                       },
                       Kind::kItems));
  PrintList(ctx, all, Kind::Count(all), f.plural, Kind::RenderList(all),
            paging);
  return absl::OkStatus();
}

template <typename Kind>
absl::StatusOr<typename Kind::UpsertRequest> BuildUpsertRequest(
    const EntityFlags& f, CommandContext& ctx) {
  typename Kind::UpsertRequest request;
  ASSIGN_OR_RETURN(std::string json, ctx.ReadInput(f.file));
  RETURN_IF_ERROR(ctx.ParseJsonInto(json, f.file, *Kind::Mutable(request)));
  request.set_idempotency_key(f.idempotency_key);
  if (f.expected_version_option->count() > 0) {
    request.set_expected_version(f.expected_version);
  }
  request.set_source_system(f.source_system);
  request.set_correlation_id(f.correlation_id);
  request.set_causation_id(f.causation_id);
  return request;
}

template <typename Kind>
absl::Status UpsertEntity(const EntityFlags& f, CommandContext& ctx) {
  ASSIGN_OR_RETURN(typename Kind::UpsertRequest request,
                   BuildUpsertRequest<Kind>(f, ctx));
  ASSIGN_OR_RETURN(typename Kind::UpsertResponse response,
                   Kind::Upsert(ctx.Hub(), request));
  const auto& entity = Kind::Of(response);
  std::string summary = absl::StrCat(
      Kind::kSingular, " ", entity.id(), " version ", entity.version(),
      response.replayed()  ? " (replayed: earlier answer)"
      : response.changed() ? " (changed)"
                           : " (unchanged)");
  if (response.event_position() != 0) {
    absl::StrAppend(&summary, ", event ", response.event_position());
  }
  ctx.Print(response, absl::StrCat(summary, "\n\n", Kind::Render(entity)));
  return absl::OkStatus();
}

// Adds the group `plural` with show (alias get), list and upsert; returns
// the group so that contracts can add its lifecycle commands.
template <typename Kind>
CLI::App* DefineEntityGroup(CLI::App& app, CommandContext& ctx,
                            const std::string& plural, const std::string& about,
                            std::vector<FilterSpec> filters) {
  EntityFlags& f = ctx.NewFlags<EntityFlags>();
  f.plural = plural;
  const std::string singular = Kind::kSingular;
  CLI::App* group = app.add_subcommand(plural, about);
  group->require_subcommand(1);

  CLI::App* show = group->add_subcommand(
      "show", "Show one " + singular +
                  ": the current version, or one as of a time or by number");
  show->alias("get");
  show->add_option("ID", f.id, "Hub id of the " + singular);
  show->add_option("--ref", f.ref,
                   "Find by external ref SYSTEM:OBJECT_TYPE:VENDOR_ID "
                   "instead of the hub id");
  f.as_of_option =
      show->add_option("--as-of", f.as_of,
                       "The version current at this recorded time (RFC 3339)");
  f.version_option =
      show->add_option("--version", f.version, "This numbered version");
  f.version_option->check(CLI::PositiveNumber);
  f.as_of_option->excludes(f.version_option);
  ctx.OnParsed(show, [&f, &ctx] { return ShowEntity<Kind>(f, ctx); });

  CLI::App* list = group->add_subcommand(
      "list", "List current " + plural + " in id order, one page at a time");
  AddFilters(list, Kind::ListRequest::descriptor(), std::move(filters),
             f.filters);
  AddPageFlags(list, f.page);
  ctx.OnParsed(list, [&f, &ctx] { return ListEntities<Kind>(f, ctx); });

  CLI::App* upsert = group->add_subcommand(
      "upsert", "Create or change a " + singular +
                    " from its canonical JSON (proto3 JSON of revhub." +
                    "canonical.v1." + Kind::EntityType::descriptor()->name() +
                    ")");
  upsert
      ->add_option("FILE", f.file,
                   "JSON file of the " + singular + ", or - for stdin")
      ->required();
  upsert
      ->add_option("--idempotency-key", f.idempotency_key,
                   "Same key and request: the first answer again; same key, "
                   "another request: refused")
      ->required();
  f.expected_version_option = upsert->add_option(
      "--expected-version", f.expected_version,
      "Apply only if the current version is this one (0: only if new)");
  f.expected_version_option->check(CLI::NonNegativeNumber);
  upsert->add_option("--source-system", f.source_system,
                     "Registered system the change comes from");
  upsert->add_option("--correlation-id", f.correlation_id,
                     "Ties the change to a business process");
  upsert->add_option("--causation-id", f.causation_id,
                     "Event id that caused this change");
  ctx.OnParsed(upsert, [&f, &ctx] { return UpsertEntity<Kind>(f, ctx); });
  return group;
}

}  // namespace

void DefineCustomersCommands(CLI::App& app, CommandContext& ctx) {
  DefineEntityGroup<CustomerKind>(
      app, ctx, "customers",
      "Canonical customers (accounts, billing customers)",
      {{"--system", "system", "Only customers this system knows"},
       {"--legal-entity", "legal_entity", "Only this selling legal entity"},
       {"--status", "status", "Only this status"}});
}

void DefineProductsCommands(CLI::App& app, CommandContext& ctx) {
  DefineEntityGroup<ProductKind>(
      app, ctx, "products", "Canonical products and their revenue rules",
      {{"--system", "system", "Only products this system knows"},
       {"--revenue-rule", "revenue_rule", "Only this revenue rule"}});
}

void DefineContractsCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* contracts = DefineEntityGroup<ContractKind>(
      app, ctx, "contracts", "Canonical contracts, every version kept",
      {{"--system", "system", "Only contracts this system knows"},
       {"--customer", "customer_id", "Only this customer's (hub id)"},
       {"--status", "status", "Only this status"},
       {"--legal-entity", "legal_entity", "Only this legal entity"}});
  DefineContractLifecycleCommands(*contracts, ctx);
}

void DefineInvoicesCommands(CLI::App& app, CommandContext& ctx) {
  DefineEntityGroup<InvoiceKind>(
      app, ctx, "invoices", "Canonical invoices and credit notes",
      {{"--system", "system", "Only invoices this system knows"},
       {"--customer", "customer_id", "Only this customer's (hub id)"},
       {"--contract", "contract_id", "Only this contract's (hub id)"},
       {"--kind", "kind", "Only this kind"},
       {"--status", "status", "Only this status"}});
}

void DefinePaymentsCommands(CLI::App& app, CommandContext& ctx) {
  DefineEntityGroup<PaymentKind>(
      app, ctx, "payments", "Canonical payments",
      {{"--system", "system", "Only payments this system knows"},
       {"--customer", "customer_id", "Only this customer's (hub id)"},
       {"--invoice", "invoice_id", "Only payments allocated to this invoice"},
       {"--status", "status", "Only this status"}});
}

}  // namespace revhub::cli
