#include "hub/events/consumers.h"

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"

namespace revhub::hub {

absl::Status AdvanceConsumer(WriteTxn& txn, absl::string_view name,
                             int64_t expected, int64_t position) {
  ASSIGN_OR_RETURN(auto consumer, txn.GetConsumer(name));
  hub::v1::Consumer c;
  if (consumer.has_value()) {
    c = *consumer;
  } else {
    c.set_name(std::string(name));
    c.set_owner(kHubPrincipal);
    *c.mutable_created_at() = ToProto(txn.Now());
  }
  if (c.acknowledged_position() != expected) {
    return absl::AbortedError(absl::StrCat("consumer ", name, " is at ",
                                           c.acknowledged_position(),
                                           ", expected ", expected));
  }
  c.set_acknowledged_position(position);
  *c.mutable_updated_at() = ToProto(txn.Now());
  return txn.PutConsumer(c);
}

}  // namespace revhub::hub
