// AuditService: reading and verifying the audit log (hub/store/audit_log.h).
// The rows themselves are appended by the audit interceptor
// (audit_interceptor.h), not here.
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/api/services.h"
#include "hub/entities/entity_ops.h"
#include "revhub/hub/v1/audit_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

absl::StatusOr<AuditQuery> ToQuery(const hub::v1::ListAuditRecordsRequest& r) {
  RETURN_IF_ERROR(CheckPageSize(r.page_size(), 1000));
  AuditQuery q;
  q.principal = r.principal();
  if (absl::StartsWith(r.method(), "/")) {
    q.method = r.method();
  } else if (r.method().find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "method: \"", r.method(),
        "\" must be a full method (\"/revhub.hub.v1.Service/Method\") or a "
        "method name (\"RegisterSystem\")"));
  } else {
    q.method_name = r.method();
  }
  if (r.has_since()) q.since = FromProto(r.since());
  if (r.has_until()) q.until = FromProto(r.until());
  if (r.has_since() && r.has_until() && q.until <= q.since) {
    return absl::InvalidArgumentError("until: must be later than since");
  }
  const size_t eq = r.target().find('=');
  if (eq == std::string::npos) {
    q.target_value = r.target();
  } else {
    q.target_field = r.target().substr(0, eq);
    q.target_value = r.target().substr(eq + 1);
    if (q.target_field.empty() || q.target_value.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "target: \"", r.target(), "\" must be VALUE or FIELD=VALUE"));
    }
  }
  if (!r.page_token().empty() &&
      (!absl::SimpleAtoi(r.page_token(), &q.after_seq) || q.after_seq < 0)) {
    return absl::InvalidArgumentError(absl::StrCat("page_token: \"",
                                                   r.page_token(),
                                                   "\" is not one this "
                                                   "service returned"));
  }
  q.limit = r.page_size() == 0 ? 100 : r.page_size();
  return q;
}

class AuditServiceImpl final : public hub::v1::AuditService::CallbackService {
 public:
  explicit AuditServiceImpl(HubContext* hub) : hub_(hub) {}

  // AuditService:
  ServerUnaryReactor* ListAuditRecords(
      CallbackServerContext* context,
      const hub::v1::ListAuditRecordsRequest* req,
      hub::v1::ListAuditRecordsResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      ASSIGN_OR_RETURN(AuditQuery query, ToQuery(*req));
      const int page_size = query.limit;
      query.limit = page_size + 1;
      ASSIGN_OR_RETURN(auto rows, hub_->store->ListAuditRecords(query));
      if (static_cast<int>(rows.size()) > page_size) {
        rows.pop_back();
        resp->set_next_page_token(absl::StrCat(rows.back().seq()));
      }
      for (auto& row : rows) *resp->add_records() = std::move(row);
      return absl::OkStatus();
    });
  }

  ServerUnaryReactor* VerifyAuditLog(
      CallbackServerContext* context, const hub::v1::VerifyAuditLogRequest* req,
      hub::v1::VerifyAuditLogResponse* resp) override {
    return RunUnary(hub_, context, [this, req, resp]() -> absl::Status {
      std::optional<AuditAnchor> anchor;
      if (req->expected_head_seq() < 0) {
        return absl::InvalidArgumentError(
            "expected_head_seq: must not be negative");
      }
      if (req->expected_head_seq() > 0) {
        if (req->expected_head_hash().size() != 64) {
          return absl::InvalidArgumentError(
              "expected_head_hash: must be the 64 hex digits a verify printed "
              "with expected_head_seq");
        }
        anchor =
            AuditAnchor{req->expected_head_seq(), req->expected_head_hash()};
      } else if (!req->expected_head_hash().empty()) {
        return absl::InvalidArgumentError(
            "expected_head_seq: is required with expected_head_hash");
      }
      ASSIGN_OR_RETURN(AuditVerification v,
                       hub_->store->VerifyAuditLog(anchor));
      resp->set_intact(v.broken == hub::v1::AUDIT_BREAK_UNSPECIFIED);
      resp->set_rows_checked(v.rows_checked);
      resp->set_head_seq(v.head_seq);
      resp->set_head_hash(v.head_hash);
      resp->set_broken(v.broken);
      resp->set_broken_seq(v.broken_seq);
      resp->set_detail(v.detail);
      return absl::OkStatus();
    });
  }

 private:
  HubContext* hub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewAuditService(HubContext* hub) {
  return std::make_unique<AuditServiceImpl>(hub);
}

}  // namespace revhub::hub
