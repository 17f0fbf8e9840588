// DrainLines: what an adapter process writes on stderr (or on stdout after
// its handshake), passed on as the hub's own log lines.
#ifndef REVHUB_HUB_ADAPTER_HOST_OUTPUT_LINES_H_
#define REVHUB_HUB_ADAPTER_HOST_OUTPUT_LINES_H_

#include <string>

namespace revhub::hub {

// Reads `fd` to its end and logs each line the adapter `command` wrote on
// `stream` ("stderr", "stdout") as one hub log line (component "adapter",
// with the executable's name), so the hub's stderr stays in one format
// (--log-format); a line longer than 64 KiB is cut into several. Closes
// fd. Blocks until the writer closes its end: run it on a thread of its
// own.
void DrainLines(int fd, const std::string& command, const char* stream);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_ADAPTER_HOST_OUTPUT_LINES_H_
