// The Catch2 side of the shared PostgreSQL server: a server or database
// that cannot be had fails the running test. Kept apart from
// postgres_server.cc so that code linked without Catch2's runtime (the
// benchmarks, through HubProcess) can use the server.
#include <catch2/catch.hpp>
#include <string>

#include "tests/support/postgres_server.h"

namespace revhub::testing {

PostgresServer& SharedPostgresServer() {
  std::string error;
  PostgresServer* server = StartSharedPostgresServer(&error);
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
