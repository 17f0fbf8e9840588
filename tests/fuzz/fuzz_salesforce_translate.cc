// libFuzzer target: the Salesforce adapter's Translate, one VendorRecord per
// input ("<object type>\n<payload>", tests/fuzz/fuzz_input.h), for every
// object type the adapter declares. Seeds:
// tests/fuzz/corpus/salesforce_translate.
#include <cstddef>
#include <cstdint>

#include "adapters/salesforce/salesforce_adapter.h"
#include "tests/fuzz/adapter_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static revhub::fuzz::AdapterFuzzer* fuzzer = new revhub::fuzz::AdapterFuzzer(
      revhub::adapter::NewSalesforceAdapter(),
      R"({"default_currency":"USD","revenue_rule_by_family":{"Services":"RATABLE"}})");
  return fuzzer->Run(data, size);
}
