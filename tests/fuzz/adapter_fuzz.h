// The body of the adapters' Translate fuzz targets (fuzz_stripe_translate,
// fuzz_salesforce_translate, fuzz_netsuite_translate).
//
// Each input is one VendorRecord: its object type is one the adapter
// declares (fuzz_input.h: "<object type>\n<payload>"), its payload the rest.
// The record is translated as the SDK's Translate call does: the adapter's
// Translate under the SDK's catch of std::exception (an exception is a
// FAILED translation, not a crash, by the SDK's contract). What the fuzzer
// reports is what the SDK cannot contain: a sanitizer error, an abort, a
// hang or unbounded memory.
#ifndef REVHUB_TESTS_FUZZ_ADAPTER_FUZZ_H_
#define REVHUB_TESTS_FUZZ_ADAPTER_FUZZ_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "adapters/sdk/adapter.h"

namespace revhub::fuzz {

// An adapter with its declared object types and a valid configuration
// (`config_json`, checked against the adapter's fields). Aborts when the
// configuration is refused: that is a mistake in the target, not an input.
class AdapterFuzzer {
 public:
  AdapterFuzzer(std::unique_ptr<adapter::Adapter> adapter,
                const std::string& config_json);
  // Translates one input; returns 0 (libFuzzer's "keep going").
  int Run(const uint8_t* data, size_t size);

 private:
  std::unique_ptr<adapter::Adapter> adapter_;
  adapter::AdapterInfo info_;
  std::vector<std::string> object_types_;
  std::unique_ptr<adapter::Config> config_;
  std::unique_ptr<adapter::Logger> log_;
};

}  // namespace revhub::fuzz

#endif  // REVHUB_TESTS_FUZZ_ADAPTER_FUZZ_H_
