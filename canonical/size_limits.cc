#include "canonical/size_limits.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "canonical/field_path.h"
#include "canonical/status_macros.h"
#include "google/protobuf/descriptor.h"

namespace revhub {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status TooLarge(const std::string& path, absl::string_view what) {
  return FieldError(absl::StatusCode::kInvalidArgument, path, what);
}

absl::Status CheckMessage(const Message& m, const std::string& path,
                          const SizeLimits& limits, int depth);

// Checks one value of `field` (element `index` when repeated) at `path`.
absl::Status CheckValue(const Message& m, const FieldDescriptor* field,
                        int index, const std::string& path,
                        const SizeLimits& limits, int depth) {
  const Reflection* r = m.GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s =
          index < 0 ? r->GetStringReference(m, field, &scratch)
                    : r->GetRepeatedStringReference(m, field, index, &scratch);
      if (static_cast<int64_t>(s.size()) > limits.max_string_bytes) {
        return TooLarge(path, absl::StrCat("is ", s.size(),
                                           " bytes, more than the limit of ",
                                           limits.max_string_bytes));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return CheckMessage(index < 0 ? r->GetMessage(m, field)
                                    : r->GetRepeatedMessage(m, field, index),
                          path, limits, depth + 1);
    default:
      return absl::OkStatus();
  }
}

// The path of map entry `entry`: `attributes["key"]` for a string key.
std::string MapEntryPath(const std::string& path, const Message& entry) {
  const FieldDescriptor* key = entry.GetDescriptor()->map_key();
  const Reflection* r = entry.GetReflection();
  if (key->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    std::string k = r->GetString(entry, key);
    if (k.size() > 64) k = absl::StrCat(k.substr(0, 64), "...");
    return absl::StrCat(path, "[\"", k, "\"]");
  }
  return absl::StrCat(path, "[]");
}

absl::Status CheckMessage(const Message& m, const std::string& path,
                          const SizeLimits& limits, int depth) {
  if (depth > limits.max_depth) {
    return TooLarge(path, absl::StrCat("nests more than ", limits.max_depth,
                                       " messages deep"));
  }
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string fpath = absl::StrCat(path, ".", f->name());
    if (!f->is_repeated()) {
      RETURN_IF_ERROR(CheckValue(m, f, -1, fpath, limits, depth));
      continue;
    }
    const int n = r->FieldSize(m, f);
    if (f->is_map()) {
      if (n > limits.max_map_entries) {
        return TooLarge(fpath, absl::StrCat("has ", n,
                                            " entries, more than the "
                                            "limit of ",
                                            limits.max_map_entries));
      }
      for (int i = 0; i < n; ++i) {
        const Message& entry = r->GetRepeatedMessage(m, f, i);
        const std::string epath = MapEntryPath(fpath, entry);
        const Reflection* er = entry.GetReflection();
        std::vector<const FieldDescriptor*> kv;
        er->ListFields(entry, &kv);
        for (const FieldDescriptor* part : kv) {
          RETURN_IF_ERROR(CheckValue(entry, part, -1, epath, limits, depth));
        }
      }
      continue;
    }
    if (n > limits.max_repeated) {
      return TooLarge(fpath, absl::StrCat("has ", n,
                                          " elements, more than the "
                                          "limit of ",
                                          limits.max_repeated));
    }
    for (int i = 0; i < n; ++i) {
      RETURN_IF_ERROR(
          CheckValue(m, f, i, absl::StrCat(fpath, "[", i, "]"), limits, depth));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckSizeLimits(const Message& message, absl::string_view root,
                             const SizeLimits& limits) {
  return CheckMessage(message, std::string(root), limits, 0);
}

}  // namespace revhub
