// Golden mapping tests, DuckDB style: every golden/<vendor>/<case>.json is a
// vendor payload and <case>.expected.json holds the object type, the
// configuration and the TranslationResult it must produce. The payload goes
// through the real adapter process. Set REVHUB_UPDATE_GOLDEN=1 to rewrite
// the expected files (then review every changed value by hand).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "tests/adapters/test_util.h"

namespace fs = std::filesystem;
using namespace revhub::testing;

namespace {

// Vendors whose golden cases have a test case of their own (tagged with the
// vendor's name, so that "[stripe]" runs a vendor's cases alone).
const char* const kOwnTestCase[] = {"stripe", "salesforce", "netsuite",
                                    "chargebee"};

// Runs every case of one vendor's folder; returns how many ran.
int RunVendorCases(const fs::path& vendor_dir, bool update) {
  std::string vendor = vendor_dir.filename();
  auto host = StartAdapter(vendor);
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(vendor_dir))
    files.push_back(f.path());
  std::sort(files.begin(), files.end());
  int cases = 0;
  for (const fs::path& payload_path : files) {
    std::string name = payload_path.filename();
    if (payload_path.extension() != ".json" ||
        name.find(".expected.") != std::string::npos)
      continue;
    fs::path expected_path = payload_path;
    expected_path.replace_extension(".expected.json");
    INFO("golden case " << vendor << "/" << name);
    REQUIRE(fs::exists(expected_path));
    json expected = json::parse(ReadFile(expected_path));
    std::string config =
        expected.contains("config") ? expected["config"].dump() : "{}";
    auto result =
        Translate(*host, expected.at("object_type").get<std::string>(),
                  ReadFile(payload_path), config);
    json actual = json::parse(ToJson(result));
    if (update) {
      expected["result"] = actual;
      WriteFile(expected_path, expected.dump(2) + "\n");
    }
    if (actual != expected["result"]) {
      std::cerr << "MISMATCH " << vendor << "/" << name
                << "\nexpected: " << expected["result"].dump(2)
                << "\nactual:   " << actual.dump(2) << "\n";
    }
    CHECK(actual == expected["result"]);
    ++cases;
  }
  return cases;
}

bool HasOwnTestCase(const std::string& vendor) {
  for (const char* v : kOwnTestCase) {
    if (vendor == v) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("every golden payload translates to its expected result",
          "[golden]") {
  fs::path root = REVHUB_GOLDEN_DIR;
  bool update = std::getenv("REVHUB_UPDATE_GOLDEN") != nullptr;
  int cases = 0;
  for (const auto& vendor_dir : fs::directory_iterator(root)) {
    if (!vendor_dir.is_directory()) continue;
    if (HasOwnTestCase(vendor_dir.path().filename())) continue;
    cases += RunVendorCases(vendor_dir.path(), update);
  }
  std::cout << "golden cases run: " << cases << "\n";
  CHECK(cases >= 8);
}

TEST_CASE("every Stripe golden payload translates to its expected result",
          "[golden][stripe]") {
  fs::path dir = fs::path(REVHUB_GOLDEN_DIR) / "stripe";
  bool update = std::getenv("REVHUB_UPDATE_GOLDEN") != nullptr;
  int cases = RunVendorCases(dir, update);
  std::cout << "stripe golden cases run: " << cases << "\n";
  // Every object type the adapter declares, across API versions.
  CHECK(cases >= 40);
}

TEST_CASE("every Salesforce golden payload translates to its expected result",
          "[golden][salesforce]") {
  fs::path dir = fs::path(REVHUB_GOLDEN_DIR) / "salesforce";
  bool update = std::getenv("REVHUB_UPDATE_GOLDEN") != nullptr;
  int cases = RunVendorCases(dir, update);
  std::cout << "salesforce golden cases run: " << cases << "\n";
  // Every object type the adapter declares, and each configuration rule.
  CHECK(cases >= 18);
}

TEST_CASE("every NetSuite golden payload translates to its expected result",
          "[golden][netsuite]") {
  fs::path dir = fs::path(REVHUB_GOLDEN_DIR) / "netsuite";
  bool update = std::getenv("REVHUB_UPDATE_GOLDEN") != nullptr;
  int cases = RunVendorCases(dir, update);
  std::cout << "netsuite golden cases run: " << cases << "\n";
  // Every record type read in, each with its cases.
  CHECK(cases >= 9);
}

TEST_CASE("every Chargebee golden payload translates to its expected result",
          "[golden][chargebee]") {
  fs::path dir = fs::path(REVHUB_GOLDEN_DIR) / "chargebee";
  bool update = std::getenv("REVHUB_UPDATE_GOLDEN") != nullptr;
  int cases = RunVendorCases(dir, update);
  std::cout << "chargebee golden cases run: " << cases << "\n";
  // Every resource the adapter declares, the currencies' minor units, tax
  // inclusive documents and each configuration rule.
  CHECK(cases >= 16);
}
