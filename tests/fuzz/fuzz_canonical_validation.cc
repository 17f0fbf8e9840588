// libFuzzer target: canonical validation (canonical/validation.h). Each
// input is a canonical entity in protobuf wire format, as the hub receives
// it from an adapter or a client: "<type>\n<bytes>" (tests/fuzz/
// fuzz_input.h) with type customer, product, contract, invoice, payment or
// journal_entry. Bytes that parse are validated; the validation must return
// a status for any message, and an error must name a field path.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "canonical/field_path.h"
#include "canonical/validation.h"
#include "google/protobuf/stubs/logging.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace cv1 = revhub::canonical::v1;

template <typename T>
absl::Status ParseAndValidate(absl::string_view bytes,
                              absl::Status (*validate)(const T&)) {
  T message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::OkStatus();
  }
  return validate(message);
}

}  // namespace

// Protobuf logs every string field that is not UTF-8; random bytes make
// thousands of such lines, which would slow the fuzzer to a crawl.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> kTypes = {
      "customer", "product", "contract", "invoice", "payment", "journal_entry"};
  const auto input = revhub::fuzz::SplitFuzzInput(data, size, kTypes);
  absl::Status status;
  switch (input.kind) {
    case 0:
      status = ParseAndValidate<cv1::Customer>(input.payload,
                                               revhub::ValidateCustomer);
      break;
    case 1:
      status = ParseAndValidate<cv1::Product>(input.payload,
                                              revhub::ValidateProduct);
      break;
    case 2:
      status = ParseAndValidate<cv1::Contract>(input.payload,
                                               revhub::ValidateContract);
      break;
    case 3:
      status = ParseAndValidate<cv1::Invoice>(input.payload,
                                              revhub::ValidateInvoice);
      break;
    case 4:
      status = ParseAndValidate<cv1::Payment>(input.payload,
                                              revhub::ValidatePayment);
      break;
    default:
      status = ParseAndValidate<cv1::JournalEntry>(
          input.payload, revhub::ValidateJournalEntry);
      break;
  }
  if (!status.ok() && revhub::FieldPathOf(status).empty()) {
    std::fprintf(stderr, "validation error without a field path: %s\n",
                 std::string(status.message()).c_str());
    std::abort();
  }
  return 0;
}
