#include "hub/web/json_gateway.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace revhub::hub::web {

namespace {

namespace pb = google::protobuf;

HttpResponse JsonError(absl::StatusCode code, absl::string_view message) {
  HttpResponse r;
  r.status = HttpStatusOf(code);
  r.body = nlohmann::json{{"error", std::string(message)},
                          {"code", absl::StatusCodeToString(code)}}
               .dump();
  return r;
}

// The gRPC status codes share absl's numbering.
absl::StatusCode CodeOf(const grpc::Status& st) {
  return static_cast<absl::StatusCode>(st.error_code());
}

const pb::MethodDescriptor* FindMethod(const std::string& package,
                                       absl::string_view rest,
                                       std::string* error) {
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos || slash == 0 ||
      slash + 1 == rest.size()) {
    *error = absl::StrCat("path: \"/api/", rest,
                          "\" is not /api/<package.Service>/<Method>");
    return nullptr;
  }
  const std::string service(rest.substr(0, slash));
  const std::string method(rest.substr(slash + 1));
  if (!absl::StartsWith(service, package + ".")) {
    *error = absl::StrCat("path: service \"", service,
                          "\" is not served here (only ", package, ".*)");
    return nullptr;
  }
  const pb::ServiceDescriptor* s =
      pb::DescriptorPool::generated_pool()->FindServiceByName(service);
  if (s == nullptr) {
    *error = absl::StrCat("path: no service \"", service, "\"");
    return nullptr;
  }
  const pb::MethodDescriptor* m = s->FindMethodByName(method);
  if (m == nullptr) {
    *error = absl::StrCat("path: service ", service, " has no method \"",
                          method, "\"");
    return nullptr;
  }
  return m;
}

std::string WireName(const pb::MethodDescriptor& m) {
  return absl::StrCat("/", m.service()->full_name(), "/", m.name());
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

bool FromBuffer(const grpc::ByteBuffer& buffer, std::string* bytes) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  bytes->clear();
  for (const grpc::Slice& s : slices) {
    bytes->append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return true;
}

}  // namespace

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kFailedPrecondition:
      return 412;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

HttpResponse JsonGateway::Call(const HttpRequest& request) const {
  std::string error;
  const pb::MethodDescriptor* m =
      FindMethod(options_.package, request.rest, &error);
  if (m == nullptr) return JsonError(absl::StatusCode::kNotFound, error);
  const std::string wire = WireName(*m);
  if (m->client_streaming() || m->server_streaming()) {
    return JsonError(absl::StatusCode::kInvalidArgument,
                     absl::StrCat("path: ", wire,
                                  " streams its messages; call it over gRPC"));
  }
  const std::string authorization =
      request.Header("authorization").value_or("");
  absl::Status admitted = options_.admit(wire, authorization);
  if (!admitted.ok()) return JsonError(admitted.code(), admitted.message());

  // The hub's own messages: their generated classes.
  pb::MessageFactory* factory = pb::MessageFactory::generated_factory();
  std::unique_ptr<pb::Message> in(
      factory->GetPrototype(m->input_type())->New());
  const std::string body =
      absl::StripAsciiWhitespace(request.body).empty() ? "{}" : request.body;
  pb::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = false;
  const auto parsed = pb::util::JsonStringToMessage(body, in.get(), parse);
  if (!parsed.ok()) {
    return JsonError(absl::StatusCode::kInvalidArgument,
                     absl::StrCat("body: not a ", m->input_type()->full_name(),
                                  " in JSON: ", parsed.message().ToString()));
  }
  std::string request_bytes;
  if (!in->SerializeToString(&request_bytes)) {
    return JsonError(absl::StatusCode::kInternal,
                     "body: the request could not be serialized");
  }

  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
  for (const char* name : {"traceparent", "tracestate"}) {
    if (auto v = request.Header(name); v.has_value() && !v->empty()) {
      ctx.AddMetadata(name, *v);
    }
  }
  if (!request.remote_address.empty()) {
    ctx.AddMetadata("x-forwarded-for", request.remote_address);
  }
  grpc::GenericStub stub(options_.channel);
  grpc::CompletionQueue cq;
  const grpc::ByteBuffer sent = ToBuffer(request_bytes);
  grpc::ByteBuffer received;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&ctx, wire, sent, &cq);
  call->StartCall();
  call->Finish(&received, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  if (!cq.Next(&tag, &ok) || !ok) {
    return JsonError(absl::StatusCode::kInternal,
                     absl::StrCat(wire, ": the call did not complete"));
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (!status.ok()) return JsonError(CodeOf(status), status.error_message());

  std::string response_bytes;
  std::unique_ptr<pb::Message> out(
      factory->GetPrototype(m->output_type())->New());
  if (!FromBuffer(received, &response_bytes) ||
      !out->ParseFromString(response_bytes)) {
    return JsonError(absl::StatusCode::kInternal,
                     absl::StrCat(wire, ": the response could not be read"));
  }
  pb::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;
  HttpResponse r;
  const auto printed = pb::util::MessageToJsonString(*out, &r.body, print);
  if (!printed.ok()) {
    return JsonError(absl::StatusCode::kInternal,
                     absl::StrCat(wire, ": ", printed.message().ToString()));
  }
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse JsonGateway::Describe() const {
  nlohmann::json methods = nlohmann::json::array();
  for (const std::string& name : options_.methods) {
    if (!absl::StartsWith(name, absl::StrCat("/", options_.package, "."))) {
      continue;
    }
    std::string error;
    const pb::MethodDescriptor* m =
        FindMethod(options_.package, absl::string_view(name).substr(1), &error);
    if (m == nullptr) continue;
    const bool streaming = m->client_streaming() || m->server_streaming();
    methods.push_back({{"method", name},
                       {"request", m->input_type()->full_name()},
                       {"response", m->output_type()->full_name()},
                       {"streaming", streaming},
                       {"served", !streaming}});
  }
  HttpResponse r;
  r.body = nlohmann::json{{"methods", methods}}.dump();
  return r;
}

}  // namespace revhub::hub::web
