// Errors that name a field. The field path travels with the status as a
// payload, set once where the error is made and read with FieldPathOf; it
// is never parsed back out of the message. The message still reads
// "<path>: <reason>" for people.
//
// Pure functions; thread-safe.
#ifndef REVHUB_CANONICAL_FIELD_PATH_H_
#define REVHUB_CANONICAL_FIELD_PATH_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace revhub {

// Returns a `code` status "<field_path>: <reason>" (just `reason` when the
// path is empty) with the path attached.
absl::Status FieldError(absl::StatusCode code, absl::string_view field_path,
                        absl::string_view reason);

// Returns the field path attached by FieldError, or "" when none.
std::string FieldPathOf(const absl::Status& status);

// Returns the status's message without the "<field_path>: " FieldError put
// in front.
std::string ReasonOf(const absl::Status& status);

}  // namespace revhub

#endif  // REVHUB_CANONICAL_FIELD_PATH_H_
