#include "hub/api/audit_interceptor.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "hub/api/rpc.h"
#include "hub/common/util.h"
#include "hub/observability/log.h"

namespace revhub::hub {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using grpc::experimental::InterceptionHookPoints;

constexpr std::array<std::string_view, 12> kIdentifyingFields = {
    "name",      "system",       "source_system", "contract_id",
    "record_id", "exception_id", "workflow_id",   "consumer",
    "period",    "period_start", "period_end",    "idempotency_key"};

bool IsIdentifying(std::string_view name) {
  for (std::string_view n : kIdentifyingFields) {
    if (n == name) return true;
  }
  return false;
}

// The value of a singular scalar field as text; "" for zero, empty, or a
// type that identifies nothing.
std::string ScalarText(const Message& m, const FieldDescriptor* f) {
  const auto* r = m.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return r->GetString(m, f);
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t v = r->GetInt64(m, f);
      return v == 0 ? "" : absl::StrCat(v);
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      const int32_t v = r->GetInt32(m, f);
      return v == 0 ? "" : absl::StrCat(v);
    }
    default:
      return "";
  }
}

void Add(std::vector<hub::v1::AuditTarget>* out, std::string field,
         std::string value) {
  if (value.empty()) return;
  hub::v1::AuditTarget t;
  t.set_field(std::move(field));
  t.set_value(std::move(value));
  out->push_back(std::move(t));
}

// F.id (or F.name when F has no id) and F.external_refs of message field F.
void AddEntityTargets(const std::string& prefix, const Message& m,
                      std::vector<hub::v1::AuditTarget>* out) {
  const auto* d = m.GetDescriptor();
  const FieldDescriptor* id = d->FindFieldByName("id");
  const FieldDescriptor* key = id != nullptr ? id : d->FindFieldByName("name");
  if (key != nullptr && !key->is_repeated() &&
      key->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    Add(out, absl::StrCat(prefix, ".", key->name()), ScalarText(m, key));
  }
  const FieldDescriptor* refs = d->FindFieldByName("external_refs");
  if (refs == nullptr || !refs->is_repeated() ||
      refs->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return;
  }
  const auto* r = m.GetReflection();
  for (int i = 0; i < r->FieldSize(m, refs); ++i) {
    const Message& ref = r->GetRepeatedMessage(m, refs, i);
    const auto* rd = ref.GetDescriptor();
    std::string parts[3];
    const char* names[3] = {"system", "object_type", "vendor_id"};
    for (int p = 0; p < 3; ++p) {
      const FieldDescriptor* f = rd->FindFieldByName(names[p]);
      if (f != nullptr && !f->is_repeated()) parts[p] = ScalarText(ref, f);
    }
    Add(out, absl::StrCat(prefix, ".external_refs"),
        absl::StrCat(parts[0], "/", parts[1], "/", parts[2]));
  }
}

// Appends `row` in a write transaction of its own.
absl::Status AppendRow(Store* store, const hub::v1::AuditRecord& row) {
  return store->Write(
      [&](WriteTxn& txn) { return txn.AppendAudit(row).status(); });
}

// The targets one message of a client stream adds to its call's row: its
// own (AuditTargetsOf) and those of each message field, prefixed with the
// field's name ("record.system" of an IngestStreamRequest); never an
// idempotency key, which differs in every message.
std::vector<hub::v1::AuditTarget> StreamMessageTargets(const Message& m) {
  std::vector<hub::v1::AuditTarget> out = AuditTargetsOf(m);
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated() || f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        !r->HasField(m, f)) {
      continue;
    }
    for (auto& t : AuditTargetsOf(r->GetMessage(m, f))) {
      t.set_field(absl::StrCat(f->name(), ".", t.field()));
      out.push_back(std::move(t));
    }
  }
  out.erase(std::remove_if(out.begin(), out.end(),
                           [](const hub::v1::AuditTarget& t) {
                             return absl::EndsWith(t.field(),
                                                   "idempotency_key");
                           }),
            out.end());
  return out;
}

// Distinct targets a streaming call's row keeps at most (a backfill sends
// thousands of messages that name the same few systems).
constexpr int kMaxStreamTargets = 16;

class AuditInterceptor final : public grpc::experimental::Interceptor {
 public:
  AuditInterceptor(Store* store, grpc::experimental::ServerRpcInfo* info)
      : store_(store),
        info_(info),
        client_streams_(
            info->type() ==
                grpc::experimental::ServerRpcInfo::Type::CLIENT_STREAMING ||
            info->type() ==
                grpc::experimental::ServerRpcInfo::Type::BIDI_STREAMING) {
    row_.set_method(info->method());
  }

  // grpc::experimental::Interceptor:
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE)) {
      void* received = methods->GetRecvMessage();
      if (received != nullptr) {
        const auto& request = *static_cast<const Message*>(received);
        if (client_streams_) {
          AddStreamMessage(request);
        } else if (messages_ == 0) {
          messages_ = 1;
          for (auto& t : AuditTargetsOf(request)) *row_.add_targets() = t;
          row_.set_request_sha256(Sha256Hex(DeterministicBytes(request)));
        }
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      row_.set_principal(PrincipalOf(info_->server_context()));
      row_.set_role(RoleOf(info_->server_context()));
      row_.set_code(static_cast<int32_t>(status.error_code()));
      row_.set_message(status.error_message());
      if (client_streams_) {
        AddTarget(row_.mutable_targets(), "messages", absl::StrCat(messages_));
      }
      absl::Status appended = AppendRow(store_, row_);
      if (!appended.ok()) {
        observability::LogError(
            "audit",
            absl::StrCat("audit row not written: ", appended.message()),
            {{"method", row_.method()}});
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INTERNAL,
            absl::StrCat("the call's audit row could not be written (",
                         appended.message(),
                         "); the change may have been made")));
      }
    }
    methods->Proceed();
  }

 private:
  // A client stream's row: the distinct targets of its messages, the
  // number of messages, and a digest of them all chained in order
  // (h = SHA-256(h || message)), which for one message is that message's
  // digest, as for a unary call.
  void AddStreamMessage(const Message& request) {
    ++messages_;
    row_.set_request_sha256(Sha256Hex(
        absl::StrCat(row_.request_sha256(), DeterministicBytes(request))));
    for (auto& t : StreamMessageTargets(request)) {
      bool seen = false;
      for (const auto& have : row_.targets()) {
        if (have.field() == t.field() && have.value() == t.value()) {
          seen = true;
          break;
        }
      }
      if (!seen && row_.targets_size() < kMaxStreamTargets) {
        *row_.add_targets() = std::move(t);
      }
    }
  }

  static void AddTarget(
      google::protobuf::RepeatedPtrField<hub::v1::AuditTarget>* to,
      std::string field, std::string value) {
    hub::v1::AuditTarget* t = to->Add();
    t->set_field(std::move(field));
    t->set_value(std::move(value));
  }

  Store* store_;
  grpc::experimental::ServerRpcInfo* info_;
  const bool client_streams_;
  hub::v1::AuditRecord row_;
  int64_t messages_ = 0;
};

class AuditInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  AuditInterceptorFactory(Store* store, MutatingMethodPredicate mutates)
      : store_(store), mutates_(std::move(mutates)) {}

  // grpc::experimental::ServerInterceptorFactoryInterface:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (info->method() == nullptr || !mutates_(info->method())) return nullptr;
    return new AuditInterceptor(store_, info);
  }

 private:
  Store* store_;
  MutatingMethodPredicate mutates_;
};

}  // namespace

std::vector<hub::v1::AuditTarget> AuditTargetsOf(const Message& request) {
  std::vector<hub::v1::AuditTarget> out;
  const auto* d = request.GetDescriptor();
  const auto* r = request.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (r->HasField(request, f)) {
        AddEntityTargets(f->name(), r->GetMessage(request, f), &out);
      }
    } else if (IsIdentifying(f->name())) {
      Add(&out, f->name(), ScalarText(request, f));
    }
  }
  return out;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewAuditInterceptorFactory(Store* store, MutatingMethodPredicate mutates) {
  return std::make_unique<AuditInterceptorFactory>(store, std::move(mutates));
}

absl::Status AppendRefusedCallAudit(Store* store, const std::string& principal,
                                    const std::string& role,
                                    std::string_view method,
                                    const absl::Status& status) {
  hub::v1::AuditRecord row;
  row.set_principal(principal);
  row.set_role(role);
  row.set_method(std::string(method));
  row.set_code(static_cast<int32_t>(status.code()));
  row.set_message(std::string(status.message()));
  return AppendRow(store, row);
}

}  // namespace revhub::hub
