// Helpers the canonical validation tests share: protobuf text to a message,
// and the message of a status that must be INVALID_ARGUMENT.
#ifndef REVHUB_TESTS_CANONICAL_VALIDATION_TEST_UTIL_H_
#define REVHUB_TESTS_CANONICAL_VALIDATION_TEST_UTIL_H_

#include <catch2/catch.hpp>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/text_format.h"

namespace revhub::testing {

// Returns `text` (protobuf text format) parsed as T; REQUIREs it parses.
template <typename T>
T Parse(const std::string& text) {
  T msg;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &msg));
  return msg;
}

// Returns the message of `st`, which must be INVALID_ARGUMENT.
inline std::string Error(const absl::Status& st) {
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  return std::string(st.message());
}

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_CANONICAL_VALIDATION_TEST_UTIL_H_
