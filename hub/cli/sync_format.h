// What `revhub sync …` prints: a pull's progress (a bar on a terminal, a
// line per page otherwise) and the table of where every pull stands. Pure:
// text from messages, no I/O.
#ifndef REVHUB_HUB_CLI_SYNC_FORMAT_H_
#define REVHUB_HUB_CLI_SYNC_FORMAT_H_

#include <string>

#include "revhub/hub/v1/sync_service.pb.h"

namespace revhub::cli {

namespace hubv1 = ::revhub::hub::v1;

// "stripe/invoice [#######-----]  47%  4,700/10,000 records  12 pages
// 950/s  ETA 6s" when the vendor gave a total, else without bar and ETA;
// no newline.
std::string RenderSyncProgressBar(const hubv1::RunSyncResponse& p);
// One line with a newline: "stripe/invoice: 12 pages, 4700 records (4650
// new, 50 duplicates), 950/s, 1 retry" plus "done" or the error.
std::string RenderSyncProgressLine(const hubv1::RunSyncResponse& p);
// A table: SYSTEM, OBJECT TYPE, SCHEDULE, LAST RUN, CAUGHT UP, LAG,
// RECORDS, ERRORS, NEXT RUN, CURSOR; then the last error of each failing
// pull.
std::string RenderSyncStatusTable(const hubv1::GetSyncStatusResponse& r);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_SYNC_FORMAT_H_
