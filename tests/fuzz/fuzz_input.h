// How every fuzz target of tests/fuzz reads its input: a selector naming
// what the bytes are (an adapter's object type, a message type), then the
// bytes themselves.
//
// An input whose first line is one of the target's names is that kind, and
// the rest (after the newline) is the payload; a seed file is therefore
// readable: "invoice\n{...}". Any other input is taken whole as the payload
// of the kind chosen by its first byte, so mutations that break the first
// line still reach every kind. Pure; thread-safe.
#ifndef REVHUB_TESTS_FUZZ_FUZZ_INPUT_H_
#define REVHUB_TESTS_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace revhub::fuzz {

struct FuzzInput {
  size_t kind = 0;  // index into the names given to SplitFuzzInput
  absl::string_view payload;
};

// Returns the kind and payload of `data`. REQUIRES: names is not empty.
inline FuzzInput SplitFuzzInput(const uint8_t* data, size_t size,
                                const std::vector<std::string>& names) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t newline = text.find('\n');
  if (newline != absl::string_view::npos) {
    const absl::string_view first = text.substr(0, newline);
    for (size_t i = 0; i < names.size(); ++i) {
      if (first == names[i]) return {i, text.substr(newline + 1)};
    }
  }
  return {size == 0 ? 0 : data[0] % names.size(), text};
}

}  // namespace revhub::fuzz

#endif  // REVHUB_TESTS_FUZZ_FUZZ_INPUT_H_
