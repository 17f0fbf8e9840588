// The layering of the libraries, as docs/architecture.md maps it, holds for
// the whole tree; and the check itself catches what it is meant to catch.
#include "tests/layering/layering.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

namespace revhub::layering {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST_CASE("every library includes only what docs/architecture.md allows") {
  fs::path root = REVHUB_SOURCE_DIR;
  std::string error;
  std::vector<Library> map =
      ParseMap(Read(root / "docs" / "architecture.md"), &error);
  INFO(error);
  REQUIRE(error.empty());
  REQUIRE(map.size() >= 10);

  Report report = CheckLayering(root, map);
  std::string all;
  for (const std::string& v : report.violations) all += v + "\n";
  INFO(all);
  CHECK(report.violations.empty());
  CHECK(report.files_checked > 100);

  int edges = 0;
  for (const auto& [_, to] : report.edges) edges += static_cast<int>(to.size());
  WARN("layering: " << map.size() << " libraries, " << report.files_checked
                    << " files, " << edges
                    << " include edges between libraries");
}

TEST_CASE("the check reports forbidden includes, unmapped files and cycles") {
  fs::path root = fs::temp_directory_path() /
                  ("revhub-layering-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const std::string map_text =
      "<!-- layering:begin -->\n"
      "| folder | library | owns | may use |\n"
      "|---|---|---|---|\n"
      "| `core` | core | the core | — |\n"
      "| `lib/a` | a | a | `core`, `lib/b` |\n"
      "| `lib/b` | b | b | `core` |\n"
      "| `top` | top | top | `lib/a` |\n"
      "<!-- layering:end -->\n";
  std::string error;
  std::vector<Library> map = ParseMap(map_text, &error);
  REQUIRE(error.empty());
  REQUIRE(map.size() == 4);
  CHECK(map[1].may_use == std::set<std::string>{"core", "lib/b"});

  Write(root / "core/core.h", "// Core.\n#include \"absl/status/status.h\"\n");
  Write(root / "lib/a/a.h",
        "// A.\n#include \"core/core.h\"\n#include \"lib/b/b.h\"\n");
  Write(root / "lib/b/b.h", "// B.\n#include \"core/core.h\"\n");
  Write(root / "top/top.cc", "#include \"lib/a/a.h\"\n");

  SECTION("a clean tree passes") {
    Report report = CheckLayering(root, map);
    CHECK(report.violations.empty());
    CHECK(report.files_checked == 4);
    CHECK(report.edges["lib/a"] == std::set<std::string>{"core", "lib/b"});
  }
  SECTION("an include of a library not allowed is named with its line") {
    Write(root / "top/top.cc",
          "#include \"lib/a/a.h\"\n#include \"lib/b/b.h\"\n");
    Report report = CheckLayering(root, map);
    REQUIRE(report.violations.size() == 1);
    CHECK(report.violations[0] ==
          "top/top.cc:2: top may not use lib/b (includes \"lib/b/b.h\")");
  }
  SECTION("a cycle between libraries is reported") {
    Write(root / "core/core.h", "// Core.\n#include \"lib/b/b.h\"\n");
    Report report = CheckLayering(root, map);
    bool cycle = false;
    for (const std::string& v : report.violations) {
      if (v.rfind("include cycle: ", 0) == 0) cycle = true;
    }
    CHECK(cycle);
  }
  SECTION("an include of a project file in no library is reported") {
    Write(root / "stray/x.h", "// Stray.\n");
    Write(root / "lib/b/b.h", "// B.\n#include \"stray/x.h\"\n");
    Report report = CheckLayering(root, map);
    REQUIRE(report.violations.size() == 1);
    CHECK(report.violations[0].find("in no library of the map") !=
          std::string::npos);
  }
  SECTION("a header without its opening comment is reported") {
    Write(root / "lib/b/b.h", "#include \"core/core.h\"\n");
    Report report = CheckLayering(root, map);
    REQUIRE(report.violations.size() == 1);
    CHECK(report.violations[0] ==
          "lib/b/b.h:1: a header opens with a comment saying what it is");
  }
  SECTION("a may-use naming no folder is reported") {
    map[0].may_use.insert("nowhere");
    Report report = CheckLayering(root, map);
    REQUIRE_FALSE(report.violations.empty());
    CHECK(report.violations[0] ==
          "core: may use `nowhere`, which is no folder of the map");
  }
  fs::remove_all(root);
}

TEST_CASE("a map without its markers is refused") {
  std::string error;
  CHECK(ParseMap("# no map here\n", &error).empty());
  CHECK(error.find("layering:begin") != std::string::npos);
}

}  // namespace
}  // namespace revhub::layering
