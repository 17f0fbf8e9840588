// hub/common: small helpers every hub library may use: ids, hashes,
// deterministic serialization and time conversions. No I/O, no gRPC.
#ifndef REVHUB_HUB_COMMON_UTIL_H_
#define REVHUB_HUB_COMMON_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace revhub::hub {

// The principal of what the hub does by itself, not for a call: its own
// event consumers, audit rows of changes no call made.
inline constexpr char kHubPrincipal[] = "revhubd";

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

}  // namespace revhub::hub

#endif  // REVHUB_HUB_COMMON_UTIL_H_
