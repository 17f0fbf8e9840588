#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>

int main(int argc, char* argv[]) {
  // A test's gRPC client is often idle (waiting for a hub it stopped); idle
  // C++ clients only notice a server's GOAWAY on the backup poller, every
  // 5 s by default, and the hub's graceful stop waits for that. Poll often.
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50", /*overwrite=*/0);
  return Catch::Session().run(argc, argv);
}
