// SalesforceAdapter: describes the Salesforce adapter, checks its
// credentials, dispatches each record to its sObject type's mapping
// through kRecordMappings (the mappings are listed in salesforce_mapping.h),
// and reads by SOQL (salesforce_read.h).
#include "adapters/salesforce/salesforce_adapter.h"

#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/salesforce/salesforce_mapping.h"
#include "adapters/salesforce/salesforce_read.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/mapping.h"
#include "canonical/status_macros.h"

namespace revhub::adapter {
namespace {

namespace cv1 = ::revhub::canonical::v1;

// The sObject types translated, with their mapping.
struct RecordMapping {
  const char* type;
  absl::Status (*map)(const TranslateContext& ctx, const Field& r,
                      TranslationBuilder& out);
};
constexpr RecordMapping kRecordMappings[] = {
    {"Account", &salesforce::MapAccount},
    {"Product2", &salesforce::MapProduct2},
    {"Opportunity", &salesforce::MapOpportunity},
    {"Order", &salesforce::MapOrder},
    {"Contract", &salesforce::MapContract},
    {"OpportunityLineItem", &salesforce::MapOpportunityLineItem},
    {"OrderItem", &salesforce::MapOrderItem},
};

// Returns the config field `f` limited to `allowed`.
ConfigField Limited(ConfigField f, std::vector<std::string> allowed) {
  f.allowed_values = std::move(allowed);
  return f;
}

// After several records, a skipped one (a closed-lost opportunity) must not
// make the whole payload SKIPPED when others were translated.
void KeepTranslated(TranslationBuilder& out) {
  if (out.result().entities_size() > 0 &&
      out.result().outcome() == adapter::v1::TRANSLATION_OUTCOME_SKIPPED) {
    out.result().set_outcome(adapter::v1::TRANSLATION_OUTCOME_UNSPECIFIED);
    out.result().clear_skip_reason();
  }
}

absl::Status MapRecord(const TranslateContext& ctx, absl::string_view type,
                       const Field& r, TranslationBuilder& out) {
  RETURN_IF_ERROR(r.RequireObject());
  ASSIGN_OR_RETURN(std::optional<std::string> declared,
                   r["attributes"]["type"].OptionalString());
  if (declared && *declared != type) {
    return MappingError(
        r["attributes"]["type"].path(),
        absl::StrCat("expected \"", type, "\", got \"", *declared, "\""));
  }
  for (const RecordMapping& m : kRecordMappings) {
    if (type == m.type) return m.map(ctx, r, out);
  }
  return MappingError(
      r["attributes"]["type"].path(),
      absl::StrCat("sObject type \"", type, "\" is not translated"));
}

class SalesforceAdapter final : public Adapter {
 public:
  // Adapter
  AdapterInfo Info() const override {
    AdapterInfo info;
    info.name = "salesforce";
    info.vendor = "Salesforce Sales Cloud";
    info.version = "1.0.0";
    auto add = [&info](const char* type, const char* description,
                       EntityType produces) {
      InboundObjectType t;
      t.set_object_type(type);
      t.set_description(description);
      t.add_produces(produces);
      info.inbound.push_back(t);
    };
    add("Account", "Account -> Customer", cv1::ENTITY_TYPE_CUSTOMER);
    add("Product2", "Product2 -> Product", cv1::ENTITY_TYPE_PRODUCT);
    add("Opportunity",
        "Opportunity with OpportunityLineItems -> Contract (Closed Won: "
        "booked)",
        cv1::ENTITY_TYPE_CONTRACT);
    add("Order", "Order with OrderItems -> new Contract version (amendment)",
        cv1::ENTITY_TYPE_CONTRACT);
    add("Contract",
        "Contract (StartDate, ContractTerm/EndDate, Status) with the "
        "OrderItems of its Orders -> new Contract version",
        cv1::ENTITY_TYPE_CONTRACT);
    for (const char* item : {"OpportunityLineItem", "OrderItem"}) {
      InboundObjectType t;
      t.set_object_type(item);
      t.set_description(absl::StrCat(
          item,
          " alone: checked, then skipped (a line is booked with its "
          "Opportunity or Order)"));
      info.inbound.push_back(t);
    }
    InboundObjectType query;
    query.set_object_type("query_response");
    query.set_description(
        "SOQL query result (/query, /queryAll); every record by its "
        "attributes.type");
    for (EntityType e : {cv1::ENTITY_TYPE_CUSTOMER, cv1::ENTITY_TYPE_PRODUCT,
                         cv1::ENTITY_TYPE_CONTRACT}) {
      query.add_produces(e);
    }
    info.inbound.push_back(query);
    info.config_fields = {
        {"default_currency", ConfigType::kCurrency, true, false,
         "The org's currency, for records without CurrencyIsoCode", ""},
        {"instance_url", ConfigType::kUrl, false, false,
         "https://<my-domain>.my.salesforce.com, with auth_flow "
         "access_token (the OAuth flows take the one the token endpoint "
         "answers)",
         ""},
        {"access_token", ConfigType::kString, false, true,
         "OAuth 2.0 access token, with auth_flow access_token", ""},
        {"api_version", ConfigType::kString, false, false, "REST API version",
         "\"v59.0\""},
        {"request_timeout_ms", ConfigType::kInteger, false, false,
         "Timeout of one HTTP request", "10000"},
        Limited({"revenue_rule_by_product_code", ConfigType::kStringMap, false,
                 false,
                 "Product2.ProductCode -> revenue rule (RATABLE, "
                 "POINT_IN_TIME, USAGE, MILESTONE); checked before "
                 "revenue_rule_by_family",
                 ""},
                salesforce::RevenueRuleNames()),
        Limited({"revenue_rule_by_family", ConfigType::kStringMap, false, false,
                 "Product2.Family -> revenue rule (RATABLE, POINT_IN_TIME, "
                 "USAGE, MILESTONE)",
                 ""},
                salesforce::RevenueRuleNames()),
        Limited({"default_revenue_rule", ConfigType::kString, false, false,
                 "Revenue rule of a product that no ProductCode or Family "
                 "above matches; NONE leaves it without one",
                 "\"RATABLE\""},
                [] {
                  auto names = salesforce::RevenueRuleNames();
                  names.push_back("NONE");
                  return names;
                }()),
        {"opportunity_start_date_field", ConfigType::kString, false, false,
         "Opportunity date field where the contract term starts "
         "(e.g. Contract_Start_Date__c); else CloseDate when a term end or "
         "length is configured",
         ""},
        {"opportunity_end_date_field", ConfigType::kString, false, false,
         "Opportunity date field where the contract term ends "
         "(e.g. Contract_End_Date__c)",
         ""},
        {"opportunity_term_months_field", ConfigType::kString, false, false,
         "Opportunity number field with the term in months "
         "(e.g. Term_Months__c), when no end date field is set",
         ""},
        {"line_end_date_field", ConfigType::kString, false, false,
         "OpportunityLineItem date field where a line's service ends (the "
         "standard object has only ServiceDate; e.g. End_Date__c)",
         "\"EndDate\""},
        {"end_date_inclusive", ConfigType::kBoolean, false, false,
         "Order and line end dates name the last day of service (CPQ "
         "style): the service ends the day after",
         "false"},
        {"evergreen_field", ConfigType::kString, false, false,
         "Checkbox on Contract or Opportunity marking an evergreen contract "
         "(no end)",
         "\"SBQQ__Evergreen__c\""},
        {"auto_renew_field", ConfigType::kString, false, false,
         "Checkbox on Contract or Opportunity marking a contract that renews "
         "by itself (e.g. Auto_Renew__c)",
         ""},
        {"renewal_term_field", ConfigType::kString, false, false,
         "Number field with the months of each automatic renewal; else the "
         "length of the term",
         "\"SBQQ__RenewalTerm__c\""},
    };
    for (auto* more :
         {&salesforce::SessionConfigFields, &salesforce::ReadConfigFields}) {
      for (ConfigField& f : (*more)()) info.config_fields.push_back(f);
    }
    info.readable = salesforce::ReadableTypes();
    info.rate_limits = salesforce::RateLimits();
    return info;
  }

  absl::Status Translate(const TranslateContext& ctx,
                         TranslationBuilder& out) override {
    ASSIGN_OR_RETURN(Json doc, ParseExactJson(ctx.record.payload()));
    Field root(doc);
    const std::string& type = ctx.record.object_type();
    if (type == "query_response") {
      RETURN_IF_ERROR(root.RequireObject());
      ASSIGN_OR_RETURN(std::vector<Field> records, root["records"].Elements());
      if (!root["records"].present())
        return MappingError("records", "required field is missing");
      for (const Field& r : records) {
        ASSIGN_OR_RETURN(std::string rtype, r["attributes"]["type"].String());
        RETURN_IF_ERROR(MapRecord(ctx, rtype, r, out));
      }
      if (records.empty()) out.Skip("the query returned no records");
      KeepTranslated(out);
      return absl::OkStatus();
    }
    if (doc.is_array()) {
      ASSIGN_OR_RETURN(std::vector<Field> records, root.Elements());
      for (const Field& r : records)
        RETURN_IF_ERROR(MapRecord(ctx, type, r, out));
      KeepTranslated(out);
      return absl::OkStatus();
    }
    return MapRecord(ctx, type, root, out);
  }

  absl::Status Check(const CheckContext& ctx) override {
    ASSIGN_OR_RETURN(salesforce::Session session,
                     salesforce::GetSession(ctx.system, ctx.config));
    HttpResponse resp;
    for (int attempt = 0; attempt < 2; ++attempt) {
      HttpRequest req;
      req.url = absl::StrCat(session.instance_url, "/services/data/",
                             ctx.config.GetString("api_version"), "/limits");
      req.headers.emplace_back("Authorization",
                               "Bearer " + session.access_token);
      req.timeout =
          std::chrono::milliseconds(ctx.config.GetInt("request_timeout_ms"));
      ASSIGN_OR_RETURN(resp, SendHttp(req));
      if (resp.status != 401 || !session.refreshable || attempt > 0) break;
      // An expired token: one new one, the same way Read does.
      ASSIGN_OR_RETURN(session, salesforce::GetSession(ctx.system, ctx.config,
                                                       session.access_token));
    }
    return CredentialCheckStatus(
        resp.status, "Salesforce",
        absl::StrCat("the session (",
                     salesforce::RefusedCredentialField(ctx.config), ")"),
        "the user may not call the REST API");
  }

  ReadResponse Read(const ReadContext& ctx) override {
    return salesforce::ReadObjects(ctx);
  }
};

}  // namespace

std::unique_ptr<Adapter> NewSalesforceAdapter() {
  return std::make_unique<SalesforceAdapter>();
}

}  // namespace revhub::adapter
