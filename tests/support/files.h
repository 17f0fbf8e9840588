// Whole-file reads and writes for tests.
//
// Thread-safety: the functions keep no state.
#ifndef REVHUB_TESTS_SUPPORT_FILES_H_
#define REVHUB_TESTS_SUPPORT_FILES_H_

#include <string>

namespace revhub::testing {

// The bytes of the file at `path`; throws std::runtime_error when it cannot
// be read.
std::string ReadFile(const std::string& path);
// Replaces the file at `path` with `text`.
void WriteFile(const std::string& path, const std::string& text);

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_SUPPORT_FILES_H_
