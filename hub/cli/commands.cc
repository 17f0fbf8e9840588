#include "hub/cli/commands.h"

#include <google/protobuf/util/json_util.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <list>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "canonical/status_macros.h"
#include "hub/cli/format.h"
// Revenue recognition
#include "hub/cli/pipeline_commands.h"
#include "hub/cli/revenue_commands.h"
// Orchestration: workflows, exceptions, contract lifecycle
#include "hub/cli/orchestration_commands.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// A status payload that marks an error found before anything was sent.
constexpr char kUsagePayload[] = "revhub.cli/usage";

absl::Status UsageError(absl::Status status) {
  status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

absl::Status UsageError(absl::string_view message) {
  return UsageError(absl::InvalidArgumentError(message));
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

// Reads a whole file, or the input stream for "-".
absl::StatusOr<std::string> ReadInput(const std::string& path,
                                      std::istream* in) {
  if (path == "-") {
    if (in == nullptr) return UsageError("-: no standard input");
    std::ostringstream data;
    data << in->rdbuf();
    return std::move(data).str();
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return UsageError(absl::NotFoundError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno))));
  }
  std::ostringstream data;
  // An empty file sets failbit on `data`; that is not an error.
  if (file.peek() != std::ifstream::traits_type::eof()) data << file.rdbuf();
  if (file.bad()) {
    return UsageError(absl::DataLossError(absl::StrCat(path, ": read failed")));
  }
  return std::move(data).str();
}

// Parses canonical proto3 JSON into `message`; unknown fields are an error
// so that a misspelt field is not silently dropped.
absl::Status ParseJsonInto(const std::string& json, absl::string_view source,
                           Message& message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status =
      google::protobuf::util::JsonStringToMessage(json, &message, options);
  if (!status.ok()) {
    return UsageError(absl::StrCat(source, ": not a valid ",
                                   message.GetDescriptor()->full_name(),
                                   " in JSON: ", status.message().ToString()));
  }
  return absl::OkStatus();
}

// Guesses a content type from a file name's extension; empty when unknown
// (the hub then assumes application/json).
std::string ContentTypeForPath(absl::string_view path) {
  std::string lower = absl::AsciiStrToLower(path);
  if (absl::EndsWith(lower, ".json")) return "application/json";
  if (absl::EndsWith(lower, ".xml")) return "application/xml";
  if (absl::EndsWith(lower, ".csv")) return "text/csv";
  if (absl::EndsWith(lower, ".txt")) return "text/plain";
  return "";
}

// A list filter: a flag that sets one field of a List request, by name.
// String fields take the value as given; enum fields take a short name.
struct FilterSpec {
  const char* flag;
  const char* field;
  const char* help;
};

struct FilterValues {
  std::vector<FilterSpec> specs;
  std::vector<std::string> values;
  std::vector<CLI::Option*> options;
};

void AddFilters(CLI::App* command, const google::protobuf::Descriptor* request,
                std::vector<FilterSpec> specs, FilterValues& filters) {
  filters.specs = std::move(specs);
  filters.values.resize(filters.specs.size());
  for (size_t i = 0; i < filters.specs.size(); ++i) {
    const FilterSpec& spec = filters.specs[i];
    const FieldDescriptor* field = request->FindFieldByName(spec.field);
    std::string help = spec.help;
    if (field != nullptr && field->enum_type() != nullptr) {
      absl::StrAppend(&help, " (", EnumChoices(field->enum_type()), ")");
    }
    filters.options.push_back(
        command->add_option(spec.flag, filters.values[i], help));
  }
}

absl::Status ApplyFilters(const FilterValues& filters, Message& request) {
  const google::protobuf::Descriptor* descriptor = request.GetDescriptor();
  const google::protobuf::Reflection* reflection = request.GetReflection();
  for (size_t i = 0; i < filters.specs.size(); ++i) {
    if (filters.options[i]->count() == 0) continue;
    const FieldDescriptor* field =
        descriptor->FindFieldByName(filters.specs[i].field);
    if (field == nullptr) {
      return absl::InternalError(absl::StrCat(
          descriptor->full_name(), " has no field ", filters.specs[i].field));
    }
    if (field->type() == FieldDescriptor::TYPE_ENUM) {
      absl::StatusOr<int> value = ParseEnumShortName(
          field->enum_type(), filters.values[i], filters.specs[i].flag);
      if (!value.ok()) return UsageError(value.status());
      reflection->SetEnumValue(&request, field, *value);
    } else {
      reflection->SetString(&request, field, filters.values[i]);
    }
  }
  return absl::OkStatus();
}

// Paging flags shared by every list command.
struct PageFlags {
  int32_t page_size = 0;
  std::string page_token;
  bool all_pages = false;
};

void AddPageFlags(CLI::App* command, PageFlags& flags) {
  command
      ->add_option("--page-size", flags.page_size,
                   "Items per page, 1 to 500 (the hub's default when unset)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--page-token", flags.page_token,
                      "Continue from the page token a previous list printed");
  command->add_flag("--all-pages", flags.all_pages,
                    "Follow page tokens and print every page as one list");
}

// Calls a List RPC once, or until the last page when all_pages, and returns
// the items of every page fetched in one response (whose next page token is
// the last page's).
template <typename Request, typename Response, typename Call, typename Append>
absl::StatusOr<Response> ListPages(Request request, const PageFlags& flags,
                                   Call call, Append append) {
  request.set_page_size(flags.page_size);
  request.set_page_token(flags.page_token);
  Response all;
  while (true) {
    ASSIGN_OR_RETURN(Response page, call(request));
    append(all, page);
    all.set_next_page_token(page.next_page_token());
    if (!flags.all_pages || page.next_page_token().empty()) break;
    if (page.next_page_token() == request.page_token()) {
      return absl::InternalError(
          "the hub returned the same page token twice; stopping");
    }
    request.set_page_token(page.next_page_token());
  }
  return all;
}

// The flags every Get command takes.
struct GetFlags {
  std::string id;
  std::string ref;
  std::string as_of;
  int64_t version = 0;
  CLI::Option* as_of_option = nullptr;
  CLI::Option* version_option = nullptr;
};

// The flags every Upsert command takes.
struct UpsertFlags {
  std::string file;
  std::string idempotency_key;
  int64_t expected_version = 0;
  CLI::Option* expected_version_option = nullptr;
  std::string source_system;
  std::string correlation_id;
  std::string causation_id;
};

// Per-entity types and calls, so that get/list/upsert are written once.
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
    static void Append(ListResponse& all, const ListResponse& page) {          \
      all.mutable_##fields()->MergeFrom(page.fields());                        \
    }                                                                          \
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

class Cli {
 public:
  explicit Cli(const CliEnvironment& env)
      : env_(env), hub_(env.default_hub), app_(kDescription, "revhub") {
    Define();
  }

  int Run(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    try {
      app_.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) {  // --help and the like
        app_.exit(e, *env_.out, *env_.err);
        return kExitOk;
      }
      std::string unknown = UnknownCommand(args);
      *env_.err << "revhub: " << (unknown.empty() ? e.what() : unknown) << "\n"
                << "Run with --help for usage.\n";
      return kExitUsage;
    }
    if (!action_) {
      *env_.err << "revhub: no command given\nRun with --help for usage.\n";
      return kExitUsage;
    }
    absl::Status status = ValidateGlobals();
    if (status.ok()) status = action_();
    env_.out->flush();
    if (status.ok()) return kExitOk;
    *env_.err << "revhub: " << absl::StatusCodeToString(status.code()) << ": "
              << status.message() << "\n";
    if (IsUsageError(status)) return kExitUsage;
    ExitCode code = ExitCodeForHubStatus(status);
    if (code == kExitUnreachable) {
      *env_.err << "revhub: is a hub running at " << hub_
                << "? (--hub or REVHUB_HUB say where)\n";
    }
    return code;
  }

 private:
  static constexpr char kDescription[] =
      "revhub: command-line client of the revhub integration hub.\n"
      "Registers systems, reads and changes canonical records, ingests raw\n"
      "vendor payloads and follows the event log, over the hub's gRPC API.";

  std::ostream& out() { return *env_.out; }

  // Returns "'lst' is not a command of revhub systems (one of: …)" when the
  // command words in args name no command, else "".
  std::string UnknownCommand(const std::vector<std::string>& args) {
    CLI::App* current = &app_;
    std::string path = "revhub";
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string& word = args[i];
      if (absl::StartsWith(word, "-")) {
        if (absl::StrContains(word, '=')) continue;
        CLI::Option* option = nullptr;
        for (CLI::App* app = current; app != nullptr && option == nullptr;
             app = app->get_parent()) {
          option = app->get_option_no_throw(word);
        }
        if (option != nullptr && option->get_items_expected_max() > 0) ++i;
        continue;
      }
      std::vector<CLI::App*> commands =
          current->get_subcommands([](CLI::App*) { return true; });
      if (commands.empty()) return "";  // a positional argument
      std::vector<std::string> names;
      for (CLI::App* command : commands) {
        if (command->check_name(word)) {
          current = command;
          names.clear();
          break;
        }
        names.push_back(command->get_name());
      }
      if (!names.empty()) {
        return absl::StrCat("'", word, "' is not a command of ", path,
                            " (one of: ", absl::StrJoin(names, ", "), ")");
      }
      absl::StrAppend(&path, " ", word);
    }
    return "";
  }

  absl::Status ValidateGlobals() {
    if (timeout_option_->count() > 0 && !(timeout_seconds_ > 0)) {
      return UsageError("--timeout: must be a positive number of seconds");
    }
    return absl::OkStatus();
  }

  HubClient& Hub() {
    if (client_ == nullptr) {
      HubClientOptions options;
      options.target = hub_;
      options.principal = principal_;
      if (timeout_option_->count() > 0) {
        options.call_timeout = absl::Seconds(timeout_seconds_);
        options.stream_timeout = absl::Seconds(timeout_seconds_);
      }
      client_ = env_.connect(options);
    }
    return *client_;
  }

  // Prints a message as JSON (--json) or with the human renderer.
  void Print(const Message& message, const std::string& human) {
    if (json_) {
      out() << ToJson(message, /*pretty=*/true);
    } else {
      out() << human;
    }
  }

  template <typename Response>
  void PrintList(const Response& page, int count, absl::string_view plural,
                 const std::string& table) {
    if (json_) {
      out() << ToJson(page, /*pretty=*/true);
      return;
    }
    if (count == 0) {
      out() << "no " << plural << "\n";
    } else {
      out() << table;
    }
    if (!page.next_page_token().empty()) {
      out() << "\nmore: --page-token " << page.next_page_token()
            << " (or --all-pages)\n";
    }
  }

  void Define() {
    app_.require_subcommand(1);
    app_.fallthrough();
    app_.add_option("--hub", hub_,
                    "Hub address HOST:PORT (default: $REVHUB_HUB, else " +
                        std::string(kDefaultHub) + ")");
    app_.add_flag("--json", json_,
                  "Print results as proto3 JSON: one document per result; a "
                  "list as one object with its items and nextPageToken; "
                  "events one per line");
    timeout_option_ = app_.add_option(
        "--timeout", timeout_seconds_,
        "Seconds to wait for each call (default 30); with events tail "
        "--follow, how long to follow");
    app_.add_option("--principal", principal_,
                    "Act as this principal (sent as x-revhub-principal)");
    app_.footer(
        "Exit codes: 0 ok, 1 the hub returned an error, 2 usage error, "
        "3 hub unreachable.");

    DefineSystems();
    DefineEntity<CustomerKind>(
        "customers", "Canonical customers (accounts, billing customers)",
        {{"--system", "system", "Only customers this system knows"},
         {"--legal-entity", "legal_entity", "Only this selling legal entity"},
         {"--status", "status", "Only this status"}});
    DefineEntity<ProductKind>(
        "products", "Canonical products and their revenue rules",
        {{"--system", "system", "Only products this system knows"},
         {"--revenue-rule", "revenue_rule", "Only this revenue rule"}});
    DefineEntity<ContractKind>(
        "contracts", "Canonical contracts, every version kept",
        {{"--system", "system", "Only contracts this system knows"},
         {"--customer", "customer_id", "Only this customer's (hub id)"},
         {"--status", "status", "Only this status"},
         {"--legal-entity", "legal_entity", "Only this legal entity"}});
    DefineEntity<InvoiceKind>(
        "invoices", "Canonical invoices and credit notes",
        {{"--system", "system", "Only invoices this system knows"},
         {"--customer", "customer_id", "Only this customer's (hub id)"},
         {"--contract", "contract_id", "Only this contract's (hub id)"},
         {"--kind", "kind", "Only this kind"},
         {"--status", "status", "Only this status"}});
    DefineEntity<PaymentKind>(
        "payments", "Canonical payments",
        {{"--system", "system", "Only payments this system knows"},
         {"--customer", "customer_id", "Only this customer's (hub id)"},
         {"--invoice", "invoice_id", "Only payments allocated to this invoice"},
         {"--status", "status", "Only this status"}});
    DefineIngest();
    DefineRecords();
    DefineEvents();
    // Revenue recognition
    DefineRevenueCommands(
        app_, RevenueCommandHooks{
                  [this]() -> HubClient& { return Hub(); },
                  [this] { return json_; }, env_.out,
                  [this](const std::string& path) {
                    return ReadInput(path, env_.in);
                  },
                  [](absl::Status status) { return UsageError(status); },
                  [this](std::function<absl::Status()> action) {
                    action_ = std::move(action);
                  }});
    // Orchestration: workflows, exceptions, contract lifecycle
    DefineOrchestrationCommands(
        app_, OrchestrationCommandHooks{
                  [this]() -> HubClient& { return Hub(); },
                  [this] { return json_; }, env_.out,
                  [this](const std::string& path) {
                    return ReadInput(path, env_.in);
                  },
                  [](absl::Status status) { return UsageError(status); },
                  [this](std::function<absl::Status()> action) {
                    action_ = std::move(action);
                  }});
  }

  // ---- systems ----------------------------------------------------------

  struct RegisterFlags {
    std::string name, kind, display_name, description, command, endpoint,
        config_file;
    std::vector<std::string> args, env, authoritative_for;
    bool replace = false;
  } register_;
  struct SystemListFlags {
    bool all = false;
    std::string kind;
    CLI::Option* kind_option = nullptr;
    PageFlags page;
  } system_list_;
  std::string system_name_;
  std::string disable_reason_;

  void DefineSystems() {
    CLI::App* systems = app_.add_subcommand(
        "systems", "The registry of external systems (CRM, billing, ERP, …)");
    systems->require_subcommand(1);

    CLI::App* reg = systems->add_subcommand(
        "register",
        "Register a system: its kind, how to reach its adapter, its "
        "configuration and what it is authoritative for");
    reg->add_option("--name", register_.name,
                    "System name: lower case letters, digits and '-'")
        ->required();
    reg->add_option("--kind", register_.kind,
                    "crm, billing, erp, revrec or other")
        ->required();
    reg->add_option("--display-name", register_.display_name,
                    "Name shown to people");
    reg->add_option("--description", register_.description, "What it is");
    CLI::Option* command =
        reg->add_option("--command", register_.command,
                        "Adapter executable the hub starts and supervises");
    reg->add_option("--arg", register_.args,
                    "An argument of --command (repeat for several; "
                    "--arg=-v for one that starts with '-')")
        ->needs(command)
        ->allow_extra_args(false);
    reg->add_option("--env", register_.env,
                    "KEY=VALUE in the adapter's environment (repeatable)")
        ->needs(command)
        ->allow_extra_args(false);
    reg->add_option("--endpoint", register_.endpoint,
                    "HOST:PORT of an adapter that runs elsewhere")
        ->excludes(command);
    reg->add_option("--config-file", register_.config_file,
                    "JSON object with the adapter's configuration");
    reg->add_option("--authoritative-for", register_.authoritative_for,
                    "Entity types it is the source of truth for, comma "
                    "separated (" +
                        EnumChoices(canon::EntityType_descriptor()) + ")")
        ->delimiter(',');
    reg->add_flag("--replace", register_.replace,
                  "Replace an existing registration of that name");
    reg->callback([this] { action_ = [this] { return RegisterSystem(); }; });
    // The ingest pipeline: matching rules.
    pipeline_commands_.DefineRegisterOptions(reg);

    CLI::App* list = systems->add_subcommand("list", "List registered systems");
    list->add_flag("--all", system_list_.all, "Include disabled systems");
    system_list_.kind_option = list->add_option("--kind", system_list_.kind,
                                                "Only systems of this kind");
    AddPageFlags(list, system_list_.page);
    list->callback([this] { action_ = [this] { return ListSystems(); }; });

    CLI::App* get = systems->add_subcommand("get", "Show one system");
    get->add_option("NAME", system_name_, "System name")->required();
    get->callback([this] { action_ = [this] { return GetSystem(); }; });

    CLI::App* disable = systems->add_subcommand(
        "disable",
        "Disable a system: its payloads are refused until it is registered "
        "again");
    disable->add_option("NAME", system_name_, "System name")->required();
    disable->add_option("--reason", disable_reason_, "Why, for the audit trail")
        ->required();
    disable->callback([this] { action_ = [this] { return DisableSystem(); }; });
    // The ingest pipeline: describe, check.
    pipeline_commands_.DefineSystemCommands(systems, Hooks());
  }

  absl::StatusOr<hubv1::RegisterSystemRequest> BuildRegisterRequest() {
    hubv1::RegisterSystemRequest request;
    hubv1::System* system = request.mutable_system();
    system->set_name(register_.name);
    absl::StatusOr<int> kind = ParseEnumShortName(
        hubv1::SystemKind_descriptor(), register_.kind, "--kind");
    if (!kind.ok()) return UsageError(kind.status());
    system->set_kind(static_cast<hubv1::SystemKind>(*kind));
    system->set_display_name(register_.display_name);
    system->set_description(register_.description);
    if (!register_.command.empty()) {
      hubv1::AdapterLaunch* launch =
          system->mutable_adapter()->mutable_launch();
      launch->set_command(register_.command);
      for (const std::string& arg : register_.args) launch->add_args(arg);
      for (const std::string& pair : register_.env) {
        std::pair<std::string, std::string> kv =
            absl::StrSplit(pair, absl::MaxSplits('=', 1));
        if (kv.first.empty() || !absl::StrContains(pair, '=')) {
          return UsageError(
              absl::StrCat("--env: '", pair, "' is not KEY=VALUE"));
        }
        (*launch->mutable_env())[kv.first] = kv.second;
      }
    } else if (!register_.endpoint.empty()) {
      system->mutable_adapter()->set_endpoint(register_.endpoint);
    }
    if (!register_.config_file.empty()) {
      ASSIGN_OR_RETURN(std::string json,
                       ReadInput(register_.config_file, env_.in));
      RETURN_IF_ERROR(ParseJsonInto(json, register_.config_file,
                                    *system->mutable_config()));
    }
    for (const std::string& name : register_.authoritative_for) {
      absl::StatusOr<int> type = ParseEnumShortName(
          canon::EntityType_descriptor(), name, "--authoritative-for");
      if (!type.ok()) return UsageError(type.status());
      system->add_authoritative_for(static_cast<canon::EntityType>(*type));
    }
    // The ingest pipeline: matching rules.
    absl::Status rules = pipeline_commands_.AddMatchingRules(system);
    if (!rules.ok()) return UsageError(rules);
    request.set_replace_existing(register_.replace);
    return request;
  }

  absl::Status RegisterSystem() {
    ASSIGN_OR_RETURN(hubv1::RegisterSystemRequest request,
                     BuildRegisterRequest());
    ASSIGN_OR_RETURN(hubv1::RegisterSystemResponse response,
                     Hub().RegisterSystem(request));
    Print(response,
          absl::StrCat("system ", response.system().name(),
                       response.unchanged() ? " unchanged" : " registered",
                       " (version ", response.system().version(), ")\n\n",
                       RenderSystem(response.system())));
    return absl::OkStatus();
  }

  absl::Status ListSystems() {
    hubv1::ListSystemsRequest request;
    request.set_include_disabled(system_list_.all);
    if (system_list_.kind_option->count() > 0) {
      absl::StatusOr<int> kind = ParseEnumShortName(
          hubv1::SystemKind_descriptor(), system_list_.kind, "--kind");
      if (!kind.ok()) return UsageError(kind.status());
      request.set_kind(static_cast<hubv1::SystemKind>(*kind));
    }
    ASSIGN_OR_RETURN(
        hubv1::ListSystemsResponse all,
        (ListPages<hubv1::ListSystemsRequest, hubv1::ListSystemsResponse>(
            request, system_list_.page,
            [this](const hubv1::ListSystemsRequest& r) {
              return Hub().ListSystems(r);
            },
            [](hubv1::ListSystemsResponse& into,
               const hubv1::ListSystemsResponse& page) {
              into.mutable_systems()->MergeFrom(page.systems());
            })));
    PrintList(all, all.systems_size(), "systems", RenderSystemTable(all));
    return absl::OkStatus();
  }

  absl::Status GetSystem() {
    hubv1::GetSystemRequest request;
    request.set_name(system_name_);
    ASSIGN_OR_RETURN(hubv1::GetSystemResponse response,
                     Hub().GetSystem(request));
    Print(response, RenderSystem(response.system()));
    return absl::OkStatus();
  }

  absl::Status DisableSystem() {
    hubv1::DisableSystemRequest request;
    request.set_name(system_name_);
    request.set_reason(disable_reason_);
    ASSIGN_OR_RETURN(hubv1::DisableSystemResponse response,
                     Hub().DisableSystem(request));
    Print(response,
          absl::StrCat("system ", response.system().name(), " disabled\n\n",
                       RenderSystem(response.system())));
    return absl::OkStatus();
  }

  // ---- customers, products, contracts, invoices, payments ---------------

  struct EntityFlags {
    GetFlags get;
    FilterValues filters;
    PageFlags page;
    UpsertFlags upsert;
  };
  // One set per entity family; std::list keeps addresses stable for CLI11.
  std::list<EntityFlags> entity_flags_;

  template <typename Kind>
  void DefineEntity(const std::string& plural, const std::string& about,
                    std::vector<FilterSpec> filters) {
    EntityFlags& flags = entity_flags_.emplace_back();
    const std::string singular = Kind::kSingular;
    CLI::App* group = app_.add_subcommand(plural, about);
    group->require_subcommand(1);

    CLI::App* get = group->add_subcommand(
        "get", "Show one " + singular +
                   ": the current version, or one as of a time or by number");
    get->add_option("ID", flags.get.id, "Hub id of the " + singular);
    get->add_option("--ref", flags.get.ref,
                    "Find by external ref SYSTEM:OBJECT_TYPE:VENDOR_ID "
                    "instead of the hub id");
    flags.get.as_of_option =
        get->add_option("--as-of", flags.get.as_of,
                        "The version current at this recorded time (RFC 3339)");
    flags.get.version_option = get->add_option("--version", flags.get.version,
                                               "This numbered version");
    flags.get.version_option->check(CLI::PositiveNumber);
    flags.get.as_of_option->excludes(flags.get.version_option);
    get->callback([this, &flags] {
      action_ = [this, &flags] { return GetEntity<Kind>(flags.get); };
    });

    CLI::App* list = group->add_subcommand(
        "list", "List current " + plural + " in id order, one page at a time");
    AddFilters(list, Kind::ListRequest::descriptor(), std::move(filters),
               flags.filters);
    AddPageFlags(list, flags.page);
    list->callback([this, &flags, plural] {
      action_ = [this, &flags, plural] {
        return ListEntities<Kind>(flags, plural);
      };
    });

    CLI::App* upsert = group->add_subcommand(
        "upsert", "Create or change a " + singular +
                      " from its canonical JSON (proto3 JSON of revhub." +
                      "canonical.v1." + Kind::EntityType::descriptor()->name() +
                      ")");
    upsert
        ->add_option("FILE", flags.upsert.file,
                     "JSON file of the " + singular + ", or - for stdin")
        ->required();
    upsert
        ->add_option("--idempotency-key", flags.upsert.idempotency_key,
                     "Same key and request: the first answer again; same key, "
                     "another request: refused")
        ->required();
    flags.upsert.expected_version_option = upsert->add_option(
        "--expected-version", flags.upsert.expected_version,
        "Apply only if the current version is this one (0: only if new)");
    flags.upsert.expected_version_option->check(CLI::NonNegativeNumber);
    upsert->add_option("--source-system", flags.upsert.source_system,
                       "Registered system the change comes from");
    upsert->add_option("--correlation-id", flags.upsert.correlation_id,
                       "Ties the change to a business process");
    upsert->add_option("--causation-id", flags.upsert.causation_id,
                       "Event id that caused this change");
    upsert->callback([this, &flags] {
      action_ = [this, &flags] { return UpsertEntity<Kind>(flags.upsert); };
    });
  }

  template <typename Kind>
  absl::StatusOr<typename Kind::GetRequest> BuildGetRequest(
      const GetFlags& flags) {
    typename Kind::GetRequest request;
    if (flags.id.empty() == flags.ref.empty()) {
      return UsageError(absl::StrCat("give either the ", Kind::kSingular,
                                     " ID or --ref, not both or neither"));
    }
    request.set_id(flags.id);
    if (!flags.ref.empty()) {
      std::vector<std::string> parts =
          absl::StrSplit(flags.ref, absl::MaxSplits(':', 2));
      if (parts.size() != 3 || parts[0].empty() || parts[1].empty() ||
          parts[2].empty()) {
        return UsageError(absl::StrCat(
            "--ref: '", flags.ref, "' is not SYSTEM:OBJECT_TYPE:VENDOR_ID"));
      }
      request.mutable_external_ref()->set_system(parts[0]);
      request.mutable_external_ref()->set_object_type(parts[1]);
      request.mutable_external_ref()->set_vendor_id(parts[2]);
    }
    if (flags.as_of_option->count() > 0) {
      absl::StatusOr<google::protobuf::Timestamp> as_of =
          ParseTimestamp(flags.as_of, "--as-of");
      if (!as_of.ok()) return UsageError(as_of.status());
      *request.mutable_as_of() = *as_of;
    }
    if (flags.version_option->count() > 0) request.set_version(flags.version);
    return request;
  }

  template <typename Kind>
  absl::Status GetEntity(const GetFlags& flags) {
    ASSIGN_OR_RETURN(typename Kind::GetRequest request,
                     BuildGetRequest<Kind>(flags));
    ASSIGN_OR_RETURN(typename Kind::GetResponse response,
                     Kind::Get(Hub(), request));
    Print(response, Kind::Render(Kind::Of(response)));
    return absl::OkStatus();
  }

  template <typename Kind>
  absl::Status ListEntities(const EntityFlags& flags,
                            const std::string& plural) {
    typename Kind::ListRequest request;
    RETURN_IF_ERROR(ApplyFilters(flags.filters, request));
    ASSIGN_OR_RETURN(
        typename Kind::ListResponse all,
        (ListPages<typename Kind::ListRequest, typename Kind::ListResponse>(
            request, flags.page,
            [this](const typename Kind::ListRequest& r) {
              return Kind::List(Hub(), r);
            },
            &Kind::Append)));
    PrintList(all, Kind::Count(all), plural, Kind::RenderList(all));
    return absl::OkStatus();
  }

  template <typename Kind>
  absl::StatusOr<typename Kind::UpsertRequest> BuildUpsertRequest(
      const UpsertFlags& flags) {
    typename Kind::UpsertRequest request;
    ASSIGN_OR_RETURN(std::string json, ReadInput(flags.file, env_.in));
    RETURN_IF_ERROR(ParseJsonInto(json, flags.file, *Kind::Mutable(request)));
    request.set_idempotency_key(flags.idempotency_key);
    if (flags.expected_version_option->count() > 0) {
      request.set_expected_version(flags.expected_version);
    }
    request.set_source_system(flags.source_system);
    request.set_correlation_id(flags.correlation_id);
    request.set_causation_id(flags.causation_id);
    return request;
  }

  template <typename Kind>
  absl::Status UpsertEntity(const UpsertFlags& flags) {
    ASSIGN_OR_RETURN(typename Kind::UpsertRequest request,
                     BuildUpsertRequest<Kind>(flags));
    ASSIGN_OR_RETURN(typename Kind::UpsertResponse response,
                     Kind::Upsert(Hub(), request));
    const auto& entity = Kind::Of(response);
    std::string summary = absl::StrCat(
        Kind::kSingular, " ", entity.id(), " version ", entity.version(),
        response.replayed()  ? " (replayed: earlier answer)"
        : response.changed() ? " (changed)"
                             : " (unchanged)");
    if (response.event_position() != 0) {
      absl::StrAppend(&summary, ", event ", response.event_position());
    }
    Print(response, absl::StrCat(summary, "\n\n", Kind::Render(entity)));
    return absl::OkStatus();
  }

  // ---- ingest and records -----------------------------------------------

  struct IngestFlags {
    std::string file, system, object_type, content_type, idempotency_key;
  } ingest_;
  struct RecordFlags {
    FilterValues filters;
    PageFlags page;
    int64_t record_id = 0;
    bool payload = false;
  } records_;

  void DefineIngest() {
    CLI::App* ingest = app_.add_subcommand(
        "ingest",
        "Send one raw vendor payload; it is stored durably before the reply");
    ingest
        ->add_option("FILE", ingest_.file,
                     "The payload file, or - for stdin (bytes sent as they "
                     "are)")
        ->required();
    ingest
        ->add_option("--system", ingest_.system,
                     "Registered system it comes from")
        ->required();
    ingest
        ->add_option("--object-type", ingest_.object_type,
                     "The vendor's object name (Opportunity, invoice, …)")
        ->required();
    ingest->add_option("--content-type", ingest_.content_type,
                       "MIME type (default: from the file's extension, else "
                       "the hub's default application/json)");
    ingest->add_option("--idempotency-key", ingest_.idempotency_key,
                       "Stored once per system and key (default: a hash of "
                       "the object type and payload)");
    ingest->callback([this] { action_ = [this] { return Ingest(); }; });
  }

  absl::StatusOr<hubv1::IngestRequest> BuildIngestRequest() {
    hubv1::IngestRequest request;
    ASSIGN_OR_RETURN(std::string payload, ReadInput(ingest_.file, env_.in));
    request.set_system(ingest_.system);
    request.set_object_type(ingest_.object_type);
    request.set_payload(std::move(payload));
    request.set_content_type(ingest_.content_type.empty()
                                 ? ContentTypeForPath(ingest_.file)
                                 : ingest_.content_type);
    request.set_idempotency_key(ingest_.idempotency_key);
    return request;
  }

  absl::Status Ingest() {
    ASSIGN_OR_RETURN(hubv1::IngestRequest request, BuildIngestRequest());
    ASSIGN_OR_RETURN(hubv1::IngestResponse response, Hub().Ingest(request));
    Print(response,
          response.duplicate()
              ? absl::StrCat("record ", response.record_id(),
                             " duplicate: already stored at ",
                             FormatTimestamp(response.received_at()), "\n")
              : absl::StrCat("record ", response.record_id(), " stored at ",
                             FormatTimestamp(response.received_at()), "\n"));
    return absl::OkStatus();
  }

  void DefineRecords() {
    CLI::App* records = app_.add_subcommand(
        "records", "Raw vendor payloads the hub has stored");
    records->require_subcommand(1);
    CLI::App* list = records->add_subcommand(
        "list", "List raw records, newest first, without payloads");
    AddFilters(list, hubv1::ListRecordsRequest::descriptor(),
               {{"--system", "system", "Only from this system"},
                {"--status", "status", "Only in this status"},
                {"--object-type", "object_type", "Only this object type"}},
               records_.filters);
    AddPageFlags(list, records_.page);
    list->callback([this] { action_ = [this] { return ListRecords(); }; });

    CLI::App* get = records->add_subcommand("get", "Show one raw record");
    get->add_option("ID", records_.record_id, "Record id")
        ->required()
        ->check(CLI::PositiveNumber);
    get->add_flag("--payload", records_.payload,
                  "Write the payload bytes exactly as received instead of "
                  "the record's details (with --json: include it, base64)");
    get->callback([this] { action_ = [this] { return GetRecord(); }; });
    // The ingest pipeline: show, exceptions, replay.
    pipeline_commands_.DefineRecordCommands(records, Hooks());
  }

  absl::Status ListRecords() {
    hubv1::ListRecordsRequest request;
    RETURN_IF_ERROR(ApplyFilters(records_.filters, request));
    ASSIGN_OR_RETURN(
        hubv1::ListRecordsResponse all,
        (ListPages<hubv1::ListRecordsRequest, hubv1::ListRecordsResponse>(
            request, records_.page,
            [this](const hubv1::ListRecordsRequest& r) {
              return Hub().ListRecords(r);
            },
            [](hubv1::ListRecordsResponse& into,
               const hubv1::ListRecordsResponse& page) {
              into.mutable_records()->MergeFrom(page.records());
            })));
    PrintList(all, all.records_size(), "records", RenderRecordTable(all));
    return absl::OkStatus();
  }

  absl::Status GetRecord() {
    hubv1::GetRecordRequest request;
    request.set_record_id(records_.record_id);
    ASSIGN_OR_RETURN(hubv1::GetRecordResponse response,
                     Hub().GetRecord(request));
    if (!records_.payload) response.mutable_record()->clear_payload();
    if (json_) {
      out() << ToJson(response, /*pretty=*/true);
    } else if (records_.payload) {
      out() << response.record().payload();
    } else {
      out() << RenderRecord(response.record());
    }
    return absl::OkStatus();
  }

  // ---- events -----------------------------------------------------------

  struct TailFlags {
    int64_t from = 0;
    CLI::Option* from_option = nullptr;
    std::vector<std::string> types;
    std::string consumer;
    bool follow = false;
    bool live_only = false;
  } tail_;
  struct AckFlags {
    std::string consumer;
    int64_t position = 0;
  } ack_;
  std::string consumer_name_;

  void DefineEvents() {
    CLI::App* events =
        app_.add_subcommand("events", "The hub's event log of business events");
    events->require_subcommand(1);

    CLI::App* tail = events->add_subcommand(
        "tail",
        "Print events from a position: up to the newest and stop, or with "
        "--follow keep printing them as they commit");
    tail_.from_option = tail->add_option(
        "--from", tail_.from,
        "First position to print (default: 1, or just after --consumer's "
        "acknowledged position)");
    tail_.from_option->check(CLI::PositiveNumber);
    tail->add_option("--type", tail_.types,
                     "Only these event types, comma separated or repeated (" +
                         EnumChoices(canon::EventType_descriptor()) + ")")
        ->delimiter(',')
        ->allow_extra_args(false);
    tail->add_option("--consumer", tail_.consumer,
                     "Durable consumer name: resume after its acknowledged "
                     "position (record progress with events ack)");
    tail->add_flag("--follow,-f", tail_.follow,
                   "Keep streaming live events until interrupted (or "
                   "--timeout)");
    tail->add_flag("--live-only", tail_.live_only,
                   "With --follow: skip history, only events committed from "
                   "now on");
    tail->callback([this] { action_ = [this] { return TailEvents(); }; });

    CLI::App* ack = events->add_subcommand(
        "ack",
        "Record that a consumer has processed every event up to a "
        "position");
    ack->add_option("--consumer", ack_.consumer, "Consumer name")->required();
    ack->add_option("--position", ack_.position,
                    "Last processed position (inclusive)")
        ->required()
        ->check(CLI::PositiveNumber);
    ack->callback([this] { action_ = [this] { return AckEvents(); }; });

    CLI::App* consumer = events->add_subcommand(
        "consumer", "Show a durable consumer and its acknowledged position");
    consumer->add_option("NAME", consumer_name_, "Consumer name")->required();
    consumer->callback([this] { action_ = [this] { return GetConsumer(); }; });
  }

  absl::StatusOr<std::vector<canon::EventType>> ParseEventTypes() {
    std::vector<canon::EventType> types;
    for (const std::string& name : tail_.types) {
      absl::StatusOr<int> type =
          ParseEnumShortName(canon::EventType_descriptor(), name, "--type");
      if (!type.ok()) return UsageError(type.status());
      types.push_back(static_cast<canon::EventType>(*type));
    }
    return types;
  }

  void PrintEvent(const canon::BusinessEvent& event) {
    if (json_) {
      out() << ToJson(event, /*pretty=*/false);
    } else {
      out() << RenderEventLine(event);
    }
    out().flush();
  }

  absl::Status TailEvents() {
    ASSIGN_OR_RETURN(std::vector<canon::EventType> types, ParseEventTypes());
    if (tail_.live_only && !tail_.follow) {
      return UsageError("--live-only: needs --follow");
    }
    if (tail_.follow) return FollowEvents(types);

    int64_t position = 1;
    if (tail_.from_option->count() > 0) {
      position = tail_.from;
    } else if (!tail_.consumer.empty()) {
      hubv1::GetConsumerRequest request;
      request.set_consumer(tail_.consumer);
      absl::StatusOr<hubv1::GetConsumerResponse> consumer =
          Hub().GetConsumer(request);
      if (consumer.ok()) {
        position = consumer->consumer().acknowledged_position() + 1;
      } else if (!absl::IsNotFound(consumer.status())) {
        return consumer.status();
      }  // a consumer never seen has acknowledged nothing
    }
    std::vector<canon::BusinessEvent> events;
    while (true) {
      hubv1::ListEventsRequest request;
      request.set_from_position(position);
      for (canon::EventType type : types) request.add_types(type);
      ASSIGN_OR_RETURN(hubv1::ListEventsResponse page,
                       Hub().ListEvents(request));
      for (const canon::BusinessEvent& event : page.events()) {
        if (json_) {
          PrintEvent(event);
        } else {
          events.push_back(event);
        }
      }
      if (page.next_position() == 0) break;
      if (page.next_position() <= position) {
        return absl::InternalError(
            absl::StrCat("the hub's next position ", page.next_position(),
                         " does not advance past ", position, "; stopping"));
      }
      position = page.next_position();
    }
    if (!json_) {
      out() << (events.empty() ? std::string("no events\n")
                               : RenderEventTable(events));
    }
    return absl::OkStatus();
  }

  absl::Status FollowEvents(const std::vector<canon::EventType>& types) {
    hubv1::SubscribeRequest request;
    if (tail_.from_option->count() > 0) request.set_from_position(tail_.from);
    for (canon::EventType type : types) request.add_types(type);
    request.set_consumer(tail_.consumer);
    request.set_live_only(tail_.live_only);
    if (!json_) out() << RenderEventLineHeader() << std::flush;
    absl::Status status = Hub().Subscribe(
        request, [this](const hubv1::SubscribeResponse& response) {
          PrintEvent(response.event());
          return true;
        });
    // With --timeout, following for that long and stopping is the request.
    if (absl::IsDeadlineExceeded(status) && timeout_option_->count() > 0) {
      return absl::OkStatus();
    }
    return status;
  }

  absl::Status AckEvents() {
    hubv1::AcknowledgeEventsRequest request;
    request.set_consumer(ack_.consumer);
    request.set_position(ack_.position);
    ASSIGN_OR_RETURN(hubv1::AcknowledgeEventsResponse response,
                     Hub().AcknowledgeEvents(request));
    Print(response, RenderConsumer(response.consumer()));
    return absl::OkStatus();
  }

  absl::Status GetConsumer() {
    hubv1::GetConsumerRequest request;
    request.set_consumer(consumer_name_);
    ASSIGN_OR_RETURN(hubv1::GetConsumerResponse response,
                     Hub().GetConsumer(request));
    Print(response, RenderConsumer(response.consumer()));
    return absl::OkStatus();
  }

  const CliEnvironment& env_;
  std::string hub_;
  bool json_ = false;
  double timeout_seconds_ = 30;
  CLI::Option* timeout_option_ = nullptr;
  std::string principal_;
  std::unique_ptr<HubClient> client_;
  std::function<absl::Status()> action_;

  // The ingest pipeline's commands (hub/cli/pipeline_commands.h).
  PipelineCommands pipeline_commands_;
  CommandHooks Hooks() {
    CommandHooks hooks;
    hooks.hub = [this]() -> HubClient& { return Hub(); };
    hooks.print = [this](const Message& m, const std::string& human) {
      Print(m, human);
    };
    hooks.set_action = [this](std::function<absl::Status()> action) {
      action_ = std::move(action);
    };
    return hooks;
  }
  // Declared last: its callbacks refer to the members above.
  CLI::App app_;
};

}  // namespace

ExitCode ExitCodeForHubStatus(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  if (absl::IsUnavailable(status)) return kExitUnreachable;
  return kExitServerError;
}

int RunCli(const std::vector<std::string>& args, const CliEnvironment& env) {
  Cli cli(env);
  return cli.Run(args);
}

}  // namespace revhub::cli
