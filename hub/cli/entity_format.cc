#include "hub/cli/entity_format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/money.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

using canonical::v1::Contract;
using canonical::v1::Customer;
using canonical::v1::Decimal;
using canonical::v1::Invoice;
using canonical::v1::Payment;
using canonical::v1::Product;
using canonical::v1::ServicePeriod;
using Fields = std::vector<std::pair<std::string, std::string>>;

std::string FormatPeriod(const ServicePeriod& period) {
  if (!IsSet(period.start_time()) && !IsSet(period.end_time())) return "-";
  return absl::StrCat(FormatTimestamp(period.start_time()), " .. ",
                      FormatTimestamp(period.end_time()));
}

std::string FormatDecimalOrDash(const Decimal& value) {
  if (value.units() == 0 && value.nanos() == 0) return "0";
  return FormatDecimal(value);
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
  fields.emplace_back("external refs",
                      JoinExternalRefs(entity.external_refs()));
  if (!entity.attributes().empty()) {
    fields.emplace_back("attributes", JoinAttributes(entity.attributes()));
  }
  fields.emplace_back("effective at", FormatTimestamp(entity.effective_at()));
  fields.emplace_back("source updated at",
                      FormatTimestamp(entity.source_updated_at()));
  fields.emplace_back("recorded at", FormatTimestamp(entity.recorded_at()));
}

}  // namespace

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
  // Amounts are net of tax either way; say when the vendor's prices
  // included it.
  fields.emplace_back(
      invoice.tax_inclusive() ? "tax total (prices included it)" : "tax total",
      FormatMoneyOrDash(invoice.tax_total()));
  fields.emplace_back("total", FormatMoneyOrDash(invoice.total()));
  fields.emplace_back("amount paid", FormatMoneyOrDash(invoice.amount_paid()));
  fields.emplace_back("amount credited",
                      FormatMoneyOrDash(invoice.amount_credited()));
  fields.emplace_back("amount remaining",
                      FormatMoneyOrDash(invoice.amount_remaining()));
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
         JoinExternalRefs(customer.external_refs()),
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
         FormatMoneyOrDash(invoice.amount_remaining()),
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

}  // namespace revhub::cli
