// Field paths travel with a status (canonical/field_path.h), also from
// validation.
#include "canonical/field_path.h"

#include <catch2/catch.hpp>

#include "canonical/validation.h"

namespace revhub {
namespace {

TEST_CASE("a field error carries its path; the message reads path: reason",
          "[field_path]") {
  absl::Status st = FieldError(absl::StatusCode::kFailedPrecondition,
                               "contract.lines[0].product_id", "unknown");
  CHECK(absl::IsFailedPrecondition(st));
  CHECK(st.message() == "contract.lines[0].product_id: unknown");
  CHECK(FieldPathOf(st) == "contract.lines[0].product_id");
  CHECK(ReasonOf(st) == "unknown");

  // No path: the message is the reason.
  absl::Status bare =
      FieldError(absl::StatusCode::kInvalidArgument, "", "not JSON");
  CHECK(bare.message() == "not JSON");
  CHECK(FieldPathOf(bare).empty());
  CHECK(ReasonOf(bare) == "not JSON");

  // A message that merely looks like "path: reason" has no path.
  absl::Status text = absl::InvalidArgumentError("Name: expected a string");
  CHECK(FieldPathOf(text).empty());
  CHECK(ReasonOf(text) == "Name: expected a string");

  canonical::v1::Customer customer;
  absl::Status invalid = ValidateCustomer(customer);
  REQUIRE(absl::IsInvalidArgument(invalid));
  CHECK(FieldPathOf(invalid) == "customer.name");
  CHECK(ReasonOf(invalid) == "is required");
}

}  // namespace
}  // namespace revhub
