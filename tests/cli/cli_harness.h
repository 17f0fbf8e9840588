// The harness of the in-process CLI tests: runs a `revhub` command line
// through RunCli against a RecordingHub (tests/cli/recording_hub.h) and
// keeps its exit code and what it printed; and a temporary file for
// commands that read one.
#ifndef REVHUB_TESTS_CLI_CLI_HARNESS_H_
#define REVHUB_TESTS_CLI_CLI_HARNESS_H_

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "hub/cli/commands.h"
#include "tests/cli/recording_hub.h"

namespace revhub::cli {

// What one run printed and its exit code.
struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs command lines against one RecordingHub and keeps what they printed.
class Harness {
 public:
  RecordingHub hub;
  // The options of the last connection made.
  std::optional<HubClientOptions> connected_with;
  // What the command reads for the file name "-".
  std::string stdin_text;
  std::string default_hub = kDefaultHub;

  // Runs `revhub ARGS…`.
  Result Run(std::vector<std::string> args) {
    args.insert(args.begin(), "revhub");
    std::istringstream in(stdin_text);
    std::ostringstream out;
    std::ostringstream err;
    CliEnvironment env;
    env.default_hub = default_hub;
    env.in = &in;
    env.out = &out;
    env.err = &err;
    env.connect = [this](const HubClientOptions& options) {
      connected_with = options;
      return std::make_unique<BorrowedHub>(hub);
    };
    Result result;
    result.code = RunCli(args, env);
    result.out = out.str();
    result.err = err.str();
    return result;
  }
};

// Runs `revhub ARGS…` against hub, with `input` as standard input.
inline Result RunWith(RecordingHub& hub, std::vector<std::string> args,
                      const std::string& input = "") {
  args.insert(args.begin(), "revhub");
  std::istringstream in(input);
  std::ostringstream out, err;
  CliEnvironment env;
  env.in = &in;
  env.out = &out;
  env.err = &err;
  env.connect = [&hub](const HubClientOptions&) {
    return std::make_unique<BorrowedHub>(hub);
  };
  Result r;
  r.code = RunCli(args, env);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// A file in a fresh temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& name, const std::string& content) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "revhub-cli-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    path_ = (dir_ / name).string();
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove_all(dir_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::filesystem::path dir_;
  std::string path_;
};

}  // namespace revhub::cli

#endif  // REVHUB_TESTS_CLI_CLI_HARNESS_H_
