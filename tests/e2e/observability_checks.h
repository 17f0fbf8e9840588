// Checks of the observability suite: a strict reader of the Prometheus
// text format 0.0.4 that fails on any line out of shape, and the figures it
// reads.
#ifndef REVHUB_TESTS_E2E_OBSERVABILITY_CHECKS_H_
#define REVHUB_TESTS_E2E_OBSERVABILITY_CHECKS_H_

#include <map>
#include <string>
#include <vector>

namespace revhub::testing::obs {

// One exposition, read strictly.
struct Exposition {
  // "name{a=\"x\",b=\"y\"}" (labels as written) -> value.
  std::map<std::string, double> samples;
  // name -> "counter" | "gauge" | "histogram".
  std::map<std::string, std::string> types;
  // Every line that broke a rule, with the rule.
  std::vector<std::string> problems;

  // Returns the value of the sample named with these labels (in the order
  // written), or -1 when absent.
  double Get(const std::string& name,
             const std::vector<std::pair<std::string, std::string>>& labels =
                 {}) const;
};

// Reads `text`: each line is "# HELP name text", "# TYPE name type" (once
// per name, before its samples) or a sample "name{labels} value" whose
// name is the TYPE's (or its _bucket/_sum/_count for a histogram); label
// values escaped (\\, \", \n only); histogram buckets cumulative with a
// +Inf bucket equal to _count.
Exposition ReadExposition(const std::string& text);

}  // namespace revhub::testing::obs

#endif  // REVHUB_TESTS_E2E_OBSERVABILITY_CHECKS_H_
