// ServeEmulator: how every vendor emulator (tests/vendor_emulator) serves,
// once its flags are read: on 127.0.0.1, every method routed to one handler,
// one line "<MARKER>|127.0.0.1:<port>" on stdout once it listens, until
// SIGTERM or SIGINT, or until its stdin (a pipe or socket: the test or the
// dev stack that started it) closes.
//
// Call from main() before any other thread starts (it blocks the signals
// for every thread it and the server start).
#ifndef REVHUB_TESTS_VENDOR_EMULATOR_EMULATOR_MAIN_H_
#define REVHUB_TESTS_VENDOR_EMULATOR_EMULATOR_MAIN_H_

#include <functional>
#include <string>

#include "httplib.h"

namespace revhub::emulator {

// Serves `handler` on 127.0.0.1:`port` (0: any free port) and prints
// "<marker>|127.0.0.1:<port>". `on_bound(port)` runs once bound, before the
// line is printed; `on_stop()` runs when told to stop, before the server
// stops (it wakes handlers that wait, e.g. a timeout fault). Exits the
// process with 0 when stopped; returns 1 (having said why on stderr, as
// `name`) when it cannot bind.
int ServeEmulator(const std::string& marker, const std::string& name, int port,
                  httplib::Server::Handler handler,
                  const std::function<void(int)>& on_bound,
                  const std::function<void()>& on_stop);

}  // namespace revhub::emulator

#endif  // REVHUB_TESTS_VENDOR_EMULATOR_EMULATOR_MAIN_H_
