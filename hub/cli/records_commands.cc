// `revhub records …`: raw vendor payloads the hub stored (IngestService)
// and what the ingest pipeline made of them (PipelineService): list, get
// (details, with why it has its status and what it waits for, or the
// payload bytes of any size), show (with every exception), exceptions,
// replay (one record, or every FAILED record of a system as an operation
// whose progress is followed), operations, cancel.
#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"
#include "hub/cli/list_commands.h"
#include "hub/cli/records_format.h"

namespace revhub::cli {
namespace {

struct RecordsFlags {
  // list
  FilterValues filters;
  PageFlags page;
  // get, show, replay
  int64_t record_id = 0;
  bool payload = false;
  // exceptions, replay --failed
  std::string system;
  bool open_only = false;
  bool failed = false;
  int limit = 0;
  // replay --resume, cancel
  std::string operation_id;
  // How often a followed operation is polled.
  int poll_ms = 250;
};

absl::Status ListRecords(const RecordsFlags& f, CommandContext& ctx) {
  hubv1::ListRecordsRequest request;
  RETURN_IF_ERROR(ApplyFilters(f.filters, request));
  const Paging paging = Paging::FromFlags(f.page);
  ASSIGN_OR_RETURN(hubv1::ListRecordsResponse all,
                   FetchPages(
                       request, paging,
                       [&ctx](const hubv1::ListRecordsRequest& r) {
                         return ctx.Hub().ListRecords(r);
                       },
                       &hubv1::ListRecordsResponse::mutable_records));
  PrintList(ctx, all, all.records_size(), "records", RenderRecordTable(all),
            paging);
  return absl::OkStatus();
}

// Reads record `record_id`'s payload with ReadRecordPayload, passing each
// chunk's bytes to `sink` in order. DATA_LOSS when the chunks do not join
// up to the payload's size.
absl::Status ReadPayload(CommandContext& ctx, int64_t record_id,
                         const std::function<void(const std::string&)>& sink) {
  hubv1::ReadRecordPayloadRequest request;
  request.set_record_id(record_id);
  int64_t next = 0;
  int64_t size = -1;
  absl::Status broken = absl::OkStatus();
  RETURN_IF_ERROR(ctx.Hub().ReadRecordPayload(
      request, [&](const hubv1::ReadRecordPayloadResponse& chunk) {
        if (chunk.offset() != next) {
          broken = absl::DataLossError(
              absl::StrCat("record ", record_id, ": a chunk at offset ",
                           chunk.offset(), " where ", next, " was expected"));
          return false;
        }
        size = chunk.size_bytes();
        next += static_cast<int64_t>(chunk.data().size());
        sink(chunk.data());
        return true;
      }));
  RETURN_IF_ERROR(broken);
  if (next != size) {
    return absl::DataLossError(absl::StrCat("record ", record_id, ": read ",
                                            next, " bytes of ", size));
  }
  return absl::OkStatus();
}

absl::Status GetRecord(const RecordsFlags& f, CommandContext& ctx) {
  if (f.payload && !ctx.json()) {
    // The bytes exactly as received, streamed: any stored size.
    return ReadPayload(ctx, f.record_id,
                       [&ctx](const std::string& data) { ctx.out() << data; });
  }
  hubv1::GetRecordRequest request;
  request.set_record_id(f.record_id);
  ASSIGN_OR_RETURN(hubv1::GetRecordResponse response,
                   ctx.Hub().GetRecord(request));
  if (!f.payload) {
    response.mutable_record()->clear_payload();
  } else if (response.payload_left_out()) {
    std::string payload;
    RETURN_IF_ERROR(
        ReadPayload(ctx, f.record_id,
                    [&payload](const std::string& data) { payload += data; }));
    response.mutable_record()->set_payload(std::move(payload));
    response.set_payload_left_out(false);
  }
  if (ctx.json()) {
    ctx.out() << ToJson(response, /*pretty=*/true);
  } else {
    ctx.out() << RenderRecord(response.record());
  }
  return absl::OkStatus();
}

absl::Status ShowRecord(const RecordsFlags& f, CommandContext& ctx) {
  hubv1::ShowRecordRequest request;
  request.set_record_id(f.record_id);
  ASSIGN_OR_RETURN(auto response, ctx.Hub().ShowRecord(request));
  ctx.Print(response, RenderRecordWithExceptions(response));
  return absl::OkStatus();
}

absl::Status ListExceptions(const RecordsFlags& f, CommandContext& ctx) {
  hubv1::ListRecordExceptionsRequest request;
  request.set_system(f.system);
  request.set_open_only(f.open_only);
  const Paging paging = Paging::OnePage(f.limit);
  ASSIGN_OR_RETURN(
      hubv1::ListRecordExceptionsResponse all,
      FetchPages(
          request, paging,
          [&ctx](const hubv1::ListRecordExceptionsRequest& r) {
            return ctx.Hub().ListRecordExceptions(r);
          },
          &hubv1::ListRecordExceptionsResponse::mutable_exceptions));
  std::string human;
  for (const auto& e : all.exceptions()) {
    absl::StrAppend(&human, "record ", e.record_id(), " (", e.system(), ")",
                    RenderRecordException(e).substr(1));
  }
  PrintList(ctx, all, all.exceptions_size(), "exceptions", human, paging);
  return absl::OkStatus();
}

// Polls the operation until it ends, drawing its progress: a bar redrawn in
// place on a terminal, else one line per change. Prints the final state
// (with --json: only the operation). An operation that ends CANCELLED or
// FAILED is an error naming how to resume it.
absl::Status FollowOperation(CommandContext& ctx, hubv1::Operation op,
                             int poll_ms) {
  const bool bar = ctx.out_is_terminal() && !ctx.json();
  int64_t shown = -1;
  while (true) {
    if (!ctx.json() && op.done() != shown) {
      shown = op.done();
      if (bar) {
        ctx.out() << "\r" << RenderProgressBar(op) << std::flush;
      } else {
        ctx.out() << RenderOperation(op);
      }
    }
    if (op.state() != hubv1::OPERATION_STATE_RUNNING) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
    hubv1::GetOperationRequest get;
    get.set_operation_id(op.operation_id());
    ASSIGN_OR_RETURN(auto response, ctx.Hub().GetOperation(get));
    op = response.operation();
  }
  if (bar) ctx.out() << "\n";
  hubv1::GetOperationResponse final_state;
  *final_state.mutable_operation() = op;
  ctx.Print(final_state, bar ? RenderOperation(op) : "");
  if (op.state() == hubv1::OPERATION_STATE_CANCELLED ||
      op.state() == hubv1::OPERATION_STATE_FAILED) {
    return absl::AbortedError(
        absl::StrCat(op.operation_id(), " ended ",
                     hubv1::OperationState_Name(op.state()).substr(16),
                     op.error().empty() ? "" : absl::StrCat(": ", op.error()),
                     "; resume it with: revhub records replay --resume ",
                     op.operation_id()));
  }
  return absl::OkStatus();
}

absl::Status Replay(const RecordsFlags& f, CommandContext& ctx) {
  if (!f.failed && f.operation_id.empty()) {
    hubv1::ReplayRecordRequest request;
    request.set_record_id(f.record_id);
    ASSIGN_OR_RETURN(auto response, ctx.Hub().ReplayRecord(request));
    ctx.Print(response, RenderReplayOutcome(response.outcome()));
    return absl::OkStatus();
  }
  hubv1::StartReplayRequest request;
  if (f.operation_id.empty()) {
    request.set_system(f.system);
    request.set_limit(f.limit);
  } else {
    request.set_resume_operation_id(f.operation_id);
  }
  ASSIGN_OR_RETURN(auto started, ctx.Hub().StartReplay(request));
  return FollowOperation(ctx, started.operation(), f.poll_ms);
}

absl::Status CancelOperation(const RecordsFlags& f, CommandContext& ctx) {
  hubv1::CancelOperationRequest request;
  request.set_operation_id(f.operation_id);
  ASSIGN_OR_RETURN(auto response, ctx.Hub().CancelOperation(request));
  ctx.Print(response, RenderOperation(response.operation()));
  return absl::OkStatus();
}

absl::Status ListOperations(const RecordsFlags& f, CommandContext& ctx) {
  hubv1::ListOperationsRequest request;
  request.set_page_size(f.limit == 0 ? 20 : f.limit);
  ASSIGN_OR_RETURN(auto response, ctx.Hub().ListOperations(request));
  std::string human;
  for (const auto& op : response.operations())
    absl::StrAppend(&human, RenderOperation(op));
  if (response.operations_size() == 0) human = "no operations\n";
  ctx.Print(response, human);
  return absl::OkStatus();
}

void AddRecordId(CLI::App* command, RecordsFlags& f) {
  command->add_option("ID", f.record_id, "Record id")
      ->required()
      ->check(CLI::PositiveNumber);
}

}  // namespace

void DefineRecordsCommands(CLI::App& app, CommandContext& ctx) {
  RecordsFlags& f = ctx.NewFlags<RecordsFlags>();
  CLI::App* records =
      app.add_subcommand("records", "Raw vendor payloads the hub has stored");
  records->require_subcommand(1);

  CLI::App* list = records->add_subcommand(
      "list", "List raw records, newest first, without payloads");
  AddFilters(list, hubv1::ListRecordsRequest::descriptor(),
             {{"--system", "system", "Only from this system"},
              {"--status", "status", "Only in this status"},
              {"--object-type", "object_type", "Only this object type"}},
             f.filters);
  AddPageFlags(list, f.page);
  ctx.OnParsed(list, [&f, &ctx] { return ListRecords(f, ctx); });

  CLI::App* get = records->add_subcommand("get", "Show one raw record");
  AddRecordId(get, f);
  get->add_flag("--payload", f.payload,
                "Write the payload bytes exactly as received, of any size, "
                "instead of the record's details (with --json: include it, "
                "base64)");
  ctx.OnParsed(get, [&f, &ctx] { return GetRecord(f, ctx); });

  CLI::App* show = records->add_subcommand(
      "show", "Show one raw record with every exception it had");
  AddRecordId(show, f);
  ctx.OnParsed(show, [&f, &ctx] { return ShowRecord(f, ctx); });

  CLI::App* exceptions = records->add_subcommand(
      "exceptions", "List why records failed, newest first");
  exceptions->add_option("--system", f.system, "Only this system's");
  exceptions->add_flag("--open", f.open_only, "Only those not resolved yet");
  exceptions->add_option("--limit", f.limit, "At most this many (default 100)")
      ->check(CLI::Range(1, 500));
  ctx.OnParsed(exceptions, [&f, &ctx] { return ListExceptions(f, ctx); });

  CLI::App* replay = records->add_subcommand(
      "replay",
      "Translate and apply records again through the system's current "
      "adapter; what already applied is not applied twice");
  CLI::Option* id = replay->add_option("ID", f.record_id, "Record id")
                        ->check(CLI::PositiveNumber);
  CLI::Option* system =
      replay->add_option("--system", f.system, "With --failed: the system");
  CLI::Option* failed = replay->add_flag(
      "--failed", f.failed, "Replay every FAILED record of --system");
  replay->add_option("--limit", f.limit,
                     "With --failed: at most this many (default: all)");
  CLI::Option* resume = replay->add_option(
      "--resume", f.operation_id,
      "Follow a replay operation, resuming it from its cursor when it was "
      "cancelled or failed");
  id->excludes(failed);
  id->excludes(resume);
  failed->needs(system);
  system->needs(failed);
  resume->excludes(failed);
  replay->callback([&f, &ctx, id, failed, resume] {
    if (id->count() == 0 && failed->count() == 0 && resume->count() == 0) {
      throw CLI::ValidationError(
          "replay",
          "give a record ID, --system NAME --failed, or --resume OPERATION_ID");
    }
    ctx.SetAction([&f, &ctx] { return Replay(f, ctx); });
  });

  CLI::App* operations = records->add_subcommand(
      "operations", "List replay operations with their progress, newest first");
  operations->add_option("--limit", f.limit, "At most this many (default 20)")
      ->check(CLI::Range(1, 500));
  ctx.OnParsed(operations, [&f, &ctx] { return ListOperations(f, ctx); });

  CLI::App* cancel = records->add_subcommand(
      "cancel", "Stop a replay operation after the batch in hand");
  cancel->add_option("OPERATION_ID", f.operation_id, "The operation")
      ->required();
  ctx.OnParsed(cancel, [&f, &ctx] { return CancelOperation(f, ctx); });
}

}  // namespace revhub::cli
