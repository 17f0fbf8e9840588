#include "hub/store/audit_log.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace revhub::hub {
namespace {

void Put(std::string* out, absl::string_view text) {
  absl::StrAppend(out, text.size(), ":", text, ",");
}

}  // namespace

std::string AuditRowEncoding(const hub::v1::AuditRecord& row) {
  std::string out;
  Put(&out, row.prev_hash());
  Put(&out, absl::StrCat(row.seq()));
  const int64_t micros =
      row.recorded_at().seconds() * 1000000 + row.recorded_at().nanos() / 1000;
  Put(&out, absl::StrCat(micros));
  Put(&out, row.principal());
  Put(&out, row.role());
  Put(&out, row.method());
  Put(&out, absl::StrCat(row.targets_size()));
  for (const hub::v1::AuditTarget& t : row.targets()) {
    Put(&out, t.field());
    Put(&out, t.value());
  }
  Put(&out, row.request_sha256());
  Put(&out, absl::StrCat(row.code()));
  Put(&out, row.message());
  return out;
}

}  // namespace revhub::hub
