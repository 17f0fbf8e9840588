// The revhub adapter SDK: write the mappings, the SDK does the rest.
//
// An adapter is one process that serves revhub.adapter.v1.AdapterService.
// The author implements `Adapter` (what the adapter is, how a vendor record
// becomes canonical entities, how a canonical change reaches the vendor) and
// calls RunAdapterMain from main(). The SDK owns everything else:
//
//  * the gRPC server (callback API; work runs on an SDK worker pool, never
//    on a gRPC thread) and grpc.health.v1.Health;
//  * the plugin handshake: listen on 127.0.0.1 port 0, then print exactly
//    one line on stdout,
//        REVHUB-ADAPTER|<protocol version>|tcp|127.0.0.1:<port>\n
//    (protocol version is kProtocolVersion) and nothing else on stdout;
//  * configuration: the hub sends the system's configuration with every
//    call; the SDK validates it against the fields the adapter declares and
//    answers with field errors ("config.base_url: required") before the
//    adapter sees it;
//  * error conventions: a mapping error (MappingError in mapping.h) becomes
//    a FAILED translation naming the vendor field path; a record is
//    translated whole or not at all; exceptions thrown by mapping code are
//    caught at the SDK boundary and reported as failures, never crash;
//  * logging: one line per message on stderr, with every configured secret's
//    value replaced by "[REDACTED]";
//  * clean exit: on SIGTERM or SIGINT, and when stdin is a pipe and it
//    closes (the hub went away), the server drains and the process exits 0.
//
// Thread safety: the SDK calls Translate, Check and Apply concurrently from
// several threads. Implementations must be thread-safe; stateless mappings
// are.
#ifndef REVHUB_ADAPTERS_SDK_ADAPTER_H_
#define REVHUB_ADAPTERS_SDK_ADAPTER_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "revhub/adapter/v1/adapter_service.pb.h"

namespace revhub::adapter {

using adapter::v1::ApplyRequest;
using adapter::v1::ApplyResponse;
using adapter::v1::CanonicalEntity;
using adapter::v1::FieldError;
using adapter::v1::InboundObjectType;
using adapter::v1::OutboundOperation;
using adapter::v1::ReadableObjectType;
using adapter::v1::ReadRequest;
using adapter::v1::ReadResponse;
using adapter::v1::SourcedRecord;
using adapter::v1::TranslationResult;
using adapter::v1::VendorRateLimit;
using adapter::v1::VendorRecord;
using adapter::v1::VerifyWebhookRequest;
using adapter::v1::VerifyWebhookResponse;
using canonical::v1::EntityType;
using canonical::v1::EventType;
using canonical::v1::ExternalRef;

inline constexpr int kProtocolVersion = 1;
inline constexpr char kHandshakePrefix[] = "REVHUB-ADAPTER";
inline constexpr char kCanonicalSchemaVersion[] = "revhub.canonical.v1";

// ConfigType is the JSON type (and rule) of a configuration field.
enum class ConfigType {
  kString,
  kInteger,  // a JSON integer, >= 0
  kBoolean,
  kUrl,        // a string starting with http:// or https://
  kCurrency,   // an ISO 4217 code
  kStringMap,  // an object whose values are strings
};

// ConfigField declares one configuration field.
struct ConfigField {
  std::string name;
  ConfigType type = ConfigType::kString;
  bool required = false;
  // Never logged, never echoed in errors.
  bool secret = false;
  std::string description;
  // JSON text of the default value; empty for none.
  std::string default_json;
  // When not empty, the values allowed: the value of a kString field, every
  // value of a kStringMap field. Published as a JSON Schema "enum".
  std::vector<std::string> allowed_values;
};

// Config is a configuration that passed validation. Getters return the
// value or the declared default. REQUIRES: name is a declared field of the
// getter's type.
class Config {
 public:
  // Validates `config_json` (an object; "" or "null" means empty) against
  // `fields`. On failure returns INVALID_ARGUMENT and appends one error per
  // broken rule to `errors`, paths prefixed "config.".
  static absl::StatusOr<Config> Parse(absl::string_view config_json,
                                      const std::vector<ConfigField>& fields,
                                      std::vector<FieldError>* errors);

  bool Has(absl::string_view name) const;
  std::string GetString(absl::string_view name) const;
  int64_t GetInt(absl::string_view name) const;
  bool GetBool(absl::string_view name) const;
  std::map<std::string, std::string> GetStringMap(absl::string_view name) const;
  // The values of the secret fields, for redaction.
  const std::vector<std::string>& secret_values() const { return secrets_; }

 private:
  std::map<std::string, std::string, std::less<>> values_;  // JSON text
  std::vector<std::string> secrets_;
};

// Returns the JSON Schema (draft 2020-12) text describing `fields`.
std::string ConfigJsonSchema(const std::vector<ConfigField>& fields);

// Logger writes "<RFC 3339 time> <LEVEL> <adapter>: <message>" lines to
// stderr, replacing every secret value with [REDACTED]. Thread-safe.
class Logger {
 public:
  Logger(std::string adapter_name, std::vector<std::string> secrets);
  void Info(absl::string_view message) const;
  void Warn(absl::string_view message) const;
  void Error(absl::string_view message) const;
  // Returns the message with secrets replaced.
  std::string Redact(absl::string_view message) const;

 private:
  void Write(absl::string_view level, absl::string_view message) const;
  std::string adapter_name_;
  std::vector<std::string> secrets_;
};

// AdapterInfo is what Describe reports.
struct AdapterInfo {
  std::string name;     // "stripe"
  std::string vendor;   // "Stripe Billing"
  std::string version;  // "1.0.0"
  std::vector<InboundObjectType> inbound;
  std::vector<OutboundOperation> outbound;
  std::vector<ConfigField> config_fields;
  // Pull: the object types Read serves and the vendor's documented limits.
  std::vector<ReadableObjectType> readable;
  std::vector<VendorRateLimit> rate_limits;
  // Webhooks: VerifyWebhook is implemented, and how it authenticates.
  bool verifies_webhooks = false;
  std::string webhook_authentication;
};

// TranslateContext is one record to translate.
struct TranslateContext {
  absl::string_view system;
  const VendorRecord& record;
  const Config& config;
  const Logger& log;
  // Returns ExternalRef{system, object_type, vendor_id}.
  ExternalRef Ref(absl::string_view object_type,
                  absl::string_view vendor_id) const;
};

// TranslationBuilder collects what one record becomes.
class TranslationBuilder {
 public:
  explicit TranslationBuilder(TranslationResult* result) : result_(result) {}
  // Adds an entity; returns its index (for Link and AddEvent).
  int AddEntity(CanonicalEntity entity);
  // Records that entity `index`'s hub-id field at `field_path` refers to the
  // entity of `target_type` known by `target`.
  void Link(int index, absl::string_view field_path, EntityType target_type,
            const ExternalRef& target);
  // Adds a business event about entity `index`.
  void AddEvent(EventType type, int index,
                const google::protobuf::Timestamp* occurred_at,
                absl::string_view vendor_event_id = "");
  // Marks the record as having nothing for the canonical model.
  void Skip(absl::string_view reason);
  TranslationResult& result() { return *result_; }

 private:
  TranslationResult* result_;
};

// CheckContext is a configuration to check.
struct CheckContext {
  absl::string_view system;
  const Config& config;
  const Logger& log;
};

// ApplyContext is one change to deliver.
struct ApplyContext {
  absl::string_view system;
  const Config& config;
  const ApplyRequest& request;
  const Logger& log;
};

// ReadContext is one page to read. The SDK has checked that
// request.object_type() is one of AdapterInfo::readable.
struct ReadContext {
  absl::string_view system;
  const Config& config;
  const ReadRequest& request;
  const Logger& log;
};

// WebhookContext is one HTTP request the hub received for the system.
struct WebhookContext {
  absl::string_view system;
  const Config& config;
  const VerifyWebhookRequest& request;
  const Logger& log;
  // Returns the first header named `name` (any case), or nullopt.
  std::optional<std::string> Header(absl::string_view name) const;
};

// Results of Read. ReadPage leaves outcome OK; fill records, next_cursor,
// has_more.
ReadResponse ReadRetry(absl::string_view reason,
                       std::chrono::milliseconds delay,
                       absl::string_view vendor_code = "");
ReadResponse ReadFailed(absl::string_view reason,
                        absl::string_view vendor_code = "");
// Returns what a vendor answer that is not a 2xx means for a read: RETRY
// (after Retry-After, or `fallback`) for 408, 409, 425, 429 and 5xx; FAILED
// naming the status otherwise. `body` is shortened into the reason.
ReadResponse ReadHttpFailure(int http_status, absl::string_view body,
                             std::chrono::milliseconds retry_after);

// Results of VerifyWebhook.
VerifyWebhookResponse WebhookRefused(absl::string_view reason);
VerifyWebhookResponse WebhookAccepted(absl::string_view vendor_event_id,
                                      absl::string_view event_type);

// Returns the record a pull or a webhook delivers, keyed
// "<object_type>/<vendor_id>@<version>" so that both ways give one record.
SourcedRecord MakeSourcedRecord(absl::string_view object_type,
                                absl::string_view vendor_id,
                                absl::string_view version,
                                std::string payload_json);

// Results of Apply.
ApplyResponse Applied(std::vector<ExternalRef> vendor_refs);
ApplyResponse Rejected(absl::string_view reason,
                       absl::string_view field_path = "",
                       absl::string_view vendor_code = "");
ApplyResponse Retry(absl::string_view reason, std::chrono::milliseconds delay,
                    absl::string_view vendor_code = "");

// Adapter is what an adapter author implements.
class Adapter {
 public:
  virtual ~Adapter() = default;

  // Returns the description. Called once at start.
  virtual AdapterInfo Info() const = 0;

  // Translates ctx.record into `out`. Returns OK, or a mapping error
  // (MappingError) naming the vendor field path, or another status for
  // records of a type the adapter does not translate (INVALID_ARGUMENT with
  // path "object_type"). On error anything added to `out` is discarded.
  virtual absl::Status Translate(const TranslateContext& ctx,
                                 TranslationBuilder& out) = 0;

  // Returns OK when the vendor is reachable and accepts the credentials;
  // UNAVAILABLE or DEADLINE_EXCEEDED when it cannot be reached;
  // UNAUTHENTICATED or PERMISSION_DENIED when the credentials are refused.
  // The default has nothing to reach and returns OK.
  virtual absl::Status Check(const CheckContext& ctx);

  // Delivers ctx.request. The default rejects: no outbound operations.
  virtual ApplyResponse Apply(const ApplyContext& ctx);

  // Reads one page (see ReadRequest). Never throws for vendor answers:
  // transient ones are ReadRetry, lasting ones ReadFailed. The default
  // fails: the adapter reads nothing.
  virtual ReadResponse Read(const ReadContext& ctx);

  // Verifies one webhook delivery: WebhookRefused with a reason naming the
  // header or field at fault (never a secret), or WebhookAccepted with the
  // records it carries. The default refuses: no webhooks.
  virtual VerifyWebhookResponse VerifyWebhook(const WebhookContext& ctx);
};

// Runs the adapter process: parses flags, serves until told to stop, and
// returns the process exit code. Flags:
//   --listen=HOST:PORT   listen address (default 127.0.0.1:0)
//   --describe           print Describe as JSON on stdout and exit
int RunAdapterMain(std::unique_ptr<Adapter> adapter, int argc, char** argv);

}  // namespace revhub::adapter

#endif  // REVHUB_ADAPTERS_SDK_ADAPTER_H_
