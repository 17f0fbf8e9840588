// The layering check: which library may include which.
//
// docs/architecture.md holds the map of the libraries as a Markdown table
// between the lines `<!-- layering:begin -->` and `<!-- layering:end -->`,
// one row per folder: | `folder` | library | what it owns | `may`, `use` |.
// A source file belongs to the library of the longest folder of the map that
// contains it; a quoted include belongs to the library whose folder holds
// the included file ("revhub/…" includes are generated from protos/revhub/…).
//
// CheckLayering reports, for every .h/.cc below the mapped folders:
//   - an include of a library the file's library may not use;
//   - a file in no mapped folder, or an include of a project file in none;
//   - a cycle among the include edges between libraries;
//   - a "may use" entry that names no folder of the map;
//   - a header that does not open with a comment saying what it is.
// Includes of files outside the project (absl, grpcpp, …) are not judged.
#ifndef REVHUB_TESTS_LAYERING_LAYERING_H_
#define REVHUB_TESTS_LAYERING_LAYERING_H_

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace revhub::layering {

// One row of the map.
struct Library {
  std::string folder;  // "hub/store/sqlite", relative to the project root
  std::string name;    // "revhub_store_sqlite"
  std::set<std::string> may_use;  // folders of other rows
};

// Returns the rows of the map in `markdown`, or sets `error` when the
// markers or a row are malformed.
std::vector<Library> ParseMap(const std::string& markdown, std::string* error);

struct Report {
  std::vector<std::string> violations;  // empty: the layering holds
  // Actual include edges between libraries (folder -> folders), for the
  // closing summary.
  std::map<std::string, std::set<std::string>> edges;
  int files_checked = 0;
};

// Checks every C++ file below `root` that lies in a mapped folder.
Report CheckLayering(const std::filesystem::path& root,
                     const std::vector<Library>& map);

}  // namespace revhub::layering

#endif  // REVHUB_TESTS_LAYERING_LAYERING_H_
