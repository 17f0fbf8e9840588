#!/usr/bin/env bash
# Writes the seeds of the canonical_validation fuzz target
# (tests/fuzz/corpus/canonical_validation/): each a type line, then the
# message in protobuf wire format, encoded by protoc from the text below.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out=tests/fuzz/corpus/canonical_validation
mkdir -p "$out"
seed() {  # seed FILE TYPE_LINE MESSAGE PROTO TEXT
  { printf '%s\n' "$2"
    printf '%s' "$5" | protoc -I protos -I /usr/include \
      --encode="revhub.canonical.v1.$3" "revhub/canonical/v1/$4"; } >"$out/$1"
}
seed customer customer Customer customer.proto 'name: "Acme" email: "ap@acme.example" currency_code: "EUR" billing_address { lines: "Hauptstr. 1" country_code: "DE" } external_refs { system: "crm" object_type: "Account" vendor_id: "001A" } attributes { key: "segment" value: "mid" }'
seed product product Product product.proto 'name: "Platform" standalone_selling_price { currency_code: "USD" units: 1200 nanos: 500000000 } revenue_rule: REVENUE_RULE_RATABLE'
seed contract contract Contract contract.proto 'customer_id: "cus_1" status: CONTRACT_STATUS_ACTIVE currency_code: "USD" renewal_behavior: RENEWAL_BEHAVIOR_FIXED term { start_time { seconds: 1735689600 } end_time { seconds: 1767225600 } } lines { line_id: "l1" product_id: "prd_1" quantity { units: 3 } unit_price { currency_code: "USD" units: 100 } discount_percent { units: 10 } service_period { start_time { seconds: 1735689600 } end_time { seconds: 1767225600 } } } lines { line_id: "l2" product_id: "prd_2" quantity { units: 1 } unit_price { currency_code: "USD" units: 50 nanos: 250000000 } delivered_at { seconds: 1735689600 } } discounts { amount { currency_code: "USD" units: 5 } line_ids: "l1" }'
seed contract_evergreen_downgrade contract Contract contract.proto 'customer_id: "cus_1" status: CONTRACT_STATUS_ACTIVE currency_code: "JPY" renewal_behavior: RENEWAL_BEHAVIOR_EVERGREEN term { start_time { seconds: 1735689600 } } lines { line_id: "l1" quantity { units: -2 } downgrade: true unit_price { currency_code: "JPY" units: 500 } service_period { start_time { seconds: 1735689600 } } }'
seed invoice invoice Invoice invoice.proto 'customer_id: "cus_1" kind: INVOICE_KIND_INVOICE status: INVOICE_STATUS_OPEN currency_code: "USD" lines { line_id: "1" quantity { units: 3 } unit_amount { currency_code: "USD" units: 100 } amount { currency_code: "USD" units: 300 } tax_amount { currency_code: "USD" units: 30 } service_period { start_time { seconds: 1735689600 } end_time { seconds: 1738368000 } } } subtotal { currency_code: "USD" units: 300 } tax_total { currency_code: "USD" units: 30 } total { currency_code: "USD" units: 330 } amount_paid { currency_code: "USD" } amount_remaining { currency_code: "USD" units: 330 }'
seed credit_note invoice Invoice invoice.proto 'customer_id: "cus_1" kind: INVOICE_KIND_CREDIT_NOTE status: INVOICE_STATUS_OPEN currency_code: "BHD" credited_invoice_id: "inv_1" lines { line_id: "1" amount { currency_code: "BHD" units: 5 nanos: 125000000 } delivered_at { seconds: 1735689600 } } total { currency_code: "BHD" units: 5 nanos: 125000000 }'
seed payment payment Payment payment.proto 'customer_id: "cus_1" status: PAYMENT_STATUS_SUCCEEDED amount { currency_code: "USD" units: 330 } received_at { seconds: 1738368000 } allocations { invoice_id: "inv_1" amount { currency_code: "USD" units: 300 } } refunded_amount { currency_code: "USD" units: 30 }'
seed journal_entry journal_entry JournalEntry revenue.proto 'legal_entity: "US01" contract_id: "ctr_1" period: "2025-01" posting_date { seconds: 1738281600 } lines { account_role: ACCOUNT_ROLE_RECEIVABLE debit { currency_code: "USD" units: 100 } } lines { account_role: ACCOUNT_ROLE_UNBILLED_RECEIVABLE credit { currency_code: "USD" units: 100 } }'
