// EventService: the event log as a stream, with durable consumers.
//
// A subscription reads the log in pages from its next position up to the
// highest committed position it has seen, writes them one per response (or
// max_batch per response) as they are stored, without parsing them, and
// when it has caught up waits on the EventBus for the next commit. Because
// it always resumes from "the position after the last one it read" and
// positions are dense and assigned in commit order, history turns into live
// events with no gap and no duplicate.
#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "hub/api/services.h"
#include "hub/entities/entity_ops.h"
#include "hub/orchestration/orchestrator.h"
#include "hub/revenue/revenue_records.h"
#include "revhub/hub/v1/event_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;
using hub::v1::Consumer;

constexpr int kPageSize = 1000;
constexpr int kMaxSubscribeBatch = 1000;

absl::Status ValidateConsumerName(const std::string& name) {
  if (name.empty() || name.size() > 128) {
    return absl::InvalidArgumentError("consumer: must be 1 to 128 characters");
  }
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
          c == '.')) {
      return absl::InvalidArgumentError(
          absl::StrCat("consumer: \"", name,
                       "\" may use only letters, digits, '-', '_' and '.'"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTypes(const google::protobuf::RepeatedField<int>& types) {
  for (int i = 0; i < types.size(); ++i) {
    if (types[i] == canonical::v1::EVENT_TYPE_UNSPECIFIED ||
        !canonical::v1::EventType_IsValid(types[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("types[", i, "]: ", types[i], " is not an event type"));
    }
  }
  return absl::OkStatus();
}

// Returns the consumer, creating it at position 0, owned by `principal`,
// when new.
absl::StatusOr<Consumer> EnsureConsumer(Store& store, const std::string& name,
                                        const std::string& principal) {
  Consumer out;
  RETURN_IF_ERROR(store.Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(auto c, txn.GetConsumer(name));
    if (c.has_value()) {
      out = *c;
      return absl::OkStatus();
    }
    out.set_name(name);
    out.set_owner(principal);
    out.set_acknowledged_position(0);
    *out.mutable_created_at() = ToProto(txn.Now());
    *out.mutable_updated_at() = ToProto(txn.Now());
    return txn.PutConsumer(out);
  }));
  return out;
}

// Wire bytes of a SubscribeResponse field holding one stored event: the
// stored BusinessEvent is sent as it is, never parsed and serialised again.
void AppendEmbedded(int field, absl::string_view bytes, std::string* out) {
  using google::protobuf::io::CodedOutputStream;
  const uint32_t tag = static_cast<uint32_t>(field) << 3 | 2;  // LEN
  char head[16];
  uint8_t* p = reinterpret_cast<uint8_t*>(head);
  p = CodedOutputStream::WriteVarint32ToArray(tag, p);
  p = CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(bytes.size()), p);
  out->append(head, reinterpret_cast<char*>(p) - head);
  out->append(bytes.data(), bytes.size());
}

grpc::ByteBuffer ToByteBuffer(std::string bytes) {
  grpc::Slice slice(std::move(bytes));
  return grpc::ByteBuffer(&slice, 1);
}

// Subscribe is served raw (ByteBuffer in and out) so that stored events go
// out as stored: a page is read as bytes (EventLogReader::ReadEventPayloads)
// and framed into responses of up to max_batch events.
class SubscribeReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  SubscribeReactor(HubContext* hub, const hub::v1::SubscribeRequest& req,
                   std::string principal)
      : state_(std::make_shared<State>()) {
    state_->hub = hub;
    state_->principal = std::move(principal);
    state_->reactor = this;
    for (int t : req.types())
      state_->types.push_back(static_cast<EventType>(t));
    state_->max_batch = std::clamp(req.max_batch(), 1, kMaxSubscribeBatch);
    hub->work->Post([req, state = state_] { Start(req, state); });
  }

  // A reactor that only finishes, with `status`: a request that does not
  // parse.
  explicit SubscribeReactor(const grpc::Status& status) { Finish(status); }

  // grpc::ServerWriteReactor:
  void OnWriteDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->write_in_flight = false;
      state_->buffer.pop_front();
      if (!ok) state_->cancelled = true;
    }
    Step(state_);
  }

  void OnCancel() override {
    if (state_ == nullptr) return;
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->cancelled = true;
    }
    Step(state_);
  }

  void OnDone() override {
    if (state_ != nullptr) {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->reactor = nullptr;
    }
    delete this;
  }

 private:
  // Everything the subscription's work shares. Queued fetches and bus
  // waiters hold the State, not the reactor, and reach the reactor only
  // through Step(), which calls it only when the protocol below guarantees
  // it is alive: StartWrite only with no write in flight and Finish not yet
  // decided; Finish exactly once, with no write in flight. gRPC deletes the
  // reactor (OnDone) only after Finish.
  struct State {
    HubContext* hub = nullptr;
    std::string principal;  // the caller, owner of a consumer it creates
    std::mutex mu;
    SubscribeReactor* reactor = nullptr;
    std::vector<EventType> types;
    int max_batch = 1;
    std::deque<grpc::ByteBuffer> buffer;  // serialised SubscribeResponses
    int64_t next_position = 1;
    bool started = false;
    bool write_in_flight = false;
    bool fetch_pending = false;  // a Fetch is queued or running
    bool waiting = false;        // caught up, waiting on the EventBus
    bool cancelled = false;
    bool finishing = false;
    grpc::Status final_status;
  };

  static void Start(const hub::v1::SubscribeRequest& req,
                    const std::shared_ptr<State>& state) {
    auto next = Resolve(*state->hub, req, state->principal);
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->started = true;
      if (next.ok()) {
        state->next_position = *next;
      } else {
        state->cancelled = true;
        state->final_status = ToGrpcStatus(next.status());
      }
    }
    Step(state);
  }

  // Returns the first position to deliver for the request (and consumer).
  static absl::StatusOr<int64_t> Resolve(HubContext& hub,
                                         const hub::v1::SubscribeRequest& req,
                                         const std::string& principal) {
    RETURN_IF_ERROR(ValidateTypes(req.types()));
    if (req.from_position() < 0) {
      return absl::InvalidArgumentError("from_position: must not be negative");
    }
    if (req.max_batch() < 0 || req.max_batch() > kMaxSubscribeBatch) {
      return absl::InvalidArgumentError(
          absl::StrCat("max_batch: ", req.max_batch(), " is not within 0 to ",
                       kMaxSubscribeBatch));
    }
    if (req.live_only() && req.from_position() != 0) {
      return absl::InvalidArgumentError(
          "live_only: cannot be combined with from_position");
    }
    int64_t next = req.from_position() == 0 ? 1 : req.from_position();
    if (!req.consumer().empty()) {
      RETURN_IF_ERROR(ValidateConsumerName(req.consumer()));
      ASSIGN_OR_RETURN(Consumer c,
                       EnsureConsumer(*hub.store, req.consumer(), principal));
      if (req.from_position() == 0) next = c.acknowledged_position() + 1;
    }
    if (req.live_only()) next = hub.events->committed() + 1;
    return next;
  }

  // Decides the next action under the lock and performs it outside.
  static void Step(const std::shared_ptr<State>& state) {
    enum { kNone, kWrite, kFetch, kFinish } action = kNone;
    const grpc::ByteBuffer* msg = nullptr;
    SubscribeReactor* reactor = nullptr;
    grpc::Status final_status;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      reactor = state->reactor;
      if (reactor == nullptr || state->finishing || !state->started) return;
      if (state->write_in_flight || state->fetch_pending) {
        action = kNone;
      } else if (state->cancelled) {
        state->finishing = true;
        final_status = state->final_status;
        action = kFinish;
      } else if (!state->buffer.empty()) {
        state->write_in_flight = true;
        msg = &state->buffer.front();
        action = kWrite;
      } else if (!state->waiting) {
        state->fetch_pending = true;
        action = kFetch;
      }
    }
    switch (action) {
      case kWrite:
        reactor->StartWrite(msg);
        break;
      case kFetch:
        state->hub->work->Post([state] { Fetch(state); });
        break;
      case kFinish:
        reactor->Finish(final_status);
        break;
      case kNone:
        break;
    }
  }

  // Returns the next page of committed events from `from` to `upto`, each
  // as its stored bytes, with their positions.
  static absl::StatusOr<std::vector<EventPayload>> ReadPage(
      HubContext& hub, int64_t from, int64_t upto,
      const std::vector<EventType>& types) {
    if (types.empty()) {
      return hub.store->ReadEventPayloads(from, upto, kPageSize);
    }
    ASSIGN_OR_RETURN(auto events,
                     hub.store->ReadEvents(from, upto, types, kPageSize));
    std::vector<EventPayload> out(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      out[i].position = events[i].position();
      out[i].bytes = events[i].SerializeAsString();
    }
    return out;
  }

  // Reads the next page of committed events into the buffer; when there is
  // none, waits on the EventBus for the next commit. Runs on the work queue.
  static void Fetch(const std::shared_ptr<State>& state) {
    HubContext* hub = state->hub;
    int64_t from = 0;
    std::vector<EventType> types;
    int max_batch = 1;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      if (state->reactor == nullptr || state->finishing) return;
      state->waiting = false;
      state->fetch_pending = !state->cancelled;
      if (state->cancelled) {
        from = -1;
      } else {
        from = state->next_position;
        types = state->types;
        max_batch = state->max_batch;
      }
    }
    if (from < 0) {
      Step(state);
      return;
    }
    if (hub->events->closed()) {
      {
        std::lock_guard<std::mutex> lock(state->mu);
        state->fetch_pending = false;
        state->cancelled = true;
        state->final_status = grpc::Status(
            grpc::StatusCode::UNAVAILABLE,
            "revhubd is shutting down; resubscribe from the next position");
      }
      Step(state);
      return;
    }
    const int64_t upto = hub->events->committed();
    if (upto < from) {
      {
        std::lock_guard<std::mutex> lock(state->mu);
        state->fetch_pending = false;
        state->waiting = true;
      }
      hub->events->CallWhenBeyond(from - 1, [state] { Fetch(state); });
      Step(state);  // a cancel that came meanwhile finishes now
      return;
    }
    auto events = ReadPage(*hub, from, upto, types);
    // Framed outside the lock: one response per event, or per max_batch.
    std::vector<grpc::ByteBuffer> framed;
    if (events.ok()) {
      const int field = max_batch > 1 ? 2 : 1;
      for (size_t i = 0; i < events->size();) {
        std::string wire;
        const size_t end =
            std::min(events->size(), i + static_cast<size_t>(max_batch));
        for (; i < end; ++i) AppendEmbedded(field, (*events)[i].bytes, &wire);
        framed.push_back(ToByteBuffer(std::move(wire)));
      }
    }
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->fetch_pending = false;
      if (!events.ok()) {
        state->cancelled = true;
        state->final_status = ToGrpcStatus(events.status());
      } else {
        // A full page may stop short of `upto`; resume after its last event.
        state->next_position = static_cast<int>(events->size()) == kPageSize
                                   ? events->back().position + 1
                                   : upto + 1;
        for (auto& b : framed) state->buffer.push_back(std::move(b));
      }
    }
    Step(state);
  }

  std::shared_ptr<State> state_;
};

class EventServiceImpl final
    : public hub::v1::EventService::WithRawCallbackMethod_Subscribe<
          hub::v1::EventService::CallbackService> {
 public:
  explicit EventServiceImpl(HubContext* hub) : hub_(hub) {}

  // EventService:
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(
      CallbackServerContext* context, const grpc::ByteBuffer* raw) override {
    hub::v1::SubscribeRequest req;
    grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(raw));
    if (!req.ParseFromZeroCopyStream(&reader)) {
      return new SubscribeReactor(grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT, "request: does not parse"));
    }
    return new SubscribeReactor(hub_, req, PrincipalOf(context));
  }

  ServerUnaryReactor* AcknowledgeEvents(
      CallbackServerContext* context,
      const hub::v1::AcknowledgeEventsRequest* req,
      hub::v1::AcknowledgeEventsResponse* resp) override {
    std::string principal = PrincipalOf(context);
    const bool admin = RoleOf(context) == "admin";
    return RunUnary(
        hub_, context, [this, req, resp, principal, admin]() -> absl::Status {
          RETURN_IF_ERROR(ValidateConsumerName(req->consumer()));
          if (req->consumer() == kRevenueConsumer ||
              req->consumer() == kOrchestratorConsumer) {
            // The hub's own consumers move their position in the same
            // transaction as their work; an outside acknowledgement would make
            // them skip events.
            return absl::InvalidArgumentError(
                absl::StrCat("consumer: \"", req->consumer(),
                             "\" is one of the hub's own consumers; only its "
                             "work moves it"));
          }
          if (req->position() < 0) {
            return absl::InvalidArgumentError("position: must not be negative");
          }
          const int64_t last = hub_->store->LastEventPosition();
          if (req->position() > last) {
            return absl::InvalidArgumentError(
                absl::StrCat("position: ", req->position(),
                             " is beyond the last event (", last, ")"));
          }
          return hub_->store->Write([&](WriteTxn& txn) -> absl::Status {
            ASSIGN_OR_RETURN(auto existing, txn.GetConsumer(req->consumer()));
            Consumer c;
            bool claimed = false;
            if (existing.has_value()) {
              c = *existing;
              if (c.owner().empty()) {
                // Created before consumers had owners: the first to acknowledge
                // it owns it.
                c.set_owner(principal);
                claimed = true;
              } else if (c.owner() != principal && !admin) {
                return absl::PermissionDeniedError(absl::StrCat(
                    "consumer: \"", req->consumer(), "\" belongs to \"",
                    c.owner(), "\"; only it or an admin may acknowledge it"));
              }
            } else {
              c.set_name(req->consumer());
              c.set_owner(principal);
              *c.mutable_created_at() = ToProto(txn.Now());
            }
            if (req->position() > c.acknowledged_position() ||
                !existing.has_value() || claimed) {
              c.set_acknowledged_position(
                  std::max(c.acknowledged_position(), req->position()));
              *c.mutable_updated_at() = ToProto(txn.Now());
              RETURN_IF_ERROR(txn.PutConsumer(c));
            }
            *resp->mutable_consumer() = c;
            return absl::OkStatus();
          });
        });
  }

  ServerUnaryReactor* ListEvents(CallbackServerContext* context,
                                 const hub::v1::ListEventsRequest* req,
                                 hub::v1::ListEventsResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      RETURN_IF_ERROR(ValidateTypes(req->types()));
      RETURN_IF_ERROR(CheckPageSize(req->page_size(), 1000));
      if (req->from_position() < 0) {
        return absl::InvalidArgumentError(
            "from_position: must not be negative");
      }
      const int limit = req->page_size() == 0 ? 100 : req->page_size();
      const int64_t from = std::max<int64_t>(1, req->from_position());
      const int64_t upto = hub_->store->LastEventPosition();
      std::vector<EventType> types;
      for (int t : req->types()) types.push_back(static_cast<EventType>(t));
      ASSIGN_OR_RETURN(auto events,
                       hub_->store->ReadEvents(from, upto, types, limit));
      const bool full = static_cast<int>(events.size()) == limit;
      for (auto& e : events) *resp->add_events() = std::move(e);
      if (full) {
        resp->set_next_position(resp->events().rbegin()->position() + 1);
      } else if (upto >= from) {
        resp->set_next_position(0);
      }
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* GetConsumer(CallbackServerContext* context,
                                  const hub::v1::GetConsumerRequest* req,
                                  hub::v1::GetConsumerResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      RETURN_IF_ERROR(ValidateConsumerName(req->consumer()));
      ASSIGN_OR_RETURN(auto c, hub_->store->GetConsumer(req->consumer()));
      if (!c.has_value()) {
        return absl::NotFoundError(
            absl::StrCat("consumer \"", req->consumer(), "\" not found"));
      }
      *resp->mutable_consumer() = *c;
      return absl::OkStatus();
    });
  }

 private:
  HubContext* hub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewEventService(HubContext* hub) {
  return std::make_unique<EventServiceImpl>(hub);
}

}  // namespace revhub::hub
