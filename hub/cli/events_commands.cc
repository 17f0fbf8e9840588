// `revhub events …`: the hub's event log (EventService): tail it (up to the
// newest, or --follow), acknowledge a consumer's progress, show a consumer.
#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/events_format.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

struct EventsFlags {
  // tail
  int64_t from = 0;
  CLI::Option* from_option = nullptr;
  std::vector<std::string> types;
  std::string consumer;
  bool follow = false;
  bool live_only = false;
  // ack, consumer
  int64_t position = 0;
};

absl::StatusOr<std::vector<canon::EventType>> ParseEventTypes(
    const EventsFlags& f) {
  std::vector<canon::EventType> types;
  for (const std::string& name : f.types) {
    absl::StatusOr<int> type =
        ParseEnumShortName(canon::EventType_descriptor(), name, "--type");
    if (!type.ok()) return UsageError(type.status());
    types.push_back(static_cast<canon::EventType>(*type));
  }
  return types;
}

void PrintEvent(const canon::BusinessEvent& event, CommandContext& ctx) {
  if (ctx.json()) {
    ctx.out() << ToJson(event, /*pretty=*/false);
  } else {
    ctx.out() << RenderEventLine(event);
  }
  ctx.out().flush();
}

absl::Status FollowEvents(const EventsFlags& f,
                          const std::vector<canon::EventType>& types,
                          CommandContext& ctx) {
  hubv1::SubscribeRequest request;
  if (f.from_option->count() > 0) request.set_from_position(f.from);
  for (canon::EventType type : types) request.add_types(type);
  request.set_consumer(f.consumer);
  request.set_live_only(f.live_only);
  if (!ctx.json()) ctx.out() << RenderEventLineHeader() << std::flush;
  absl::Status status = ctx.Hub().Subscribe(
      request, [&ctx](const hubv1::SubscribeResponse& response) {
        PrintEvent(response.event(), ctx);
        return true;
      });
  // With --timeout, following for that long and stopping is the request.
  if (absl::IsDeadlineExceeded(status) && ctx.timeout_given()) {
    return absl::OkStatus();
  }
  return status;
}

// Returns where tail starts: --from, else just after --consumer's
// acknowledged position, else 1.
absl::StatusOr<int64_t> TailStart(const EventsFlags& f, CommandContext& ctx) {
  if (f.from_option->count() > 0) return f.from;
  if (f.consumer.empty()) return 1;
  hubv1::GetConsumerRequest request;
  request.set_consumer(f.consumer);
  absl::StatusOr<hubv1::GetConsumerResponse> consumer =
      ctx.Hub().GetConsumer(request);
  if (consumer.ok()) return consumer->consumer().acknowledged_position() + 1;
  // A consumer never seen has acknowledged nothing.
  if (absl::IsNotFound(consumer.status())) return 1;
  return consumer.status();
}

// Reads the log by position (it pages by position, not by token) up to the
// newest event.
absl::Status TailEvents(const EventsFlags& f, CommandContext& ctx) {
  ASSIGN_OR_RETURN(std::vector<canon::EventType> types, ParseEventTypes(f));
  if (f.live_only && !f.follow) {
    return UsageError("--live-only: needs --follow");
  }
  if (f.follow) return FollowEvents(f, types, ctx);

  ASSIGN_OR_RETURN(int64_t position, TailStart(f, ctx));
  std::vector<canon::BusinessEvent> events;
  while (true) {
    hubv1::ListEventsRequest request;
    request.set_from_position(position);
    for (canon::EventType type : types) request.add_types(type);
    ASSIGN_OR_RETURN(hubv1::ListEventsResponse page,
                     ctx.Hub().ListEvents(request));
    for (const canon::BusinessEvent& event : page.events()) {
      if (ctx.json()) {
        PrintEvent(event, ctx);
      } else {
        events.push_back(event);
      }
    }
    if (page.next_position() == 0) break;
    if (page.next_position() <= position) {
      return absl::InternalError(
          absl::StrCat("the hub's next position ", page.next_position(),
                       " does not advance past ", position, "; stopping"));
    }
    position = page.next_position();
  }
  if (!ctx.json()) {
    ctx.out() << (events.empty() ? std::string("no events\n")
                                 : RenderEventTable(events));
  }
  return absl::OkStatus();
}

absl::Status AckEvents(const EventsFlags& f, CommandContext& ctx) {
  hubv1::AcknowledgeEventsRequest request;
  request.set_consumer(f.consumer);
  request.set_position(f.position);
  ASSIGN_OR_RETURN(hubv1::AcknowledgeEventsResponse response,
                   ctx.Hub().AcknowledgeEvents(request));
  ctx.Print(response, RenderConsumer(response.consumer()));
  return absl::OkStatus();
}

absl::Status ShowConsumer(const EventsFlags& f, CommandContext& ctx) {
  hubv1::GetConsumerRequest request;
  request.set_consumer(f.consumer);
  ASSIGN_OR_RETURN(hubv1::GetConsumerResponse response,
                   ctx.Hub().GetConsumer(request));
  ctx.Print(response, RenderConsumer(response.consumer()));
  return absl::OkStatus();
}

}  // namespace

void DefineEventsCommands(CLI::App& app, CommandContext& ctx) {
  EventsFlags& f = ctx.NewFlags<EventsFlags>();
  CLI::App* events =
      app.add_subcommand("events", "The hub's event log of business events");
  events->require_subcommand(1);

  CLI::App* tail = events->add_subcommand(
      "tail",
      "Print events from a position: up to the newest and stop, or with "
      "--follow keep printing them as they commit");
  f.from_option = tail->add_option(
      "--from", f.from,
      "First position to print (default: 1, or just after --consumer's "
      "acknowledged position)");
  f.from_option->check(CLI::PositiveNumber);
  tail->add_option("--type", f.types,
                   "Only these event types, comma separated or repeated (" +
                       EnumChoices(canon::EventType_descriptor()) + ")")
      ->delimiter(',')
      ->allow_extra_args(false);
  tail->add_option("--consumer", f.consumer,
                   "Durable consumer name: resume after its acknowledged "
                   "position (record progress with events ack)");
  tail->add_flag("--follow,-f", f.follow,
                 "Keep streaming live events until interrupted (or "
                 "--timeout)");
  tail->add_flag("--live-only", f.live_only,
                 "With --follow: skip history, only events committed from "
                 "now on");
  ctx.OnParsed(tail, [&f, &ctx] { return TailEvents(f, ctx); });

  CLI::App* ack = events->add_subcommand(
      "ack",
      "Record that a consumer has processed every event up to a "
      "position");
  ack->add_option("--consumer", f.consumer, "Consumer name")->required();
  ack->add_option("--position", f.position,
                  "Last processed position (inclusive)")
      ->required()
      ->check(CLI::PositiveNumber);
  ctx.OnParsed(ack, [&f, &ctx] { return AckEvents(f, ctx); });

  CLI::App* consumer = events->add_subcommand(
      "consumer", "Show a durable consumer and its acknowledged position");
  consumer->add_option("NAME", f.consumer, "Consumer name")->required();
  ctx.OnParsed(consumer, [&f, &ctx] { return ShowConsumer(f, ctx); });
}

}  // namespace revhub::cli
