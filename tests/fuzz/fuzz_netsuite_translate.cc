// libFuzzer target: the NetSuite adapter's Translate, one VendorRecord per
// input ("<object type>\n<payload>", tests/fuzz/fuzz_input.h), for every
// object type the adapter declares. Seeds:
// tests/fuzz/corpus/netsuite_translate.
#include <cstddef>
#include <cstdint>

#include "adapters/netsuite/netsuite_adapter.h"
#include "tests/fuzz/adapter_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static revhub::fuzz::AdapterFuzzer* fuzzer = new revhub::fuzz::AdapterFuzzer(
      revhub::adapter::NewNetSuiteAdapter(),
      R"({"base_url":"http://127.0.0.1:9","access_token":"fuzz-token","account_id":"1234"})");
  return fuzzer->Run(data, size);
}
