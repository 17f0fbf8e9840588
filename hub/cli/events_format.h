// What `revhub events …` prints: events as a table or as fixed-width lines
// of a followed stream, and a durable consumer. Pure: text from messages,
// no I/O.
#ifndef REVHUB_HUB_CLI_EVENTS_FORMAT_H_
#define REVHUB_HUB_CLI_EVENTS_FORMAT_H_

#include <string>
#include <vector>

#include "hub/cli/client.h"

namespace revhub::cli {

// Returns the events as a table.
std::string RenderEventTable(
    const std::vector<canonical::v1::BusinessEvent>& events);

// One line for one event of a followed stream, columns of fixed minimum
// width (the same columns as RenderEventTable), ending in '\n'.
std::string RenderEventLine(const canonical::v1::BusinessEvent& event);
// The header line matching RenderEventLine.
std::string RenderEventLineHeader();

// Returns the consumer and its acknowledged position.
std::string RenderConsumer(const hubv1::Consumer& consumer);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_EVENTS_FORMAT_H_
