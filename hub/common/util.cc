#include "hub/common/util.h"

#include <openssl/evp.h>

#include <random>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/time_util.h"

namespace revhub::hub {

std::string NewId(absl::string_view prefix) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  uint64_t r1 = rng(), r2 = rng();
  // 130 bits: 48 time + 80 random + 2 spare.
  std::string out(prefix);
  out.push_back('_');
  char buf[26];
  for (int i = 9; i >= 0; --i) {
    buf[i] = kAlphabet[ms & 31];
    ms >>= 5;
  }
  for (int i = 10; i < 26; ++i) {
    uint64_t& src = i < 18 ? r1 : r2;
    buf[i] = kAlphabet[src & 31];
    src >>= 5;
  }
  out.append(buf, 26);
  return out;
}

std::string Sha256Hex(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(t));
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace revhub::hub
