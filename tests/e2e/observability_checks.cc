#include "tests/e2e/observability_checks.h"

#include <regex>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace revhub::testing::obs {
namespace {

const std::regex& SampleLine() {
  static const std::regex* re = new std::regex(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:\\[\\"n]|[^"\\\n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="(?:\\[\\"n]|[^"\\\n])*")*\})? (NaN|[+-]Inf|-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)$)");
  return *re;
}

double ParseValue(const std::string& v) {
  if (v == "+Inf") return std::numeric_limits<double>::infinity();
  if (v == "-Inf") return -std::numeric_limits<double>::infinity();
  if (v == "NaN") return std::numeric_limits<double>::quiet_NaN();
  double d = 0;
  (void)absl::SimpleAtod(v, &d);
  return d;
}

std::string BaseName(const std::string& name,
                     const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (name.size() > s.size() &&
        name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && it->second == "histogram") return base;
    }
  }
  return name;
}

}  // namespace

double Exposition::Get(
    const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& labels) const {
  std::string key = name;
  if (!labels.empty()) {
    key += "{";
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) key += ",";
      absl::StrAppend(&key, labels[i].first, "=\"", labels[i].second, "\"");
    }
    key += "}";
  }
  auto it = samples.find(key);
  return it == samples.end() ? -1 : it->second;
}

Exposition ReadExposition(const std::string& text) {
  Exposition out;
  std::set<std::string> helped;
  // histogram series (name + labels without le) -> bucket values in order.
  std::map<std::string, std::vector<double>> buckets;
  std::map<std::string, double> inf_bucket;
  int n = 0;
  if (text.empty() || text.back() != '\n') {
    out.problems.push_back("the exposition does not end with a newline");
  }
  for (absl::string_view view : absl::StrSplit(text, '\n')) {
    ++n;
    const std::string line(view);
    if (line.empty()) continue;
    auto bad = [&](const std::string& why) {
      out.problems.push_back(absl::StrCat("line ", n, ": ", why, ": ", line));
    };
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string rest = line.substr(7);
      const std::string name = rest.substr(0, rest.find(' '));
      if (!helped.insert(name).second) bad("HELP twice");
      if (out.types.count(name)) bad("HELP after TYPE");
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      std::vector<std::string> parts = absl::StrSplit(line.substr(7), ' ');
      if (parts.size() != 2 || (parts[1] != "counter" && parts[1] != "gauge" &&
                                parts[1] != "histogram")) {
        bad("TYPE is not 'name counter|gauge|histogram'");
        continue;
      }
      if (!out.types.emplace(parts[0], parts[1]).second) bad("TYPE twice");
      continue;
    }
    if (line[0] == '#') {
      bad("a comment that is neither HELP nor TYPE");
      continue;
    }
    std::smatch m;
    if (!std::regex_match(line, m, SampleLine())) {
      bad("not a sample line (name{label=\"escaped\",...} value)");
      continue;
    }
    const std::string name = m[1];
    const std::string base = BaseName(name, out.types);
    if (!out.types.count(base)) bad("sample before its TYPE");
    const std::string key = line.substr(0, line.rfind(' '));
    if (!out.samples.emplace(key, ParseValue(m[m.size() - 1])).second) {
      bad("sample twice");
    }
    if (name != base && name == base + "_bucket") {
      // The series without its le label (always last).
      const size_t le = key.rfind(",le=\"") != std::string::npos
                            ? key.rfind(",le=\"")
                            : key.rfind("{le=\"");
      if (le == std::string::npos) {
        bad("a bucket without le");
        continue;
      }
      const std::string series = key.substr(0, le);
      const std::string le_value = key.substr(le + 5, key.size() - le - 5 - 2);
      const double v = ParseValue(m[m.size() - 1]);
      auto& seen = buckets[series];
      if (!seen.empty() && v < seen.back()) bad("buckets not cumulative");
      seen.push_back(v);
      if (le_value == "+Inf") inf_bucket[series] = v;
    }
  }
  for (const auto& [series, values] : buckets) {
    auto it = inf_bucket.find(series);
    if (it == inf_bucket.end()) {
      out.problems.push_back(absl::StrCat(series, ": no +Inf bucket"));
      continue;
    }
    // series is "name_bucket{labels" or "name_bucket"
    std::string count = series;
    count.replace(count.find("_bucket"), 7, "_count");
    if (count.find('{') != std::string::npos) count += "}";
    auto c = out.samples.find(count);
    if (c == out.samples.end() || c->second != it->second) {
      out.problems.push_back(
          absl::StrCat(series, ": the +Inf bucket is not _count"));
    }
  }
  return out;
}

}  // namespace revhub::testing::obs
