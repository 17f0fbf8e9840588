// libFuzzer target: the Stripe adapter's Translate, one VendorRecord per
// input ("<object type>\n<payload>", tests/fuzz/fuzz_input.h), for every
// object type the adapter declares. Seeds: tests/fuzz/corpus/stripe_translate.
#include <cstddef>
#include <cstdint>

#include "adapters/stripe/stripe_adapter.h"
#include "tests/fuzz/adapter_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static revhub::fuzz::AdapterFuzzer* fuzzer = new revhub::fuzz::AdapterFuzzer(
      revhub::adapter::NewStripeAdapter(), R"({"default_currency":"USD"})");
  return fuzzer->Run(data, size);
}
