#include "hub/adapter_host/output_lines.h"

#include <unistd.h>

#include <cerrno>

#include "hub/observability/log.h"

namespace revhub::hub {

void DrainLines(int fd, const std::string& command, const char* stream) {
  const std::string name = command.substr(command.rfind('/') + 1);
  auto emit = [&](const std::string& line) {
    observability::LogInfo("adapter", line,
                           {{"adapter", name}, {"stream", stream}});
  };
  std::string pending;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n <= 0) continue;
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      emit(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
    if (pending.size() > 65536) {
      emit(pending);
      pending.clear();
    }
  }
  if (!pending.empty()) emit(pending);
  close(fd);
}

}  // namespace revhub::hub
