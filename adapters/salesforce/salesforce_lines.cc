// Salesforce OpportunityLineItem and OrderItem -> canonical contract lines
// (salesforce_mapping.h): product, quantity, price, revenue rule, and when
// the line is delivered.
//
// When a line is delivered, in this order:
//  * its rule is POINT_IN_TIME: delivered_at its ServiceDate, else the
//    term's start, else the opportunity's CloseDate;
//  * it has a start (its ServiceDate, else the term's start) and an end (its
//    end date field, else the term's end): that service period;
//  * it starts and the contract is open-ended: a period without an end;
//  * it has only a ServiceDate: a one-off line delivered that day (on an
//    OpportunityLineItem, ServiceDate is the day the product is delivered);
//  * otherwise no date: recognised as it is invoiced.
#include "absl/strings/str_cat.h"
#include "adapters/salesforce/salesforce_mapping.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"

namespace revhub::adapter::salesforce {

namespace cv1 = ::revhub::canonical::v1;
using canonical::v1::Contract;
using canonical::v1::ContractLine;

namespace {

// Sets when `line` is delivered (see the top of this file) and the sources
// of what was set, under `at` ("lines[2]").
absl::Status SetDelivery(const TranslateContext& ctx, const Field& li,
                         const LineSet& set, cv1::RevenueRule rule,
                         const std::string& at, ContractLine* line,
                         CanonicalEntity* entity) {
  const Term empty{};
  const Term& term = set.term != nullptr ? *set.term : empty;
  const Field service_date = li["ServiceDate"];
  ASSIGN_OR_RETURN(std::optional<Timestamp> date, TextTimeAt(service_date));
  const std::string end_name =
      std::string(set.item_type) == "OrderItem"
          ? std::string("EndDate")
          : ctx.config.GetString("line_end_date_field");
  std::optional<Timestamp> end;
  if (!end_name.empty()) {
    ASSIGN_OR_RETURN(end, EndDateAt(ctx.config, li[end_name]));
  }
  auto deliver = [&](const Timestamp& when, const std::string& path) {
    *line->mutable_delivered_at() = when;
    AddSource(entity, absl::StrCat(at, ".delivered_at"), path);
  };
  if (rule == cv1::REVENUE_RULE_POINT_IN_TIME) {
    if (date) {
      deliver(*date, service_date.path());
    } else if (term.start) {
      deliver(*term.start, term.start_path);
    } else if (set.delivered_by_default) {
      deliver(*set.delivered_by_default, set.delivered_by_default_path);
    }
    return absl::OkStatus();
  }
  const std::optional<Timestamp> start = date ? date : term.start;
  const std::string start_path = date ? service_date.path() : term.start_path;
  const std::optional<Timestamp> stop = end ? end : term.end;
  const std::string stop_path = end ? li[end_name].path() : term.end_path;
  if (start && stop) {
    if (stop->seconds() <= start->seconds()) {
      return MappingError(
          stop_path, absl::StrCat("the line's service must end after it "
                                  "starts (",
                                  FormatDate(*start), " at ", start_path, ")"));
    }
    *line->mutable_service_period()->mutable_start_time() = *start;
    *line->mutable_service_period()->mutable_end_time() = *stop;
    AddSource(entity, absl::StrCat(at, ".service_period"), start_path);
    AddSource(entity, absl::StrCat(at, ".service_period.end_time"), stop_path);
  } else if (start && term.open_ended()) {
    *line->mutable_service_period()->mutable_start_time() = *start;
    AddSource(entity, absl::StrCat(at, ".service_period"), start_path);
  } else if (date) {
    deliver(*date, service_date.path());
  }
  return absl::OkStatus();
}

// Maps one line item `li` onto `line`; `at` is its canonical path.
absl::Status MapLine(const TranslateContext& ctx, const Field& li,
                     const LineSet& set, const std::string& at,
                     ContractLine* line, CanonicalEntity* entity,
                     std::string* product) {
  ASSIGN_OR_RETURN(std::string id, li["Id"].String());
  line->set_line_id(id);
  *line->add_external_refs() = ctx.Ref(set.item_type, id);
  AddSource(entity, at, li.path());
  ASSIGN_OR_RETURN(std::optional<std::string> product_id,
                   li["Product2Id"].OptionalString());
  Field product_field = li["Product2Id"];
  if (!product_id) {
    product_field = li["PricebookEntry"]["Product2Id"];
    ASSIGN_OR_RETURN(product_id, product_field.OptionalString());
  }
  if (!product_id)
    return MappingError(
        li["Product2Id"].path(),
        "required field is missing (nor PricebookEntry.Product2Id)");
  *product = *product_id;
  AddSource(entity, absl::StrCat(at, ".product_id"), product_field.path());

  ASSIGN_OR_RETURN(Decimal quantity, li["Quantity"].Number());
  const bool negative = quantity.units() < 0 || quantity.nanos() < 0;
  if (negative && !set.reduction) {
    return MappingError(
        li["Quantity"].path(),
        absl::StrCat(
            "must not be negative (got ", FormatDecimal(quantity), "): ",
            std::string(set.item_type) == "OrderItem"
                ? "only a reduction order (IsReductionOrder) takes quantities "
                  "back"
                : "an opportunity books what is sold; take quantities back "
                  "with a reduction order (IsReductionOrder) on the contract"));
  }
  *line->mutable_quantity() = quantity;
  AddSource(entity, absl::StrCat(at, ".quantity"), li["Quantity"].path());
  line->set_downgrade(set.reduction);
  ASSIGN_OR_RETURN(*line->mutable_unit_price(),
                   DecimalMoneyAt(li["UnitPrice"], set.currency));
  AddSource(entity, absl::StrCat(at, ".unit_price"), li["UnitPrice"].path());
  ASSIGN_OR_RETURN(std::optional<Decimal> discount,
                   li["Discount"].OptionalNumber());
  if (discount) {
    *line->mutable_discount_percent() = *discount;
    AddSource(entity, absl::StrCat(at, ".discount_percent"),
              li["Discount"].path());
  }
  ASSIGN_OR_RETURN(std::optional<std::string> description,
                   li["Description"].OptionalString());
  ASSIGN_OR_RETURN(std::optional<std::string> product_name,
                   li["PricebookEntry"]["Product2"]["Name"].OptionalString());
  if (!product_name) {
    ASSIGN_OR_RETURN(product_name, li["Product2"]["Name"].OptionalString());
  }
  if (!product_name) {
    ASSIGN_OR_RETURN(product_name, li["Name"].OptionalString());
  }
  line->set_description(description ? *description : product_name.value_or(""));
  const RuleChoice rule = LineRule(ctx.config, li);
  if (rule.rule != cv1::REVENUE_RULE_UNSPECIFIED) {
    line->set_revenue_rule(rule.rule);
    AddSource(entity, absl::StrCat(at, ".revenue_rule"), rule.vendor_path);
  }
  return SetDelivery(ctx, li, set, rule.rule, at, line, entity);
}

// Checks a line item read on its own (an OpportunityLineItem of
// `parent_type` "Opportunity", an OrderItem of "Order") and skips it.
absl::Status SkipLineItem(const TranslateContext& ctx, const Field& r,
                          const char* item_type, const char* parent_type,
                          TranslationBuilder& out) {
  LineSet set;
  set.item_type = item_type;
  ASSIGN_OR_RETURN(set.currency, Currency(ctx, r));
  // Alone, an OrderItem does not say whether its order is a reduction.
  set.reduction = std::string(item_type) == "OrderItem";
  ContractLine line;
  CanonicalEntity scratch;
  std::string product;
  RETURN_IF_ERROR(MapLine(ctx, r, set, "line", &line, &scratch, &product));
  const Field parent = r[absl::StrCat(parent_type, "Id")];
  ASSIGN_OR_RETURN(std::optional<std::string> owner, parent.OptionalString());
  out.Skip(absl::StrCat(
      item_type, " ", line.line_id(),
      owner ? absl::StrCat(" of ", parent_type, " ", *owner) : std::string(),
      " is booked when its ", parent_type,
      " is translated with its line items"));
  return absl::OkStatus();
}

}  // namespace

absl::Status MapLines(const TranslateContext& ctx, const Field& items,
                      const LineSet& set, int index, TranslationBuilder& out,
                      Contract& c) {
  if (!items.present()) return absl::OkStatus();
  RETURN_IF_ERROR(items.RequireObject());
  ASSIGN_OR_RETURN(std::vector<Field> records, items["records"].Elements());
  for (const Field& li : records) {
    const int i = c.lines_size();
    const std::string at = absl::StrCat("lines[", i, "]");
    std::string product;
    RETURN_IF_ERROR(MapLine(ctx, li, set, at, c.add_lines(),
                            out.result().mutable_entities(index), &product));
    out.Link(index, absl::StrCat(at, ".product_id"), cv1::ENTITY_TYPE_PRODUCT,
             ctx.Ref("Product2", product));
  }
  return absl::OkStatus();
}

absl::Status MapOpportunityLineItem(const TranslateContext& ctx, const Field& r,
                                    TranslationBuilder& out) {
  return SkipLineItem(ctx, r, "OpportunityLineItem", "Opportunity", out);
}

absl::Status MapOrderItem(const TranslateContext& ctx, const Field& r,
                          TranslationBuilder& out) {
  return SkipLineItem(ctx, r, "OrderItem", "Order", out);
}

}  // namespace revhub::adapter::salesforce
