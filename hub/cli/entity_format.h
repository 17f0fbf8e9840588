// What `revhub customers|products|contracts|invoices|payments show|list`
// print: one canonical entity as "label: value" lines (with its lines,
// discounts or allocations as tables), or a page of them as a table. Pure:
// text from messages, no I/O; money printed exactly (FormatMoney).
#ifndef REVHUB_HUB_CLI_ENTITY_FORMAT_H_
#define REVHUB_HUB_CLI_ENTITY_FORMAT_H_

#include <string>
#include <vector>

#include "hub/cli/client.h"

namespace revhub::cli {

// Detail views, several lines each.
std::string RenderCustomer(const canonical::v1::Customer& customer);
std::string RenderProduct(const canonical::v1::Product& product);
std::string RenderContract(const canonical::v1::Contract& contract);
std::string RenderInvoice(const canonical::v1::Invoice& invoice);
std::string RenderPayment(const canonical::v1::Payment& payment);

// Tables for list results, one row per entity.
std::string RenderCustomerTable(const hubv1::ListCustomersResponse& page);
std::string RenderProductTable(const hubv1::ListProductsResponse& page);
std::string RenderContractTable(const hubv1::ListContractsResponse& page);
std::string RenderInvoiceTable(const hubv1::ListInvoicesResponse& page);
std::string RenderPaymentTable(const hubv1::ListPaymentsResponse& page);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_ENTITY_FORMAT_H_
