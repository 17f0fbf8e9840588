#include "tests/layering/layering.h"

#include <fstream>
#include <functional>
#include <regex>
#include <sstream>

namespace revhub::layering {
namespace fs = std::filesystem;
namespace {

std::string Trim(const std::string& s) {
  const char* ws = " \t`";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::vector<std::string> SplitCells(const std::string& row) {
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 1; i < row.size(); ++i) {  // row[0] is '|'
    if (row[i] == '|') {
      cells.push_back(Trim(cell));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  return cells;
}

// Returns the folder of the map that holds `path` (longest match), or "".
std::string FolderOf(const std::string& path, const std::vector<Library>& map) {
  std::string best;
  for (const Library& lib : map) {
    const std::string& f = lib.folder;
    if (path.size() > f.size() && path.compare(0, f.size(), f) == 0 &&
        path[f.size()] == '/' && f.size() > best.size()) {
      best = f;
    }
  }
  return best;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Appends a violation per cycle found among `edges` (each cycle once).
void FindCycles(const std::map<std::string, std::set<std::string>>& edges,
                const std::string& what, std::vector<std::string>* out) {
  std::map<std::string, int> state;  // 0 new, 1 on stack, 2 done
  std::vector<std::string> stack;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    state[n] = 1;
    stack.push_back(n);
    auto it = edges.find(n);
    if (it != edges.end()) {
      for (const std::string& m : it->second) {
        if (state[m] == 1) {
          std::string cycle;
          bool on = false;
          for (const std::string& s : stack) {
            if (s == m) on = true;
            if (on) cycle += s + " -> ";
          }
          out->push_back(what + " cycle: " + cycle + m);
        } else if (state[m] == 0) {
          visit(m);
        }
      }
    }
    stack.pop_back();
    state[n] = 2;
  };
  for (const auto& [n, _] : edges) {
    if (state[n] == 0) visit(n);
  }
}

}  // namespace

std::vector<Library> ParseMap(const std::string& markdown, std::string* error) {
  std::vector<Library> map;
  size_t begin = markdown.find("<!-- layering:begin -->");
  size_t end = markdown.find("<!-- layering:end -->");
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    *error = "no <!-- layering:begin --> ... <!-- layering:end --> section";
    return {};
  }
  std::istringstream lines(markdown.substr(begin, end - begin));
  std::string line;
  int row = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '|') continue;
    if (++row <= 2) continue;  // header and |---| rule
    std::vector<std::string> cells = SplitCells(line);
    if (cells.size() != 4 || cells[0].empty() || cells[1].empty()) {
      *error =
          "malformed row (want | folder | library | owns | may use |): " + line;
      return {};
    }
    Library lib;
    lib.folder = cells[0];
    lib.name = cells[1];
    std::stringstream uses(cells[3]);
    std::string use;
    while (std::getline(uses, use, ',')) {
      use = Trim(use);
      if (!use.empty() && use != "—" && use != "-") lib.may_use.insert(use);
    }
    map.push_back(std::move(lib));
  }
  if (map.empty()) *error = "the map has no rows";
  return map;
}

Report CheckLayering(const fs::path& root, const std::vector<Library>& map) {
  Report report;
  std::map<std::string, const Library*> by_folder;
  for (const Library& lib : map) by_folder[lib.folder] = &lib;
  std::map<std::string, std::set<std::string>> declared;
  for (const Library& lib : map) {
    for (const std::string& use : lib.may_use) {
      if (by_folder.count(use) == 0) {
        report.violations.push_back(lib.folder + ": may use `" + use +
                                    "`, which is no folder of the map");
      }
      declared[lib.folder].insert(use);
    }
  }
  FindCycles(declared, "declared", &report.violations);

  static const std::regex kInclude(R"re(^\s*#\s*include\s+"([^"]+)")re");
  for (const Library& lib : map) {
    fs::path dir = root / lib.folder;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      std::string ext = entry.path().extension().string();
      if (ext != ".h" && ext != ".cc") continue;
      std::string rel = fs::relative(entry.path(), root).generic_string();
      // A file in a sub-folder with a row of its own is judged there.
      if (FolderOf(rel, map) != lib.folder) continue;
      ++report.files_checked;
      std::string text = ReadFile(entry.path());
      if (ext == ".h" && text.rfind("//", 0) != 0) {
        report.violations.push_back(
            rel + ":1: a header opens with a comment saying what it is");
      }
      std::istringstream in(text);
      std::string line;
      int number = 0;
      while (std::getline(in, line)) {
        ++number;
        std::smatch m;
        if (!std::regex_search(line, m, kInclude)) continue;
        std::string target = m[1].str();
        std::string path =
            target.rfind("revhub/", 0) == 0 ? "protos/" + target : target;
        std::string folder = FolderOf(path, map);
        if (folder.empty()) {
          bool project_file =
              target.rfind("revhub/", 0) == 0 || fs::exists(root / path);
          if (project_file) {
            report.violations.push_back(
                rel + ":" + std::to_string(number) + ": includes \"" + target +
                "\", which is in no library of the map");
          }
          continue;
        }
        if (folder == lib.folder) continue;
        report.edges[lib.folder].insert(folder);
        if (lib.may_use.count(folder) == 0) {
          report.violations.push_back(
              rel + ":" + std::to_string(number) + ": " + lib.folder +
              " may not use " + folder + " (includes \"" + target + "\")");
        }
      }
    }
  }
  FindCycles(report.edges, "include", &report.violations);
  return report;
}

}  // namespace revhub::layering
