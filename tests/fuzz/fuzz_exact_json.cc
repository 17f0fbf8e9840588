// libFuzzer target: the SDK's exact JSON parser (adapters/sdk/mapping.h
// ParseExactJson), which every C++ adapter reads vendor payloads with, and
// the decimal parser its numbers reach (canonical/money.h ParseDecimal).
//
// Checks, beyond the sanitizers: what parses serialises (DumpExactJson) to
// text that parses again to the same text; every exact number's text is a
// decimal ParseDecimal either takes, and then formats back to a decimal it
// takes again with the same value, or refuses with a status.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "adapters/sdk/mapping.h"
#include "canonical/money.h"

namespace {

using revhub::adapter::Json;

void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
  std::abort();
}

void CheckNumbers(const Json& value, int depth) {
  if (depth > 64) return;
  if (revhub::adapter::IsExactNumber(value)) {
    const std::string text = revhub::adapter::DumpExactJson(value);
    auto decimal = revhub::ParseDecimal(text);
    if (!decimal.ok()) return;  // out of range or too precise: an error
    const std::string formatted = revhub::FormatDecimal(*decimal);
    auto again = revhub::ParseDecimal(formatted);
    if (!again.ok() || revhub::ToNanos(*again) != revhub::ToNanos(*decimal)) {
      Fail("FormatDecimal does not round-trip", text + " -> " + formatted);
    }
    return;
  }
  if (value.is_structured()) {
    for (const auto& element : value) CheckNumbers(element, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = revhub::adapter::ParseExactJson(text);
  if (!parsed.ok()) return 0;
  const std::string dumped = revhub::adapter::DumpExactJson(*parsed);
  auto reparsed = revhub::adapter::ParseExactJson(dumped);
  if (!reparsed.ok()) {
    Fail("DumpExactJson wrote what ParseExactJson refuses", dumped);
  }
  if (revhub::adapter::DumpExactJson(*reparsed) != dumped) {
    Fail("DumpExactJson does not round-trip", dumped);
  }
  CheckNumbers(*parsed, 0);
  return 0;
}
