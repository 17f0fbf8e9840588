#include "hub/cli/format.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cctype>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "canonical/money.h"

namespace revhub::cli {
namespace {

using canonical::v1::BusinessEvent;
using canonical::v1::Contract;
using canonical::v1::Customer;
using canonical::v1::Decimal;
using canonical::v1::ExternalRef;
using canonical::v1::Invoice;
using canonical::v1::Money;
using canonical::v1::Payment;
using canonical::v1::Product;
using canonical::v1::ServicePeriod;
using Fields = std::vector<std::pair<std::string, std::string>>;

// Returns the prefix every value name of the enum starts with
// ("SYSTEM_KIND_"), taken from its UNSPECIFIED value.
std::string EnumPrefix(const google::protobuf::EnumDescriptor* type) {
  const google::protobuf::EnumValueDescriptor* zero =
      type->FindValueByNumber(0);
  if (zero == nullptr) return "";
  absl::string_view name = zero->name();
  if (!absl::ConsumeSuffix(&name, "UNSPECIFIED")) return "";
  return std::string(name);
}

std::string OrDash(absl::string_view text) {
  return text.empty() ? "-" : std::string(text);
}

bool IsSet(const google::protobuf::Timestamp& time) {
  return time.seconds() != 0 || time.nanos() != 0;
}

std::string FormatPeriod(const ServicePeriod& period) {
  if (!IsSet(period.start_time()) && !IsSet(period.end_time())) return "-";
  return absl::StrCat(FormatTimestamp(period.start_time()), " .. ",
                      FormatTimestamp(period.end_time()));
}

std::string FormatDecimalOrDash(const Decimal& value) {
  if (value.units() == 0 && value.nanos() == 0) return "0";
  return FormatDecimal(value);
}

std::string JoinRefs(
    const google::protobuf::RepeatedPtrField<ExternalRef>& refs) {
  std::vector<std::string> parts;
  parts.reserve(refs.size());
  for (const ExternalRef& ref : refs) parts.push_back(FormatExternalRef(ref));
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

std::string JoinAttributes(
    const google::protobuf::Map<std::string, std::string>& attributes) {
  // Map iteration order is unspecified: sort for stable output.
  std::vector<std::string> parts;
  parts.reserve(attributes.size());
  for (const auto& [key, value] : attributes) {
    parts.push_back(absl::StrCat(key, "=", value));
  }
  std::sort(parts.begin(), parts.end());
  return absl::StrJoin(parts, ", ");
}

// The fields every canonical entity carries, in the order they are shown.
template <typename Entity>
void AddEntityHeader(Fields& fields, const Entity& entity) {
  fields.emplace_back("id", OrDash(entity.id()));
  fields.emplace_back("version", absl::StrCat(entity.version()));
  if (!entity.legal_entity().empty()) {
    fields.emplace_back("legal entity", entity.legal_entity());
  }
}

template <typename Entity>
void AddEntityFooter(Fields& fields, const Entity& entity) {
  fields.emplace_back("external refs", JoinRefs(entity.external_refs()));
  if (!entity.attributes().empty()) {
    fields.emplace_back("attributes", JoinAttributes(entity.attributes()));
  }
  fields.emplace_back("effective at", FormatTimestamp(entity.effective_at()));
  fields.emplace_back("source updated at",
                      FormatTimestamp(entity.source_updated_at()));
  fields.emplace_back("recorded at", FormatTimestamp(entity.recorded_at()));
}

std::string Indent(const std::string& block) {
  std::string out;
  size_t start = 0;
  while (start < block.size()) {
    size_t end = block.find('\n', start);
    if (end == std::string::npos) end = block.size();
    absl::StrAppend(&out, "  ", block.substr(start, end - start), "\n");
    start = end + 1;
  }
  return out;
}

std::string FormatAdapter(const hubv1::AdapterSpec& adapter) {
  switch (adapter.target_case()) {
    case hubv1::AdapterSpec::kLaunch: {
      std::vector<std::string> words = {adapter.launch().command()};
      for (const std::string& arg : adapter.launch().args()) {
        words.push_back(arg);
      }
      return absl::StrJoin(words, " ");
    }
    case hubv1::AdapterSpec::kEndpoint:
      return absl::StrCat("endpoint ", adapter.endpoint());
    case hubv1::AdapterSpec::TARGET_NOT_SET:
      break;
  }
  return "-";
}

std::string FormatAuthoritative(const hubv1::System& system) {
  std::vector<std::string> names;
  for (int type : system.authoritative_for()) {
    names.push_back(
        EnumShortName(canonical::v1::EntityType_descriptor(), type));
  }
  return names.empty() ? "-" : absl::StrJoin(names, ",");
}

}  // namespace

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), align_(headers_.size(), Align::kLeft) {}

void Table::AlignRight(size_t column) { align_.at(column) = Align::kRight; }

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++width;  // not a UTF-8 continuation byte
  }
  return width;
}

std::string Table::Render() const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) {
    widths[i] = DisplayWidth(headers_[i]);
    for (const auto& row : rows_) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  auto render_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      size_t pad = widths[i] - DisplayWidth(cells[i]);
      bool last = i + 1 == cells.size();
      if (i > 0) line += "  ";
      if (align_[i] == Align::kRight) {
        line.append(pad, ' ');
        line += cells[i];
      } else {
        line += cells[i];
        if (!last) line.append(pad, ' ');
      }
    }
    // A right-aligned or empty last cell may leave trailing blanks.
    while (!line.empty() && line.back() == ' ') line.pop_back();
    line += '\n';
    return line;
  };
  std::string out = render_row(headers_);
  for (const auto& row : rows_) out += render_row(row);
  return out;
}

std::string RenderFields(const Fields& fields) {
  size_t width = 0;
  for (const auto& [label, value] : fields) {
    width = std::max(width, DisplayWidth(label));
  }
  std::string out;
  for (const auto& [label, value] : fields) {
    absl::StrAppend(&out, label, ":",
                    std::string(width - DisplayWidth(label) + 1, ' '), value,
                    "\n");
  }
  return out;
}

std::string FormatTimestamp(const google::protobuf::Timestamp& time) {
  if (!IsSet(time)) return "-";
  return google::protobuf::util::TimeUtil::ToString(time);
}

absl::StatusOr<google::protobuf::Timestamp> ParseTimestamp(
    absl::string_view text, absl::string_view flag) {
  google::protobuf::Timestamp time;
  if (!google::protobuf::util::TimeUtil::FromString(std::string(text), &time)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", text,
                     "' is not an RFC 3339 time (e.g. 2025-01-31T23:59:59Z)"));
  }
  return time;
}

std::string FormatMoneyOrDash(const Money& money) {
  if (money.currency_code().empty() && money.units() == 0 &&
      money.nanos() == 0) {
    return "-";
  }
  return FormatMoney(money);
}

std::string EnumShortName(const google::protobuf::EnumDescriptor* type,
                          int value) {
  if (value == 0) return "-";
  const google::protobuf::EnumValueDescriptor* found =
      type->FindValueByNumber(value);
  if (found == nullptr) return absl::StrCat(value);
  absl::string_view name = found->name();
  absl::ConsumePrefix(&name, EnumPrefix(type));
  return absl::AsciiStrToLower(name);
}

std::string EnumChoices(const google::protobuf::EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    int number = type->value(i)->number();
    if (number != 0) names.push_back(EnumShortName(type, number));
  }
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<int> ParseEnumShortName(
    const google::protobuf::EnumDescriptor* type, absl::string_view text,
    absl::string_view flag) {
  std::string wanted =
      absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}}));
  std::string prefix = EnumPrefix(type);
  for (int i = 0; i < type->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* value = type->value(i);
    if (value->number() == 0) continue;
    if (value->name() == wanted || value->name() == prefix + wanted) {
      return value->number();
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(flag, ": '", text, "' is not one of ", EnumChoices(type)));
}

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.always_print_primitive_fields = true;
  std::string json;
  // Printing a well-formed message cannot fail; a failure would mean a
  // malformed Any, which the hub's API does not use.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  if (json.empty() || json.back() != '\n') json += '\n';
  return json;
}

std::string FormatExternalRef(const ExternalRef& ref) {
  return absl::StrCat(ref.system(), "/", ref.object_type(), "/",
                      ref.vendor_id());
}

std::string FormatEntityRef(const canonical::v1::EntityRef& ref) {
  std::string out = absl::StrCat(
      EnumShortName(canonical::v1::EntityType_descriptor(), ref.entity_type()),
      " ", OrDash(ref.id()));
  if (ref.version() != 0) absl::StrAppend(&out, " v", ref.version());
  return out;
}

std::string RenderSystem(const hubv1::System& system) {
  Fields fields;
  fields.emplace_back("name", system.name());
  fields.emplace_back(
      "kind", EnumShortName(hubv1::SystemKind_descriptor(), system.kind()));
  fields.emplace_back(
      "state", EnumShortName(hubv1::SystemState_descriptor(), system.state()));
  if (!system.disabled_reason().empty()) {
    fields.emplace_back("disabled reason", system.disabled_reason());
  }
  if (!system.display_name().empty()) {
    fields.emplace_back("display name", system.display_name());
  }
  if (!system.description().empty()) {
    fields.emplace_back("description", system.description());
  }
  fields.emplace_back("adapter", FormatAdapter(system.adapter()));
  if (system.adapter().has_launch() &&
      !system.adapter().launch().env().empty()) {
    fields.emplace_back("adapter env",
                        JoinAttributes(system.adapter().launch().env()));
  }
  fields.emplace_back("authoritative for", FormatAuthoritative(system));
  fields.emplace_back("version", absl::StrCat(system.version()));
  fields.emplace_back("created at", FormatTimestamp(system.created_at()));
  fields.emplace_back("updated at", FormatTimestamp(system.updated_at()));
  std::string out = RenderFields(fields);
  if (system.has_config() && system.config().fields_size() > 0) {
    absl::StrAppend(&out, "config:\n", Indent(ToJson(system.config(), true)));
  }
  // The ingest pipeline: matching rules.
  if (system.matching_rules_size() > 0) {
    absl::StrAppend(&out, "matching rules:\n");
    for (const hubv1::MatchingRule& r : system.matching_rules()) {
      absl::StrAppend(
          &out, "  ",
          EnumShortName(canonical::v1::EntityType_descriptor(),
                        r.entity_type()),
          ": ", r.field(), " = ",
          !r.ref_system().empty()
              ? absl::StrCat("the vendor id of ", r.ref_system(), "/",
                             r.ref_object_type())
              : (r.match_field().empty() ? r.field() : r.match_field()),
          "\n");
    }
  }
  return out;
}

std::string RenderCustomer(const Customer& customer) {
  Fields fields;
  AddEntityHeader(fields, customer);
  fields.emplace_back("name", customer.name());
  fields.emplace_back("status",
                      EnumShortName(canonical::v1::CustomerStatus_descriptor(),
                                    customer.status()));
  fields.emplace_back("email", OrDash(customer.email()));
  fields.emplace_back("currency", OrDash(customer.currency_code()));
  fields.emplace_back("tax id", OrDash(customer.tax_id()));
  if (customer.has_billing_address()) {
    const canonical::v1::PostalAddress& address = customer.billing_address();
    std::vector<std::string> parts(address.lines().begin(),
                                   address.lines().end());
    for (const std::string* part :
         {&address.postal_code(), &address.city(), &address.region(),
          &address.country_code()}) {
      if (!part->empty()) parts.push_back(*part);
    }
    fields.emplace_back("billing address", absl::StrJoin(parts, ", "));
  }
  AddEntityFooter(fields, customer);
  return RenderFields(fields);
}

std::string RenderProduct(const Product& product) {
  Fields fields;
  AddEntityHeader(fields, product);
  fields.emplace_back("name", product.name());
  fields.emplace_back("sku", OrDash(product.sku()));
  if (!product.description().empty()) {
    fields.emplace_back("description", product.description());
  }
  fields.emplace_back("active", product.active() ? "yes" : "no");
  fields.emplace_back("revenue rule",
                      EnumShortName(canonical::v1::RevenueRule_descriptor(),
                                    product.revenue_rule()));
  fields.emplace_back("standalone price",
                      FormatMoneyOrDash(product.standalone_selling_price()));
  if (product.ssp_period_months() != 0) {
    fields.emplace_back("ssp period months",
                        absl::StrCat(product.ssp_period_months()));
  }
  fields.emplace_back("ssp highly variable",
                      product.ssp_highly_variable() ? "yes" : "no");
  AddEntityFooter(fields, product);
  return RenderFields(fields);
}

std::string RenderContract(const Contract& contract) {
  Fields fields;
  AddEntityHeader(fields, contract);
  fields.emplace_back("number", OrDash(contract.contract_number()));
  fields.emplace_back("customer", OrDash(contract.customer_id()));
  fields.emplace_back("status",
                      EnumShortName(canonical::v1::ContractStatus_descriptor(),
                                    contract.status()));
  fields.emplace_back("currency", OrDash(contract.currency_code()));
  fields.emplace_back("term", FormatPeriod(contract.term()));
  fields.emplace_back("signed at", FormatTimestamp(contract.signed_at()));
  if (IsSet(contract.cancelled_at())) {
    fields.emplace_back("cancelled at",
                        FormatTimestamp(contract.cancelled_at()));
  }
  if (!contract.renewal_of_contract_id().empty()) {
    fields.emplace_back("renews", contract.renewal_of_contract_id());
  }
  if (!contract.change_reason().empty()) {
    fields.emplace_back("change reason", contract.change_reason());
  }
  AddEntityFooter(fields, contract);
  std::string out = RenderFields(fields);

  Table lines({"LINE", "PRODUCT", "QUANTITY", "UNIT PRICE", "DISCOUNT", "RULE",
               "SERVICE PERIOD"});
  lines.AlignRight(2);
  lines.AlignRight(3);
  lines.AlignRight(4);
  for (const canonical::v1::ContractLine& line : contract.lines()) {
    std::string discount = "-";
    if (line.has_discount_amount()) {
      discount = FormatMoneyOrDash(line.discount_amount());
    } else if (line.has_discount_percent()) {
      discount = absl::StrCat(FormatDecimal(line.discount_percent()), "%");
    }
    std::string quantity = FormatDecimalOrDash(line.quantity());
    if (line.downgrade()) absl::StrAppend(&quantity, " (downgrade)");
    lines.AddRow({line.line_id(), OrDash(line.product_id()), quantity,
                  FormatMoneyOrDash(line.unit_price()), discount,
                  EnumShortName(canonical::v1::RevenueRule_descriptor(),
                                line.revenue_rule()),
                  FormatPeriod(line.service_period())});
  }
  absl::StrAppend(&out, "\nlines:\n", Indent(lines.Render()));
  if (!contract.discounts().empty()) {
    Table discounts({"DISCOUNT", "AMOUNT", "LINES"});
    discounts.AlignRight(1);
    for (const canonical::v1::ContractDiscount& discount :
         contract.discounts()) {
      discounts.AddRow({OrDash(discount.description()),
                        FormatMoneyOrDash(discount.amount()),
                        discount.line_ids().empty()
                            ? "all"
                            : absl::StrJoin(discount.line_ids(), ",")});
    }
    absl::StrAppend(&out, "\ndiscounts:\n", Indent(discounts.Render()));
  }
  return out;
}

std::string RenderInvoice(const Invoice& invoice) {
  Fields fields;
  AddEntityHeader(fields, invoice);
  fields.emplace_back("number", OrDash(invoice.invoice_number()));
  fields.emplace_back(
      "kind",
      EnumShortName(canonical::v1::InvoiceKind_descriptor(), invoice.kind()));
  fields.emplace_back("status",
                      EnumShortName(canonical::v1::InvoiceStatus_descriptor(),
                                    invoice.status()));
  fields.emplace_back("customer", OrDash(invoice.customer_id()));
  fields.emplace_back("contract", OrDash(invoice.contract_id()));
  if (!invoice.credited_invoice_id().empty()) {
    fields.emplace_back("credits invoice", invoice.credited_invoice_id());
  }
  fields.emplace_back("currency", OrDash(invoice.currency_code()));
  fields.emplace_back("issued at", FormatTimestamp(invoice.issued_at()));
  fields.emplace_back("due at", FormatTimestamp(invoice.due_at()));
  fields.emplace_back("subtotal", FormatMoneyOrDash(invoice.subtotal()));
  fields.emplace_back("discount total",
                      FormatMoneyOrDash(invoice.discount_total()));
  fields.emplace_back(
      invoice.tax_inclusive() ? "tax total (included)" : "tax total",
      FormatMoneyOrDash(invoice.tax_total()));
  fields.emplace_back("total", FormatMoneyOrDash(invoice.total()));
  fields.emplace_back("amount paid", FormatMoneyOrDash(invoice.amount_paid()));
  fields.emplace_back("amount due", FormatMoneyOrDash(invoice.amount_due()));
  AddEntityFooter(fields, invoice);
  std::string out = RenderFields(fields);

  Table lines({"LINE", "DESCRIPTION", "QUANTITY", "UNIT AMOUNT", "AMOUNT",
               "TAX", "SERVICE PERIOD"});
  for (size_t column : {2, 3, 4, 5}) lines.AlignRight(column);
  for (const canonical::v1::InvoiceLine& line : invoice.lines()) {
    std::string description = OrDash(line.description());
    if (line.proration()) absl::StrAppend(&description, " (proration)");
    lines.AddRow(
        {line.line_id(), description, FormatDecimalOrDash(line.quantity()),
         FormatMoneyOrDash(line.unit_amount()),
         FormatMoneyOrDash(line.amount()), FormatMoneyOrDash(line.tax_amount()),
         FormatPeriod(line.service_period())});
  }
  absl::StrAppend(&out, "\nlines:\n", Indent(lines.Render()));
  return out;
}

std::string RenderPayment(const Payment& payment) {
  Fields fields;
  AddEntityHeader(fields, payment);
  fields.emplace_back("customer", OrDash(payment.customer_id()));
  fields.emplace_back("amount", FormatMoneyOrDash(payment.amount()));
  fields.emplace_back("status",
                      EnumShortName(canonical::v1::PaymentStatus_descriptor(),
                                    payment.status()));
  fields.emplace_back("method", OrDash(payment.method()));
  fields.emplace_back("received at", FormatTimestamp(payment.received_at()));
  fields.emplace_back("refunded", FormatMoneyOrDash(payment.refunded_amount()));
  AddEntityFooter(fields, payment);
  std::string out = RenderFields(fields);
  if (!payment.allocations().empty()) {
    Table allocations({"INVOICE", "AMOUNT"});
    allocations.AlignRight(1);
    for (const canonical::v1::PaymentAllocation& allocation :
         payment.allocations()) {
      allocations.AddRow(
          {allocation.invoice_id(), FormatMoneyOrDash(allocation.amount())});
    }
    absl::StrAppend(&out, "\nallocations:\n", Indent(allocations.Render()));
  }
  return out;
}

std::string RenderRecord(const hubv1::RawRecord& record) {
  Fields fields;
  fields.emplace_back("record", absl::StrCat(record.record_id()));
  fields.emplace_back("system", record.system());
  fields.emplace_back("object type", record.object_type());
  fields.emplace_back("status", EnumShortName(hubv1::RecordStatus_descriptor(),
                                              record.status()));
  fields.emplace_back("content type", OrDash(record.content_type()));
  fields.emplace_back("idempotency key", OrDash(record.idempotency_key()));
  fields.emplace_back("size", absl::StrCat(record.size_bytes(), " bytes"));
  fields.emplace_back("sha256", OrDash(record.payload_sha256()));
  fields.emplace_back("received at", FormatTimestamp(record.received_at()));
  fields.emplace_back("principal", OrDash(record.principal()));
  return RenderFields(fields);
}

std::string RenderConsumer(const hubv1::Consumer& consumer) {
  return RenderFields({
      {"consumer", consumer.name()},
      {"acknowledged position", absl::StrCat(consumer.acknowledged_position())},
      {"created at", FormatTimestamp(consumer.created_at())},
      {"updated at", FormatTimestamp(consumer.updated_at())},
  });
}

std::string RenderSystemTable(const hubv1::ListSystemsResponse& page) {
  Table table({"NAME", "KIND", "STATE", "ADAPTER", "AUTHORITATIVE FOR",
               "VERSION", "UPDATED"});
  table.AlignRight(5);
  for (const hubv1::System& system : page.systems()) {
    table.AddRow(
        {system.name(),
         EnumShortName(hubv1::SystemKind_descriptor(), system.kind()),
         EnumShortName(hubv1::SystemState_descriptor(), system.state()),
         FormatAdapter(system.adapter()), FormatAuthoritative(system),
         absl::StrCat(system.version()), FormatTimestamp(system.updated_at())});
  }
  return table.Render();
}

std::string RenderCustomerTable(const hubv1::ListCustomersResponse& page) {
  Table table({"ID", "VERSION", "NAME", "STATUS", "CURRENCY", "LEGAL ENTITY",
               "EXTERNAL REFS", "RECORDED"});
  table.AlignRight(1);
  for (const Customer& customer : page.customers()) {
    table.AddRow(
        {customer.id(), absl::StrCat(customer.version()), customer.name(),
         EnumShortName(canonical::v1::CustomerStatus_descriptor(),
                       customer.status()),
         OrDash(customer.currency_code()), OrDash(customer.legal_entity()),
         JoinRefs(customer.external_refs()),
         FormatTimestamp(customer.recorded_at())});
  }
  return table.Render();
}

std::string RenderProductTable(const hubv1::ListProductsResponse& page) {
  Table table({"ID", "VERSION", "NAME", "SKU", "REVENUE RULE",
               "STANDALONE PRICE", "ACTIVE", "RECORDED"});
  table.AlignRight(1);
  table.AlignRight(5);
  for (const Product& product : page.products()) {
    table.AddRow({product.id(), absl::StrCat(product.version()), product.name(),
                  OrDash(product.sku()),
                  EnumShortName(canonical::v1::RevenueRule_descriptor(),
                                product.revenue_rule()),
                  FormatMoneyOrDash(product.standalone_selling_price()),
                  product.active() ? "yes" : "no",
                  FormatTimestamp(product.recorded_at())});
  }
  return table.Render();
}

std::string RenderContractTable(const hubv1::ListContractsResponse& page) {
  Table table({"ID", "VERSION", "NUMBER", "CUSTOMER", "STATUS", "CURRENCY",
               "LINES", "TERM", "RECORDED"});
  table.AlignRight(1);
  table.AlignRight(6);
  for (const Contract& contract : page.contracts()) {
    table.AddRow(
        {contract.id(), absl::StrCat(contract.version()),
         OrDash(contract.contract_number()), OrDash(contract.customer_id()),
         EnumShortName(canonical::v1::ContractStatus_descriptor(),
                       contract.status()),
         OrDash(contract.currency_code()), absl::StrCat(contract.lines_size()),
         FormatPeriod(contract.term()),
         FormatTimestamp(contract.recorded_at())});
  }
  return table.Render();
}

std::string RenderInvoiceTable(const hubv1::ListInvoicesResponse& page) {
  Table table({"ID", "VERSION", "NUMBER", "KIND", "STATUS", "CUSTOMER", "TOTAL",
               "AMOUNT DUE", "ISSUED"});
  table.AlignRight(1);
  table.AlignRight(6);
  table.AlignRight(7);
  for (const Invoice& invoice : page.invoices()) {
    table.AddRow(
        {invoice.id(), absl::StrCat(invoice.version()),
         OrDash(invoice.invoice_number()),
         EnumShortName(canonical::v1::InvoiceKind_descriptor(), invoice.kind()),
         EnumShortName(canonical::v1::InvoiceStatus_descriptor(),
                       invoice.status()),
         OrDash(invoice.customer_id()), FormatMoneyOrDash(invoice.total()),
         FormatMoneyOrDash(invoice.amount_due()),
         FormatTimestamp(invoice.issued_at())});
  }
  return table.Render();
}

std::string RenderPaymentTable(const hubv1::ListPaymentsResponse& page) {
  Table table(
      {"ID", "VERSION", "CUSTOMER", "AMOUNT", "STATUS", "METHOD", "RECEIVED"});
  table.AlignRight(1);
  table.AlignRight(3);
  for (const Payment& payment : page.payments()) {
    table.AddRow(
        {payment.id(), absl::StrCat(payment.version()),
         OrDash(payment.customer_id()), FormatMoneyOrDash(payment.amount()),
         EnumShortName(canonical::v1::PaymentStatus_descriptor(),
                       payment.status()),
         OrDash(payment.method()), FormatTimestamp(payment.received_at())});
  }
  return table.Render();
}

std::string RenderRecordTable(const hubv1::ListRecordsResponse& page) {
  Table table({"RECORD", "SYSTEM", "OBJECT TYPE", "STATUS", "SIZE", "RECEIVED",
               "IDEMPOTENCY KEY"});
  table.AlignRight(0);
  table.AlignRight(4);
  for (const hubv1::RawRecord& record : page.records()) {
    table.AddRow(
        {absl::StrCat(record.record_id()), record.system(),
         record.object_type(),
         EnumShortName(hubv1::RecordStatus_descriptor(), record.status()),
         absl::StrCat(record.size_bytes()),
         FormatTimestamp(record.received_at()),
         OrDash(record.idempotency_key())});
  }
  return table.Render();
}

namespace {

std::vector<std::string> EventCells(const BusinessEvent& event) {
  return {absl::StrCat(event.position()),
          FormatTimestamp(event.recorded_at()),
          EnumShortName(canonical::v1::EventType_descriptor(), event.type()),
          FormatEntityRef(event.subject()),
          OrDash(event.source_system()),
          OrDash(event.principal())};
}

const std::vector<std::string>& EventHeaders() {
  static const auto* headers = new std::vector<std::string>{
      "POSITION", "RECORDED", "TYPE", "SUBJECT", "SOURCE", "PRINCIPAL"};
  return *headers;
}

// Minimum widths of the streamed event columns: a position, a timestamp
// with microseconds, the longest event type name, a subject with a hub id
// ("contract ctr_" and 26 characters, a version), a system name.
constexpr size_t kEventLineWidths[] = {8, 27, 24, 46, 16, 0};

std::string FixedWidthLine(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += "  ";
    size_t width = DisplayWidth(cells[i]);
    if (i == 0) {  // positions right-aligned, like the table's
      if (width < kEventLineWidths[0]) {
        line.append(kEventLineWidths[0] - width, ' ');
      }
      line += cells[i];
      continue;
    }
    line += cells[i];
    if (i + 1 < cells.size() && width < kEventLineWidths[i]) {
      line.append(kEventLineWidths[i] - width, ' ');
    }
  }
  line += '\n';
  return line;
}

}  // namespace

std::string RenderEventTable(const std::vector<BusinessEvent>& events) {
  Table table(EventHeaders());
  table.AlignRight(0);
  for (const BusinessEvent& event : events) table.AddRow(EventCells(event));
  return table.Render();
}

std::string RenderEventLine(const BusinessEvent& event) {
  return FixedWidthLine(EventCells(event));
}

std::string RenderEventLineHeader() { return FixedWidthLine(EventHeaders()); }

}  // namespace revhub::cli
