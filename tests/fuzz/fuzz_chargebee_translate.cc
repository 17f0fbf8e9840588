// libFuzzer target: the Chargebee adapter's Translate, one VendorRecord per
// input ("<object type>\n<payload>", tests/fuzz/fuzz_input.h), for every
// object type the adapter declares. Seeds:
// tests/fuzz/corpus/chargebee_translate.
#include <cstddef>
#include <cstdint>

#include "adapters/chargebee/chargebee_adapter.h"
#include "tests/fuzz/adapter_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static revhub::fuzz::AdapterFuzzer* fuzzer = new revhub::fuzz::AdapterFuzzer(
      revhub::adapter::NewChargebeeAdapter(),
      R"({"contract_ref_field":"salesforce_opportunity_id",)"
      R"("contract_ref_system":"salesforce",)"
      R"("contract_ref_object_type":"Opportunity"})");
  return fuzzer->Run(data, size);
}
