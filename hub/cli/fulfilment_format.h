// What `revhub usage …`, `revhub deliveries …` and `revhub periods …`
// print: usage records, deliveries and accounting periods as tables. Pure:
// text from messages, no I/O.
#ifndef REVHUB_HUB_CLI_FULFILMENT_FORMAT_H_
#define REVHUB_HUB_CLI_FULFILMENT_FORMAT_H_

#include <string>

#include "google/protobuf/repeated_field.h"
#include "revhub/hub/v1/revenue_service.pb.h"

namespace revhub::cli {

namespace hubv1 = ::revhub::hub::v1;

// ID, CONTRACT, LINE, QUANTITY, START, END, VERSION; "no usage records\n"
// when empty.
std::string RenderUsageTable(
    const google::protobuf::RepeatedPtrField<canonical::v1::UsageRecord>& r);
// ID, CONTRACT, LINE, KIND, AT, QUANTITY (activation, "all" when unset),
// MILESTONE, SHARE, VERSION; "no deliveries\n" when empty.
std::string RenderDeliveryTable(
    const google::protobuf::RepeatedPtrField<canonical::v1::Delivery>& d);
// PERIOD, LEGAL ENTITY ("all" for every entity), STATE (closed, reopened),
// CHANGED AT, BY, REASON; "no period was ever closed\n" when empty.
std::string RenderPeriodTable(
    const google::protobuf::RepeatedPtrField<hubv1::AccountingPeriod>& p);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_FULFILMENT_FORMAT_H_
