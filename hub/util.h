// Small helpers shared by the hub's services: ids, hashes, time and status
// conversions.
#ifndef REVHUB_HUB_UTIL_H_
#define REVHUB_HUB_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace revhub::hub {

// Returns a new hub id: `prefix` + "_" + 26 characters of Crockford base32
// (48 bits of milliseconds, then 80 random bits), so ids sort by creation.
std::string NewId(absl::string_view prefix);

// Returns the lower-case hex SHA-256 of bytes.
std::string Sha256Hex(absl::string_view bytes);

// Returns the message's deterministic serialization (map entries sorted), for
// hashing requests.
std::string DeterministicBytes(const google::protobuf::Message& message);

google::protobuf::Timestamp ToProto(absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& t);

// Returns the gRPC status for an absl::Status: same code, same message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Returns who is calling: the x-revhub-principal metadata when present, else
// "anonymous".
std::string PrincipalOf(const grpc::CallbackServerContext* context);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_UTIL_H_
