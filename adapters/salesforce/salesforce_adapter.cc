// Salesforce -> canonical mappings.
//
//   Account         -> Customer (CustomerChanged) Product2        -> Product
//   (ProductChanged) Opportunity     -> Contract from its OpportunityLineItems:
//   Closed Won is
//                      ACTIVE (ContractBooked), an open stage DRAFT
//                      (ContractChanged), Closed Lost is skipped
//   Order           -> a new version of the contract it belongs to (by
//                      ContractId and OpportunityId) with its OrderItems:
//                      Activated -> ContractAmended, Draft -> ContractChanged;
//                      reduction orders give downgrade lines
//   Contract        -> a new version of the contract (ContractAmended when
//                      Activated)
//   query_response  -> every record of a SOQL query result, each by its
//                      attributes.type
// A payload that is a JSON array holds several records of the one type.
// Salesforce ids go into ExternalRef(system, sObject type, Id); the account
// and products are linked by ExternalRef("Account"/"Product2", Id).
#include "adapters/salesforce/salesforce_adapter.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/sdk/http_client.h"
#include "adapters/sdk/mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter {
namespace {

using canonical::v1::Contract;
using canonical::v1::ContractLine;
using canonical::v1::Customer;
using canonical::v1::Product;
namespace cv1 = ::revhub::canonical::v1;

absl::StatusOr<std::string> Currency(const TranslateContext& ctx,
                                     const Field& r) {
  if (r["CurrencyIsoCode"].present()) return CurrencyAt(r["CurrencyIsoCode"]);
  return ctx.config.GetString("default_currency");
}

void PutIfString(const Field& r, const char* key,
                 google::protobuf::Map<std::string, std::string>* attributes) {
  if (r[key].present() && r[key].json().is_string()) {
    (*attributes)[key] = r[key].json().get<std::string>();
  }
}

// Sets source_updated_at from SystemModstamp (or LastModifiedDate) and,
// when `with_effective`, effective_at from CreatedDate; absent times stay
// unset.
template <typename Entity>
absl::Status SetTimes(const Field& r, Entity& entity, bool with_effective) {
  ASSIGN_OR_RETURN(std::optional<Timestamp> modstamp,
                   TextTimeAt(r["SystemModstamp"]));
  if (!modstamp) {
    ASSIGN_OR_RETURN(modstamp, TextTimeAt(r["LastModifiedDate"]));
  }
  if (modstamp) *entity.mutable_source_updated_at() = *modstamp;
  ASSIGN_OR_RETURN(std::optional<Timestamp> created,
                   TextTimeAt(r["CreatedDate"]));
  if (created && with_effective) *entity.mutable_effective_at() = *created;
  return absl::OkStatus();
}

absl::Status MapAccount(const TranslateContext& ctx, const Field& r,
                        TranslationBuilder& out) {
  Customer c;
  ASSIGN_OR_RETURN(std::string id, r["Id"].String());
  *c.add_external_refs() = ctx.Ref("Account", id);
  ASSIGN_OR_RETURN(std::string name, r["Name"].String());
  c.set_name(name);
  ASSIGN_OR_RETURN(std::optional<std::string> street,
                   r["BillingStreet"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> city,
                   r["BillingCity"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> state_code,
                   r["BillingStateCode"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> state,
                   r["BillingState"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> zip,
                   r["BillingPostalCode"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> country,
                   r["BillingCountryCode"].OptionalString());
  if (street || city || state || zip || country) {
    auto* a = c.mutable_billing_address();
    if (street) {
      for (absl::string_view line :
           absl::StrSplit(*street, '\n', absl::SkipEmpty())) {
        a->add_lines(std::string(line));
      }
    }
    a->set_city(city.value_or(""));
    a->set_region(state_code ? *state_code : state.value_or(""));
    a->set_postal_code(zip.value_or(""));
    a->set_country_code(country.value_or(""));
  }
  if (r["CurrencyIsoCode"].present()) {
    ASSIGN_OR_RETURN(std::string currency, CurrencyAt(r["CurrencyIsoCode"]));
    c.set_currency_code(currency);
  }
  ASSIGN_OR_RETURN(std::optional<bool> deleted, r["IsDeleted"].OptionalBool());
  c.set_status(deleted.value_or(false) ? cv1::CUSTOMER_STATUS_INACTIVE
                                       : cv1::CUSTOMER_STATUS_ACTIVE);
  RETURN_IF_ERROR(SetTimes(r, c, true));
  for (const char* key :
       {"AccountNumber", "Type", "Industry", "Phone", "Website", "ParentId"}) {
    PutIfString(r, key, c.mutable_attributes());
  }
  CanonicalEntity e;
  *e.mutable_customer() = std::move(c);
  int index = out.AddEntity(std::move(e));
  const auto& cust = out.result().entities(index).customer();
  out.AddEvent(
      cv1::EVENT_TYPE_CUSTOMER_CHANGED, index,
      cust.has_source_updated_at() ? &cust.source_updated_at() : nullptr);
  return absl::OkStatus();
}

absl::Status MapProduct2(const TranslateContext& ctx, const Field& r,
                         TranslationBuilder& out) {
  Product p;
  ASSIGN_OR_RETURN(std::string id, r["Id"].String());
  *p.add_external_refs() = ctx.Ref("Product2", id);
  ASSIGN_OR_RETURN(std::string name, r["Name"].String());
  p.set_name(name);
  ASSIGN_OR_RETURN(std::optional<std::string> code,
                   r["ProductCode"].OptionalString());
  p.set_sku(code.value_or(""));
  ASSIGN_OR_RETURN(std::optional<std::string> description,
                   r["Description"].OptionalString());
  p.set_description(description.value_or(""));
  ASSIGN_OR_RETURN(std::optional<bool> active, r["IsActive"].OptionalBool());
  p.set_active(active.value_or(true));
  PutIfString(r, "Family", p.mutable_attributes());
  PutIfString(r, "QuantityUnitOfMeasure", p.mutable_attributes());
  RETURN_IF_ERROR(SetTimes(r, p, true));
  CanonicalEntity e;
  *e.mutable_product() = std::move(p);
  int index = out.AddEntity(std::move(e));
  out.AddEvent(cv1::EVENT_TYPE_PRODUCT_CHANGED, index, nullptr);
  return absl::OkStatus();
}

// Maps the line items of an Opportunity (OpportunityLineItems) or an Order
// (OrderItems) onto contract lines, linking each line's product.
absl::Status MapLines(const TranslateContext& ctx, const Field& items,
                      absl::string_view item_type, absl::string_view currency,
                      bool reduction, int index, TranslationBuilder& out,
                      Contract& c) {
  if (!items.present()) return absl::OkStatus();
  RETURN_IF_ERROR(items.RequireObject());
  ASSIGN_OR_RETURN(std::vector<Field> records, items["records"].Elements());
  for (size_t i = 0; i < records.size(); ++i) {
    const Field& li = records[i];
    ContractLine* line = c.add_lines();
    ASSIGN_OR_RETURN(std::string id, li["Id"].String());
    line->set_line_id(id);
    *line->add_external_refs() = ctx.Ref(item_type, id);
    ASSIGN_OR_RETURN(std::optional<std::string> product,
                     li["Product2Id"].OptionalString());
    if (!product) {
      ASSIGN_OR_RETURN(product,
                       li["PricebookEntry"]["Product2Id"].OptionalString());
    }
    if (!product)
      return MappingError(
          li["Product2Id"].path(),
          "required field is missing (nor PricebookEntry.Product2Id)");
    out.Link(index, absl::StrCat("lines[", i, "].product_id"),
             cv1::ENTITY_TYPE_PRODUCT, ctx.Ref("Product2", *product));
    ASSIGN_OR_RETURN(Decimal quantity, li["Quantity"].Number());
    ASSIGN_OR_RETURN(Money unit, DecimalMoneyAt(li["UnitPrice"], currency));
    bool downgrade = reduction || quantity.units() < 0 || quantity.nanos() < 0;
    *line->mutable_quantity() = quantity;
    *line->mutable_unit_price() = unit;
    line->set_downgrade(downgrade);
    ASSIGN_OR_RETURN(std::optional<Decimal> discount,
                     li["Discount"].OptionalNumber());
    if (discount) *line->mutable_discount_percent() = *discount;
    ASSIGN_OR_RETURN(std::optional<std::string> description,
                     li["Description"].OptionalString());
    ASSIGN_OR_RETURN(std::optional<std::string> product_name,
                     li["PricebookEntry"]["Product2"]["Name"].OptionalString());
    if (!product_name) {
      ASSIGN_OR_RETURN(product_name, li["Name"].OptionalString());
    }
    line->set_description(description ? *description
                                      : product_name.value_or(""));
    ASSIGN_OR_RETURN(std::optional<Timestamp> start,
                     TextTimeAt(li["ServiceDate"]));
    ASSIGN_OR_RETURN(std::optional<Timestamp> end, TextTimeAt(li["EndDate"]));
    if (start && !end) {
      // ServiceDate is OpportunityLineItem's only standard date: the day the
      // service is delivered. Without an end date (a custom or CPQ field)
      // the line is that one day, [ServiceDate, ServiceDate + 1 day).
      end = *start;
      end->set_seconds(end->seconds() + 86400);
    }
    if (start) *line->mutable_service_period()->mutable_start_time() = *start;
    if (end) *line->mutable_service_period()->mutable_end_time() = *end;
  }
  return absl::OkStatus();
}

absl::Status MapOpportunity(const TranslateContext& ctx, const Field& r,
                            TranslationBuilder& out) {
  ASSIGN_OR_RETURN(std::string id, r["Id"].String());
  ASSIGN_OR_RETURN(std::string stage, r["StageName"].String());
  ASSIGN_OR_RETURN(std::optional<bool> is_won, r["IsWon"].OptionalBool());
  ASSIGN_OR_RETURN(std::optional<bool> is_closed, r["IsClosed"].OptionalBool());
  bool won = is_won.value_or(stage == "Closed Won");
  bool closed =
      is_closed.value_or(stage == "Closed Won" || stage == "Closed Lost");
  if (closed && !won) {
    out.Skip(absl::StrCat("Opportunity ", id, " is closed lost (", stage,
                          "): no contract"));
    return absl::OkStatus();
  }
  Contract c;
  *c.add_external_refs() = ctx.Ref("Opportunity", id);
  ASSIGN_OR_RETURN(std::string account, r["AccountId"].String());
  ASSIGN_OR_RETURN(std::string currency, Currency(ctx, r));
  c.set_currency_code(currency);
  c.set_status(won ? cv1::CONTRACT_STATUS_ACTIVE : cv1::CONTRACT_STATUS_DRAFT);
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("Account", account));
  RETURN_IF_ERROR(MapLines(ctx, r["OpportunityLineItems"],
                           "OpportunityLineItem", currency, false, index, out,
                           c));
  ASSIGN_OR_RETURN(std::optional<Timestamp> close, TextTimeAt(r["CloseDate"]));
  if (close) {
    *c.mutable_effective_at() = *close;
    if (won) *c.mutable_signed_at() = *close;
  }
  RETURN_IF_ERROR(SetTimes(r, c, false));
  ASSIGN_OR_RETURN(std::optional<Decimal> amount, r["Amount"].OptionalNumber());
  if (amount) (*c.mutable_attributes())["Amount"] = FormatDecimal(*amount);
  (*c.mutable_attributes())["StageName"] = stage;
  PutIfString(r, "Name", c.mutable_attributes());
  PutIfString(r, "Type", c.mutable_attributes());
  *out.result().mutable_entities(index)->mutable_contract() = std::move(c);
  out.AddEvent(
      won ? cv1::EVENT_TYPE_CONTRACT_BOOKED : cv1::EVENT_TYPE_CONTRACT_CHANGED,
      index, close ? &*close : nullptr);
  return absl::OkStatus();
}

absl::Status MapOrder(const TranslateContext& ctx, const Field& r,
                      TranslationBuilder& out) {
  Contract c;
  ASSIGN_OR_RETURN(std::string id, r["Id"].String());
  ASSIGN_OR_RETURN(std::optional<std::string> contract_id,
                   r["ContractId"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> opportunity_id,
                   r["OpportunityId"].OptionalString());
  if (contract_id) *c.add_external_refs() = ctx.Ref("Contract", *contract_id);
  if (opportunity_id)
    *c.add_external_refs() = ctx.Ref("Opportunity", *opportunity_id);
  *c.add_external_refs() = ctx.Ref("Order", id);
  ASSIGN_OR_RETURN(std::string account, r["AccountId"].String());
  ASSIGN_OR_RETURN(std::string currency, Currency(ctx, r));
  c.set_currency_code(currency);
  ASSIGN_OR_RETURN(std::string status, r["Status"].String());
  ASSIGN_OR_RETURN(std::optional<std::string> status_code,
                   r["StatusCode"].OptionalString());
  bool activated =
      status == "Activated" || status_code.value_or("") == "Activated";
  c.set_status(activated ? cv1::CONTRACT_STATUS_ACTIVE
                         : cv1::CONTRACT_STATUS_DRAFT);
  ASSIGN_OR_RETURN(std::optional<bool> reduction,
                   r["IsReductionOrder"].OptionalBool());
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("Account", account));
  RETURN_IF_ERROR(MapLines(ctx, r["OrderItems"], "OrderItem", currency,
                           reduction.value_or(false), index, out, c));
  ASSIGN_OR_RETURN(std::optional<Timestamp> start,
                   TextTimeAt(r["EffectiveDate"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> end, TextTimeAt(r["EndDate"]));
  if (start) {
    *c.mutable_effective_at() = *start;
    *c.mutable_term()->mutable_start_time() = *start;
  }
  if (end) *c.mutable_term()->mutable_end_time() = *end;
  ASSIGN_OR_RETURN(std::optional<Timestamp> activated_at,
                   TextTimeAt(r["ActivatedDate"]));
  if (activated_at) *c.mutable_signed_at() = *activated_at;
  RETURN_IF_ERROR(SetTimes(r, c, false));
  ASSIGN_OR_RETURN(std::optional<std::string> number,
                   r["OrderNumber"].OptionalString());
  c.set_change_reason(
      absl::StrCat(reduction.value_or(false) ? "reduction order " : "order ",
                   number.value_or(id)));
  ASSIGN_OR_RETURN(std::optional<Decimal> total,
                   r["TotalAmount"].OptionalNumber());
  if (total) (*c.mutable_attributes())["TotalAmount"] = FormatDecimal(*total);
  (*c.mutable_attributes())["OrderStatus"] = status;
  *out.result().mutable_entities(index)->mutable_contract() = std::move(c);
  out.AddEvent(activated ? cv1::EVENT_TYPE_CONTRACT_AMENDED
                         : cv1::EVENT_TYPE_CONTRACT_CHANGED,
               index,
               activated_at ? &*activated_at : (start ? &*start : nullptr));
  return absl::OkStatus();
}

absl::Status MapContract(const TranslateContext& ctx, const Field& r,
                         TranslationBuilder& out) {
  Contract c;
  ASSIGN_OR_RETURN(std::string id, r["Id"].String());
  *c.add_external_refs() = ctx.Ref("Contract", id);
  ASSIGN_OR_RETURN(std::string account, r["AccountId"].String());
  ASSIGN_OR_RETURN(std::string currency, Currency(ctx, r));
  c.set_currency_code(currency);
  ASSIGN_OR_RETURN(std::string status, r["Status"].String());
  ASSIGN_OR_RETURN(std::optional<std::string> status_code,
                   r["StatusCode"].OptionalString());
  std::string code = status_code.value_or(status);
  c.set_status(code == "Activated"    ? cv1::CONTRACT_STATUS_ACTIVE
               : code == "Expired"    ? cv1::CONTRACT_STATUS_EXPIRED
               : code == "Terminated" ? cv1::CONTRACT_STATUS_CANCELLED
                                      : cv1::CONTRACT_STATUS_DRAFT);
  ASSIGN_OR_RETURN(std::optional<std::string> number,
                   r["ContractNumber"].OptionalString());
  c.set_contract_number(number.value_or(""));
  ASSIGN_OR_RETURN(std::optional<Timestamp> start, TextTimeAt(r["StartDate"]));
  ASSIGN_OR_RETURN(std::optional<Timestamp> end, TextTimeAt(r["EndDate"]));
  if (start) {
    *c.mutable_term()->mutable_start_time() = *start;
    *c.mutable_effective_at() = *start;
  }
  if (end) *c.mutable_term()->mutable_end_time() = *end;
  ASSIGN_OR_RETURN(std::optional<Timestamp> activated_at,
                   TextTimeAt(r["ActivatedDate"]));
  if (activated_at) *c.mutable_signed_at() = *activated_at;
  RETURN_IF_ERROR(SetTimes(r, c, false));
  (*c.mutable_attributes())["Status"] = status;
  ASSIGN_OR_RETURN(std::vector<Field> orders,
                   r["Orders"]["records"].Elements());
  for (size_t i = 0; i < orders.size(); ++i) {
    ASSIGN_OR_RETURN(std::string order_id, orders[i]["Id"].String());
    (*c.mutable_attributes())[absl::StrCat("Orders[", i, "]")] = order_id;
  }
  c.set_change_reason(
      absl::StrCat("contract ", number.value_or(id), " ", status));
  int index = out.AddEntity(CanonicalEntity());
  out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
           ctx.Ref("Account", account));
  bool active = c.status() == cv1::CONTRACT_STATUS_ACTIVE;
  *out.result().mutable_entities(index)->mutable_contract() = std::move(c);
  out.AddEvent(active ? cv1::EVENT_TYPE_CONTRACT_AMENDED
                      : cv1::EVENT_TYPE_CONTRACT_CHANGED,
               index, activated_at ? &*activated_at : nullptr);
  return absl::OkStatus();
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
  if (type == "Account") return MapAccount(ctx, r, out);
  if (type == "Product2") return MapProduct2(ctx, r, out);
  if (type == "Opportunity") return MapOpportunity(ctx, r, out);
  if (type == "Order") return MapOrder(ctx, r, out);
  if (type == "Contract") return MapContract(ctx, r, out);
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
    add("Contract", "Contract -> new Contract version",
        cv1::ENTITY_TYPE_CONTRACT);
    InboundObjectType query;
    query.set_object_type("query_response");
    query.set_description(
        "SOQL query result; every record by its attributes.type");
    for (EntityType e : {cv1::ENTITY_TYPE_CUSTOMER, cv1::ENTITY_TYPE_PRODUCT,
                         cv1::ENTITY_TYPE_CONTRACT}) {
      query.add_produces(e);
    }
    info.inbound.push_back(query);
    info.config_fields = {
        {"default_currency", ConfigType::kCurrency, true, false,
         "The org's currency, for records without CurrencyIsoCode", ""},
        {"instance_url", ConfigType::kUrl, false, false,
         "https://<my-domain>.my.salesforce.com, used by Check", ""},
        {"access_token", ConfigType::kString, false, true,
         "OAuth 2.0 access token, used by Check", ""},
        {"api_version", ConfigType::kString, false, false, "REST API version",
         "\"v59.0\""},
        {"request_timeout_ms", ConfigType::kInteger, false, false,
         "Timeout of one HTTP request", "10000"},
    };
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
      return absl::OkStatus();
    }
    if (doc.is_array()) {
      ASSIGN_OR_RETURN(std::vector<Field> records, root.Elements());
      for (const Field& r : records)
        RETURN_IF_ERROR(MapRecord(ctx, type, r, out));
      return absl::OkStatus();
    }
    return MapRecord(ctx, type, root, out);
  }

  absl::Status Check(const CheckContext& ctx) override {
    if (!ctx.config.Has("instance_url")) {
      return MappingError("config.instance_url",
                          "required to reach Salesforce");
    }
    if (!ctx.config.Has("access_token")) {
      return MappingError("config.access_token",
                          "required to reach Salesforce");
    }
    HttpRequest req;
    req.url =
        absl::StrCat(ctx.config.GetString("instance_url"), "/services/data/",
                     ctx.config.GetString("api_version"), "/limits");
    req.headers.emplace_back("Authorization",
                             "Bearer " + ctx.config.GetString("access_token"));
    req.timeout =
        std::chrono::milliseconds(ctx.config.GetInt("request_timeout_ms"));
    ASSIGN_OR_RETURN(HttpResponse resp, SendHttp(req));
    return CredentialCheckStatus(resp.status, "Salesforce", "the access token",
                                 "the user may not call the REST API");
  }
};

}  // namespace

std::unique_ptr<Adapter> NewSalesforceAdapter() {
  return std::make_unique<SalesforceAdapter>();
}

}  // namespace revhub::adapter
