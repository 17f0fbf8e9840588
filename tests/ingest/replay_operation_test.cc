// Bulk replay as a long-running operation through a real revhubd with the
// Stripe adapter: progress (done/total), cancel and resume from the cursor,
// a restart in the middle, listing; every record replayed exactly once per
// operation (each replay of a broken price adds one exception attempt).
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/ingest/pipeline_fixture.h"

namespace revhub::testing {
namespace {

constexpr int kRecords = 150;

// A price whose unit_amount is not a number: it fails, and so does every
// replay of it.
std::string BrokenPrice(int i) {
  return absl::StrCat(R"json({"id": "price_Broken)json", i,
                      R"json(", "object": "price", "active": true,
      "created": 1735000100, "currency": "usd", "product": "prod_Any)json",
                      i, R"json(", "recurring": null, "type": "one_time",
      "unit_amount": "ten"})json");
}

v1::Operation GetOp(PipelineHub& hub, const std::string& id) {
  v1::GetOperationRequest req;
  req.set_operation_id(id);
  return CallOk(*hub.pipeline, &v1::PipelineService::Stub::GetOperation, req)
      .operation();
}

// Polls until the operation is no longer RUNNING (at most 120 s).
v1::Operation AwaitEnd(PipelineHub& hub, const std::string& id) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  v1::Operation op = GetOp(hub, id);
  while (op.state() == v1::OPERATION_STATE_RUNNING &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    op = GetOp(hub, id);
  }
  return op;
}

v1::Operation Start(PipelineHub& hub, const std::string& system,
                    const std::string& resume = "") {
  v1::StartReplayRequest req;
  req.set_system(system);
  req.set_resume_operation_id(resume);
  return CallOk(*hub.pipeline, &v1::PipelineService::Stub::StartReplay, req)
      .operation();
}

TEST_CASE(
    "a bulk replay is an operation with progress, cancel, resume and "
    "restart",
    "[pipeline][operations]") {
  PipelineHub hub({"--pipeline-batch-size", "1"});
  hub.Register(
      "stripe", v1::SYSTEM_KIND_BILLING, "stripe",
      R"(fields { key: "default_currency" value { string_value: "USD" } })");
  std::vector<int64_t> ids;
  for (int i = 0; i < kRecords; ++i)
    ids.push_back(hub.Ingest("stripe", "price", BrokenPrice(i)));
  for (int64_t id : ids)
    REQUIRE(hub.Settle(id, 60) == v1::RECORD_STATUS_FAILED);
  for (int64_t id : {ids.front(), ids.back()})
    REQUIRE(hub.Show(id).exceptions_size() == 1);

  // Started, then cancelled after the batch in hand.
  v1::Operation op = Start(hub, "stripe");
  CHECK(op.state() == v1::OPERATION_STATE_RUNNING);
  CHECK(op.total() == kRecords);
  CHECK(op.operation_id().rfind("op_", 0) == 0);
  v1::CancelOperationRequest cancel;
  cancel.set_operation_id(op.operation_id());
  CallOk(*hub.pipeline, &v1::PipelineService::Stub::CancelOperation, cancel);
  v1::Operation cancelled = AwaitEnd(hub, op.operation_id());
  REQUIRE(cancelled.state() == v1::OPERATION_STATE_CANCELLED);
  CHECK(cancelled.done() < kRecords);
  CHECK(cancelled.done() == cancelled.failed());

  // Resumed from its cursor: it ends with every record done once.
  v1::Operation resumed = Start(hub, "", op.operation_id());
  CHECK(resumed.state() == v1::OPERATION_STATE_RUNNING);
  v1::Operation done = AwaitEnd(hub, op.operation_id());
  REQUIRE(done.state() == v1::OPERATION_STATE_SUCCEEDED);
  CHECK(done.done() == kRecords);
  CHECK(done.total() == kRecords);
  CHECK(done.failed() == kRecords);
  CHECK(done.applied() == 0);
  CHECK(done.cursor() == ids.back());
  for (int64_t id : {ids.front(), ids[kRecords / 2], ids.back()})
    CHECK(hub.Show(id).exceptions_size() == 2);

  // A SUCCEEDED operation is not resumed.
  v1::StartReplayRequest again;
  again.set_resume_operation_id(op.operation_id());
  v1::StartReplayResponse again_resp;
  CHECK(
      hub.pipeline->StartReplay(Ctx().get(), again, &again_resp).error_code() ==
      grpc::StatusCode::FAILED_PRECONDITION);

  // A second operation survives a restart in its middle and finishes.
  v1::Operation second = Start(hub, "stripe");
  hub.Restart();
  v1::Operation after = AwaitEnd(hub, second.operation_id());
  REQUIRE(after.state() == v1::OPERATION_STATE_SUCCEEDED);
  CHECK(after.done() == kRecords);
  for (int64_t id : {ids.front(), ids[kRecords / 2], ids.back()})
    CHECK(hub.Show(id).exceptions_size() == 3);

  // Listed newest first.
  v1::ListOperationsRequest list;
  auto listed =
      CallOk(*hub.pipeline, &v1::PipelineService::Stub::ListOperations, list);
  REQUIRE(listed.operations_size() == 2);
  CHECK(listed.operations(0).operation_id() == second.operation_id());
  CHECK(listed.operations(1).operation_id() == op.operation_id());

  // Unknown ids and systems are named.
  v1::GetOperationRequest unknown;
  unknown.set_operation_id("op_999");
  v1::GetOperationResponse unknown_resp;
  grpc::Status st =
      hub.pipeline->GetOperation(Ctx().get(), unknown, &unknown_resp);
  CHECK(st.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(st.error_message() == "operation_id: no operation \"op_999\"");
  v1::StartReplayRequest nosys;
  nosys.set_system("nope");
  v1::StartReplayResponse nosys_resp;
  st = hub.pipeline->StartReplay(Ctx().get(), nosys, &nosys_resp);
  CHECK(st.error_code() == grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace revhub::testing
