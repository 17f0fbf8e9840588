// libFuzzer target: the proto-JSON documents the hub takes from people (the
// CLI's entity upsert and contract lifecycle files, a system as a JSON
// client registers it, a system's `--config-file`): parsed by
// google::protobuf::util::JsonStringToMessage with unknown fields refused,
// the options of the CLI's ParseJsonStrict (hub/cli/command_context.h), then
// put through the checks the hub runs on them without a store: an entity's
// validation, index entries and event description
// (hub/entities/entity_traits.h), a system's matching rules
// (hub/entities/matching.h).
//
// Input: "<type>\n<json>" (tests/fuzz/fuzz_input.h) with type customer,
// product, contract, invoice, payment, system or config.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "hub/entities/entity_traits.h"
#include "hub/entities/matching.h"
#include "revhub/hub/v1/system_registry_service.pb.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace cv1 = revhub::canonical::v1;

// Returns whether `json` parses into `message` as the CLI parses it.
bool ParseStrict(const std::string& json, google::protobuf::Message& message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  return google::protobuf::util::JsonStringToMessage(json, &message, options)
      .ok();
}

template <typename T>
void CheckEntity(const std::string& json) {
  T entity;
  if (!ParseStrict(json, entity)) return;
  using Traits = revhub::hub::EntityTraits<T>;
  if (!Traits::Validate(entity).ok()) return;
  (void)Traits::Index(entity);
  cv1::BusinessEvent event;
  Traits::DescribeChange(nullptr, entity, &event);
  Traits::DescribeChange(&entity, entity, &event);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> kTypes = {
      "customer", "product", "contract", "invoice",
      "payment",  "system",  "config"};
  const auto input = revhub::fuzz::SplitFuzzInput(data, size, kTypes);
  const std::string json(input.payload);
  switch (input.kind) {
    case 0: {
      CheckEntity<cv1::Customer>(json);
      cv1::Customer customer;
      if (ParseStrict(json, customer)) {
        (void)revhub::hub::CustomerMatchIndex(customer);
      }
      break;
    }
    case 1:
      CheckEntity<cv1::Product>(json);
      break;
    case 2:
      CheckEntity<cv1::Contract>(json);
      break;
    case 3:
      CheckEntity<cv1::Invoice>(json);
      break;
    case 4:
      CheckEntity<cv1::Payment>(json);
      break;
    case 5: {
      revhub::hub::v1::System system;
      if (ParseStrict(json, system)) {
        (void)revhub::hub::ValidateMatchingRules(system);
      }
      break;
    }
    default: {
      google::protobuf::Struct config;
      (void)ParseStrict(json, config);
      break;
    }
  }
  return 0;
}
