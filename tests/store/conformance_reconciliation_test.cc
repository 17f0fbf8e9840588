// Conformance: reconciliation runs and variances (reconciliation_store.h),
// and the posting ledger read whole.
#include <catch2/catch.hpp>
#include <string>

#include "google/protobuf/util/time_util.h"
#include "hub/store/store.h"
#include "tests/store/conformance.h"
#include "tests/store/store_backends.h"

namespace revhub::hub {
namespace {

using namespace conformance;  // NOLINT
using google::protobuf::util::TimeUtil;

hub::v1::Variance MakeVariance(const std::string& id, const std::string& period,
                               hub::v1::VarianceState state,
                               hub::v1::VarianceCategory category) {
  hub::v1::Variance v;
  v.set_variance_id(id);
  v.set_period(period);
  v.set_state(state);
  v.set_category(category);
  v.set_description("about " + id);
  return v;
}

TEST_CASE("variances are rewritten by id, filtered and paged",
          "[store][reconciliation]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    REQUIRE(store
                ->Write([](WriteTxn& txn) -> absl::Status {
                  for (int i = 0; i < 5; ++i) {
                    auto st = txn.PutVariance(
                        MakeVariance("var_" + std::to_string(i), "2026-10",
                                     i % 2 ? hub::v1::VARIANCE_STATE_OPEN
                                           : hub::v1::VARIANCE_STATE_RESOLVED,
                                     hub::v1::VARIANCE_CATEGORY_TIMING),
                        "");
                    if (!st.ok()) return st;
                  }
                  return txn.PutVariance(
                      MakeVariance("var_other", "2026-11",
                                   hub::v1::VARIANCE_STATE_OPEN,
                                   hub::v1::VARIANCE_CATEGORY_MISSING_IN_ERP),
                      "acme-us");
                })
                .ok());
    // Rewriting one id keeps one row.
    REQUIRE(store
                ->Write([](WriteTxn& txn) {
                  return txn.PutVariance(
                      MakeVariance("var_1", "2026-10",
                                   hub::v1::VARIANCE_STATE_ACCEPTED,
                                   hub::v1::VARIANCE_CATEGORY_TIMING),
                      "");
                })
                .ok());
    auto got = store->GetVariance("var_1");
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK((*got)->state() == hub::v1::VARIANCE_STATE_ACCEPTED);
    CHECK_FALSE(store->GetVariance("var_none")->has_value());

    VarianceQuery q;
    q.period = "2026-10";
    q.page_size = 2;
    std::vector<std::string> ids;
    while (true) {
      auto page = store->ListVariances(q);
      REQUIRE(page.ok());
      for (const auto& v : page->variances) ids.push_back(v.variance_id());
      if (page->next_page_token.empty()) break;
      q.page_token = page->next_page_token;
    }
    CHECK(ids == std::vector<std::string>{"var_0", "var_1", "var_2", "var_3",
                                          "var_4"});
    VarianceQuery open;
    open.state = hub::v1::VARIANCE_STATE_OPEN;
    auto opened = store->ListVariances(open);
    REQUIRE(opened.ok());
    REQUIRE(opened->variances.size() == 2);  // var_3, var_other
    CHECK(opened->variances[0].variance_id() == "var_3");
    VarianceQuery bad;
    bad.page_token = "not-a-token";
    CHECK(store->ListVariances(bad).status().code() ==
          absl::StatusCode::kInvalidArgument);
    // By period and legal entity, inside a transaction.
    REQUIRE(store
                ->Write([](WriteTxn& txn) -> absl::Status {
                  auto mine = txn.ListPeriodVariances("2026-11", "acme-us");
                  if (!mine.ok()) return mine.status();
                  if (mine->size() != 1) return absl::InternalError("acme-us");
                  auto none = txn.ListPeriodVariances("2026-11", "");
                  if (!none.ok()) return none.status();
                  if (!none->empty()) return absl::InternalError("every one");
                  return absl::OkStatus();
                })
                .ok());
  }
}

TEST_CASE("the latest run of a period is the one started last",
          "[store][reconciliation]") {
  FOR_EACH_BACKEND {
    auto store = backend.open();
    CHECK_FALSE(store->GetLatestReconciliation("2026-10", "")->has_value());
    for (int i = 1; i <= 3; ++i) {
      hub::v1::ReconciliationReport r;
      r.set_run_id("rec_" + std::to_string(i));
      r.set_period("2026-10");
      *r.mutable_started_at() = TimeUtil::SecondsToTimestamp(1000 * i);
      REQUIRE(
          store->Write([&](WriteTxn& txn) { return txn.PutReconciliation(r); })
              .ok());
    }
    auto latest = store->GetLatestReconciliation("2026-10", "");
    REQUIRE(latest.ok());
    REQUIRE(latest->has_value());
    CHECK((*latest)->run_id() == "rec_3");
    CHECK_FALSE(
        store->GetLatestReconciliation("2026-10", "acme-us")->has_value());
  }
}

}  // namespace
}  // namespace revhub::hub
