// Running a program of the build (e.g. build/bin/revhub) as a child
// process and collecting its exit code and output.
//
// Thread-safety: RunProgram may be called from several threads; it uses a
// Catch2 assertion when it cannot fork.
#ifndef REVHUB_TESTS_SUPPORT_RUN_H_
#define REVHUB_TESTS_SUPPORT_RUN_H_

#include <chrono>
#include <string>
#include <vector>

namespace revhub::testing {

struct RunResult {
  int code = -1;  // the exit status; -1 when the program did not exit
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with `argv`, stdin from `stdin_path`, and waits for
// it, at most `timeout`: a program still running then is killed (code -1).
// Its stdout and stderr go to files in `scratch_dir` (kept, one pair a run)
// and come back in the result.
RunResult RunProgram(
    std::vector<std::string> argv, const std::string& scratch_dir,
    const std::string& stdin_path = "/dev/null",
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_SUPPORT_RUN_H_
