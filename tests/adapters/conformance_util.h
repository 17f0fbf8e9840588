// Helpers of the conformance tests on the shared vendor samples
// (../shared/fixtures/vendors, see SOURCES.md there): where the samples are,
// and checks that compare a canonical result with the payload, which the
// tests parse on their own, never with the adapter's code.
#ifndef REVHUB_TESTS_ADAPTERS_CONFORMANCE_UTIL_H_
#define REVHUB_TESTS_ADAPTERS_CONFORMANCE_UTIL_H_

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "hub/adapter_host/adapter_client.h"
#include "tests/adapters/test_util.h"

namespace revhub::testing::conformance {

// The ExternalRef system the conformance tests translate as.
inline constexpr char kSystem[] = "conformance";

// The shared samples of `vendor`.
std::filesystem::path VendorDir(const std::string& vendor);
// True, after a WARN saying so, when the vendor's samples are absent.
bool SharedAbsent(const std::string& vendor);
// The object types the adapter declares inbound.
std::set<std::string> Declared(hub::AdapterClient& adapter);
// The vendor's .json samples, sorted by name.
std::vector<std::filesystem::path> Samples(const std::string& vendor);

// Checks Money against an integer in minor units of a currency code written
// in lower case (Stripe's "usd").
void CheckMinor(const canonical::v1::Money& m, const json& minor,
                const std::string& currency_lower);
// Checks units + nanos against a decimal as the vendor wrote it.
void CheckDecimal(int64_t units, int32_t nanos, const json& value);
// Checks that the entity links `path` to (kSystem, object_type, vendor_id).
void CheckLink(const adapter::v1::CanonicalEntity& e, const std::string& path,
               const std::string& object_type, const std::string& vendor_id);
// True when `refs` holds (kSystem, type, id).
bool HasRef(
    const google::protobuf::RepeatedPtrField<canonical::v1::ExternalRef>& refs,
    const std::string& type, const std::string& id);
// The id of an expandable field: a string, or an object's "id".
std::string IdOf(const json& v);
// The sum of the "amount" members of a list.
int64_t SumAmounts(const json& list);

}  // namespace revhub::testing::conformance

#endif  // REVHUB_TESTS_ADAPTERS_CONFORMANCE_UTIL_H_
