// Runs the Node client (an independent gRPC implementation loading the
// project's .proto files) against a real revhubd.
#include <cstdio>
#include <cstdlib>

#include "tests/support/auth.h"
#include "tests/support/hub_fixture.h"

namespace revhub::testing {
namespace {

TEST_CASE("a Node @grpc/grpc-js client registers, upserts and reads back",
          "[interop]") {
  Hub hub;
  const std::string node_modules =
      SourceDir() + "/cmake/node-tools/node_modules";
  // The Node client acts as its own principal, recorded on its events.
  const std::string token =
      CreatePrincipal(hub.process->channel(), "interop-node", v1::ROLE_ADMIN);
  std::string cmd = "REVHUB_TOKEN='" + token + "' NODE_PATH='" + node_modules +
                    "' node '" + SourceDir() +
                    "/tests/e2e/interop_client.js' " + hub.process->address() +
                    " '" + SourceDir() + "/protos' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
  int rc = pclose(p);
  INFO(out);
  CHECK(WEXITSTATUS(rc) == 0);
  CHECK(out.find("interop ok") != std::string::npos);

  // What the Node client wrote is there for the C++ client too.
  v1::ListCustomersRequest l;
  l.set_system("hubspot-node");
  v1::ListCustomersResponse listed;
  REQUIRE(hub.customers->ListCustomers(Ctx().get(), l, &listed).ok());
  REQUIRE(listed.customers_size() == 1);
  CHECK(listed.customers(0).legal_entity() == "de-gmbh");
  v1::ListEventsResponse events;
  REQUIRE(hub.events->ListEvents(Ctx().get(), v1::ListEventsRequest(), &events)
              .ok());
  // The registration, then the customer.
  REQUIRE(events.events_size() == 2);
  CHECK(events.events(0).type() == cv1::EVENT_TYPE_SYSTEM_REGISTERED);
  CHECK(events.events(0).principal() == "interop-node");
  CHECK(events.events(1).principal() == "interop-node");
}

}  // namespace
}  // namespace revhub::testing
