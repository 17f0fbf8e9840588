// The process's shared PostgreSQL for Catch2 tests. Kept apart from
// postgres_server.cc so that benches, which have no Catch2 runtime, can
// link PostgresServer alone.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

#include "tests/support/postgres_server.h"

namespace revhub::testing {

PostgresServer& SharedPostgresServer() {
  static std::mutex mu;
  static PostgresServer* server = nullptr;
  static std::string error;
  std::lock_guard<std::mutex> lock(mu);
  if (server == nullptr && error.empty()) {
    std::unique_ptr<PostgresServer> s = PostgresServer::Start(&error);
    if (s != nullptr) {
      server = s.release();
      // Stopped at exit, after main returns: the test binary leaves no
      // server behind.
      std::atexit([] {
        delete server;
        server = nullptr;
      });
    }
  }
  INFO("PostgreSQL: " << error);
  REQUIRE(server != nullptr);
  return *server;
}

std::string FreshPostgresDatabase(const std::string& prefix,
                                  const std::string& template_name) {
  std::string error;
  std::string url =
      SharedPostgresServer().CreateFreshDatabase(prefix, &error, template_name);
  INFO("creating a database: " << error);
  REQUIRE(!url.empty());
  return url;
}

}  // namespace revhub::testing
