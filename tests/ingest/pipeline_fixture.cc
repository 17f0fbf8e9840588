#include "tests/ingest/pipeline_fixture.h"

namespace revhub::testing {

std::string Account(const std::string& id, const std::string& name) {
  return SalesforceAccount(id, name, "2025-03-01T10:00:00.000+0000");
}

std::string Opportunity(const std::string& id, const std::string& account,
                        const std::string& product, int quantity) {
  return SalesforceOpportunity(id, account, "2025-03-14",
                               {.id = "00k" + id,
                                .product_id = product,
                                .quantity = quantity,
                                .unit_price = "1200.50",
                                .service_date = "2025-04-01",
                                .end_date = "2026-03-31"});
}

int64_t CountOf(const std::vector<cv1::BusinessEvent>& events,
                const std::string& subject_id) {
  int64_t n = 0;
  for (const auto& e : events) n += e.subject().id() == subject_id;
  return n;
}

}  // namespace revhub::testing
