#include "tests/fuzz/adapter_fuzz.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>
#include <vector>

#include "tests/fuzz/fuzz_input.h"

namespace revhub::fuzz {

AdapterFuzzer::AdapterFuzzer(std::unique_ptr<adapter::Adapter> adapter,
                             const std::string& config_json)
    : adapter_(std::move(adapter)), info_(adapter_->Info()) {
  for (const auto& t : info_.inbound) object_types_.push_back(t.object_type());
  if (object_types_.empty()) {
    std::fprintf(stderr, "%s declares no inbound object type\n",
                 info_.name.c_str());
    std::abort();
  }
  std::vector<adapter::FieldError> errors;
  auto config =
      adapter::Config::Parse(config_json, info_.config_fields, &errors);
  if (!config.ok()) {
    std::fprintf(stderr, "fuzz target's configuration refused: %s\n",
                 std::string(config.status().message()).c_str());
    std::abort();
  }
  config_ = std::make_unique<adapter::Config>(*std::move(config));
  log_ =
      std::make_unique<adapter::Logger>(info_.name, config_->secret_values());
}

int AdapterFuzzer::Run(const uint8_t* data, size_t size) {
  const FuzzInput input = SplitFuzzInput(data, size, object_types_);
  adapter::VendorRecord record;
  record.set_record_key("fuzz");
  record.set_object_type(object_types_[input.kind]);
  record.set_payload(std::string(input.payload));
  adapter::TranslationResult result;
  adapter::TranslationBuilder builder(&result);
  adapter::TranslateContext ctx{"fuzz-system", record, *config_, *log_};
  try {
    (void)adapter_->Translate(ctx, builder);
  } catch (const std::exception&) {
    // The SDK reports it as a FAILED translation ("mapping failed: ...").
  }
  // What the SDK sends back to the hub must serialise.
  std::string wire;
  (void)result.SerializeToString(&wire);
  return 0;
}

}  // namespace revhub::fuzz
