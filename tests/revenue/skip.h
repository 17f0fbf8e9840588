// Set by a test that could not run for want of its inputs; main() then
// exits 77 so ctest shows the test as skipped.
#ifndef REVHUB_TESTS_REVENUE_SKIP_H_
#define REVHUB_TESTS_REVENUE_SKIP_H_

namespace revhub::revenue::testing {
extern bool g_skipped;
}  // namespace revhub::revenue::testing

#endif  // REVHUB_TESTS_REVENUE_SKIP_H_
