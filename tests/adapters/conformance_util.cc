#include "tests/adapters/conformance_util.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>

#include "canonical/money.h"

namespace revhub::testing::conformance {

namespace fs = std::filesystem;
namespace av1 = revhub::adapter::v1;
namespace cv1 = revhub::canonical::v1;

namespace {

const cv1::ExternalRef* LinkTarget(const av1::CanonicalEntity& e,
                                   const std::string& path) {
  for (const auto& l : e.links()) {
    if (l.field_path() == path) return &l.target();
  }
  return nullptr;
}

}  // namespace

fs::path VendorDir(const std::string& vendor) {
  return fs::path(REVHUB_SHARED_DIR) / "fixtures" / "vendors" / vendor;
}

bool SharedAbsent(const std::string& vendor) {
  if (fs::is_directory(VendorDir(vendor))) return false;
  WARN("SKIP conformance for "
       << vendor << ": " << VendorDir(vendor).string()
       << " is absent (the shared fixtures live beside the checkout; set "
          "REVHUB_SHARED_DIR when configuring to point elsewhere). Nothing "
          "of "
       << vendor << " was checked.");
  return true;
}

std::set<std::string> Declared(hub::AdapterClient& adapter) {
  auto d = adapter.Describe();
  REQUIRE(d.ok());
  std::set<std::string> out;
  for (const auto& t : d->inbound_object_types()) out.insert(t.object_type());
  return out;
}

std::vector<fs::path> Samples(const std::string& vendor) {
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(VendorDir(vendor))) {
    if (f.path().extension() == ".json") files.push_back(f.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Money from an integer in minor units, computed without the adapter's code.
void CheckMinor(const cv1::Money& m, const json& minor,
                const std::string& currency_lower) {
  std::string upper = currency_lower;
  for (auto& c : upper) c = static_cast<char>(toupper(c));
  int exp = revhub::MinorUnitExponent(upper);
  REQUIRE(exp >= 0);
  int64_t v = minor.get<int64_t>();
  int64_t scale = 1;
  for (int i = 0; i < exp; ++i) scale *= 10;
  CHECK(m.currency_code() == upper);
  CHECK(m.units() == v / scale);
  int64_t nanos_per_minor = 1000000000 / scale;
  CHECK(m.nanos() == (v % scale) * nanos_per_minor);
}

// A decimal as the vendor wrote it (parsed by nlohmann as a double).
void CheckDecimal(int64_t units, int32_t nanos, const json& value) {
  double expected = value.get<double>();
  double actual = static_cast<double>(units) + static_cast<double>(nanos) / 1e9;
  CHECK(actual == Approx(expected).margin(1e-9));
  // And exactly, when the value is a whole number.
  if (expected == static_cast<double>(static_cast<int64_t>(expected))) {
    CHECK(units == static_cast<int64_t>(expected));
    CHECK(nanos == 0);
  }
}

void CheckLink(const av1::CanonicalEntity& e, const std::string& path,
               const std::string& object_type, const std::string& vendor_id) {
  INFO("link " << path);
  const cv1::ExternalRef* t = LinkTarget(e, path);
  REQUIRE(t != nullptr);
  CHECK(t->system() == kSystem);
  CHECK(t->object_type() == object_type);
  CHECK(t->vendor_id() == vendor_id);
}

bool HasRef(const google::protobuf::RepeatedPtrField<cv1::ExternalRef>& refs,
            const std::string& type, const std::string& id) {
  for (const auto& r : refs) {
    if (r.system() == kSystem && r.object_type() == type && r.vendor_id() == id)
      return true;
  }
  return false;
}

std::string IdOf(const json& v) {
  return v.is_object() ? v["id"].get<std::string>() : v.get<std::string>();
}

int64_t SumAmounts(const json& list) {
  int64_t s = 0;
  for (const auto& x : list) s += x["amount"].get<int64_t>();
  return s;
}

}  // namespace revhub::testing::conformance
