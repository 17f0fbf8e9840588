// Pull and push agree: the same Stripe objects arrive both by a full pull
// and by webhooks, interleaved, and each object version is one raw record.
// A change made afterwards (a new version) is one more record, however
// many times it is pulled and delivered.
#include <thread>

#include "tests/e2e/connectors_harness.h"

namespace revhub::testing {
namespace {

TEST_CASE(
    "a pull and webhooks of the same objects give one record per "
    "version",
    "[sync][webhook]") {
  VendorEmulator stripe("stripe-emulator",
                        {std::string("--api-key=") + kStripeApiKey});
  stripe.Generate(300);
  Hub hub({"--http-listen", "127.0.0.1:0"});
  RegisterStripe(hub, "stripe", stripe, {}, 0, 20);
  const std::string url =
      "http://" + hub.process->http_address() + "/webhooks/stripe";
  const std::vector<std::string> types = {"customer", "product", "price"};
  RegisterStripe(hub, "stripe", stripe, types, 0, 20);
  const auto objects = EmulatorObjects(stripe, types);
  REQUIRE(objects.size() > 20);

  // Webhooks for every object while the pulls run.
  std::thread pushes([&] {
    for (const auto& [type, id] : objects) {
      nlohmann::json r =
          stripe.SendWebhook({{"url", url},
                              {"secret", kStripeWebhookSecret},
                              {"type", type},
                              {"id", id},
                              {"event_type", type + ".updated"}});
      CHECK(r.at("status") == 200);
    }
  });
  for (const auto& t : types) {
    auto [status, last] = RunSync(hub, "stripe", t, /*full=*/true);
    CHECK(status.error_message() == "");
  }
  pushes.join();

  std::vector<v1::RawRecord> records = AllRecords(hub, "stripe");
  std::set<std::pair<std::string, std::string>> seen;
  int twice = 0;
  for (const auto& r : records) {
    if (!seen.insert(TypeAndId(r)).second) ++twice;
  }
  CHECK(twice == 0);
  CHECK(seen == objects);
  CHECK(records.size() == objects.size());

  // A new version of one customer: pulled again and delivered again, it is
  // one more record.
  const auto& [type, id] = *objects.begin();
  stripe.Post("/__control/touch",
              {{"type", type},
               {"id", id},
               {"set", {{"metadata", {{"tier", "gold"}}}}}});
  nlohmann::json r = stripe.SendWebhook({{"url", url},
                                         {"secret", kStripeWebhookSecret},
                                         {"type", type},
                                         {"id", id},
                                         {"event_type", type + ".updated"}});
  CHECK(r.at("status") == 200);
  for (int i = 0; i < 2; ++i) {
    auto [status, last] = RunSync(hub, "stripe", type, /*full=*/false);
    CHECK(status.error_message() == "");
    auto [full_status, full_last] = RunSync(hub, "stripe", type, true);
    CHECK(full_status.error_message() == "");
  }
  CHECK(AllRecords(hub, "stripe").size() == objects.size() + 1);
}

}  // namespace
}  // namespace revhub::testing
