#include "tests/support/systems.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "tests/support/hub_process.h"
#include "tests/support/rpc.h"

namespace revhub::testing {

namespace v1 = ::revhub::hub::v1;
using google::protobuf::util::TimeUtil;

std::string AdapterCommand(const std::string& vendor) {
  return "revhub-adapter-" + vendor;
}

v1::RegisterSystemRequest AdapterSystem(const std::string& name,
                                        v1::SystemKind kind,
                                        const std::string& vendor,
                                        const std::string& config_text,
                                        const std::string& system_text) {
  v1::RegisterSystemRequest req = Text<v1::RegisterSystemRequest>(
      absl::StrCat("system { ", system_text, " }"));
  auto* s = req.mutable_system();
  s->set_name(name);
  s->set_kind(kind);
  s->mutable_adapter()->mutable_launch()->set_command(AdapterCommand(vendor));
  *s->mutable_config() = Text<google::protobuf::Struct>(config_text);
  req.set_replace_existing(true);
  return req;
}

void SetDelivery(v1::System* system, int max_attempts, int initial_backoff_ms,
                 int max_backoff_ms) {
  auto* d = system->mutable_delivery();
  d->set_max_attempts(max_attempts);
  *d->mutable_initial_backoff() =
      TimeUtil::MillisecondsToDuration(initial_backoff_ms);
  *d->mutable_max_backoff() = TimeUtil::MillisecondsToDuration(max_backoff_ms);
}

v1::RegisterSystemRequest UnreachableErp() {
  v1::RegisterSystemRequest reg =
      AdapterSystem("netsuite", v1::SYSTEM_KIND_ERP, "netsuite", "");
  auto* sys = reg.mutable_system();
  auto& config = *sys->mutable_config()->mutable_fields();
  config["base_url"].set_string_value("http://127.0.0.1:9");
  config["access_token"].set_string_value("t");
  config["connect_timeout_ms"].set_number_value(200);
  SetDelivery(sys, /*max_attempts=*/3, /*initial_backoff_ms=*/20,
              /*max_backoff_ms=*/50);
  return reg;
}

void Register(v1::SystemRegistryService::Stub& registry,
              const v1::RegisterSystemRequest& request) {
  v1::RegisterSystemResponse resp;
  INFO("registering " << request.system().name());
  REQUIRE_GRPC_OK(registry.RegisterSystem(Ctx().get(), request, &resp));
}

void RegisterSystem(v1::SystemRegistryService::Stub& registry,
                    const std::string& name, v1::SystemKind kind) {
  v1::RegisterSystemRequest req;
  req.mutable_system()->set_name(name);
  req.mutable_system()->set_kind(kind);
  Register(registry, req);
}

}  // namespace revhub::testing
