#include "canonical/field_path.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace revhub {
namespace {

constexpr char kFieldPathPayload[] = "type.revhub.dev/revhub.FieldPath";

}  // namespace

absl::Status FieldError(absl::StatusCode code, absl::string_view field_path,
                        absl::string_view reason) {
  absl::Status status(code, field_path.empty()
                                ? std::string(reason)
                                : absl::StrCat(field_path, ": ", reason));
  status.SetPayload(kFieldPathPayload, absl::Cord(field_path));
  return status;
}

std::string FieldPathOf(const absl::Status& status) {
  auto path = status.GetPayload(kFieldPathPayload);
  return path ? std::string(*path) : std::string();
}

std::string ReasonOf(const absl::Status& status) {
  const std::string path = FieldPathOf(status);
  absl::string_view message = status.message();
  if (!path.empty() && message.size() >= path.size() + 2 &&
      message.substr(0, path.size()) == path &&
      message.substr(path.size(), 2) == ": ") {
    message.remove_prefix(path.size() + 2);
  }
  return std::string(message);
}

}  // namespace revhub
