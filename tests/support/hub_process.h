// HubProcess: a real revhubd, started for a test on a loopback port.
//
// Start() runs build/bin/revhubd --listen 127.0.0.1:0 --data-dir DIR
// --secrets-key-file DIR/secrets.key (a random key made on first use, so
// tests may register secret configuration values), reads
// the "revhubd listening on HOST:PORT" line and returns once the hub serves.
// Stop() sends SIGTERM and waits; Kill() sends SIGKILL (a crash). The data
// folder outlives the process, so a restarted hub sees the same store.
//
// With REVHUB_TEST_STORE=postgres in the environment, the hub stores in
// PostgreSQL instead of DIR's SQLite file: the first Start() on a data
// folder creates a fresh database on the process's shared test server
// (SharedPostgresServer) and notes its URL in DIR/test-store.url, and every
// Start() on that folder passes --store=URL, so a hub restarted on the
// same folder (after a crash) finds the same database. Extra arguments
// that name --store win. This runs the end-to-end suites on both stores
// (revhub_add_test's ALSO_ON_POSTGRES).
//
// Thread-safety: a HubProcess belongs to one thread; the channel it hands
// out may be shared.
#ifndef REVHUB_TESTS_SUPPORT_HUB_PROCESS_H_
#define REVHUB_TESTS_SUPPORT_HUB_PROCESS_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace revhub::testing {

// A folder under /tmp removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class HubProcess {
 public:
  explicit HubProcess(std::string data_dir);
  ~HubProcess();  // Kill()s a hub still running

  // Starts the hub and waits for its "listening" line (at most 30 s).
  // Returns false, with the reason in error(), when it does not come up
  // (or, with REVHUB_TEST_STORE=postgres, when it has no database).
  bool Start();
  // SIGTERM, then waits. Returns the exit status (0 on a clean stop).
  int Stop();
  // SIGKILL, then waits.
  void Kill();

  bool running() const { return pid_ > 0; }
  const std::string& address() const { return address_; }
  // The HTTP listener's address when started with --http-listen, else "".
  const std::string& http_address() const { return http_address_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& error() const { return error_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  pid_t pid() const { return pid_; }

  // Extra revhubd arguments (e.g. --revenue-config FILE) for the next
  // Start().
  void set_extra_args(std::vector<std::string> args) {
    extra_args_ = std::move(args);
  }
  // Whether the next Start() passes DATA/secrets.key as the secrets key
  // (default true). Never when the extra arguments name a key file.
  void set_default_secrets_key(bool on) { default_secrets_key_ = on; }
  // Where the next Start() sends the hub's stderr (appended); "" (the
  // default): the test's own stderr.
  void set_stderr_file(std::string path) { stderr_path_ = std::move(path); }

 private:
  std::string data_dir_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string address_;
  std::string http_address_;
  std::string error_;
  std::shared_ptr<grpc::Channel> channel_;
  std::vector<std::string> extra_args_;
  bool default_secrets_key_ = true;
  std::string stderr_path_;
};

// Writes a random secrets key (64 hex digits, mode 0600) to `path` unless
// the file exists. Returns false when it cannot.
bool EnsureSecretsKeyFile(const std::string& path);

// The --store URL HubProcess passes for `data_dir` under
// REVHUB_TEST_STORE=postgres (made on first use); "" when that variable is
// not set to postgres (the hub's SQLite file), or, with the reason in
// *error, when there is no database. For tests that read the store
// the hub used directly.
std::string TestStoreUrl(const std::string& data_dir, std::string* error);

// Returns the folder holding the build's executables (build/bin).
std::string BinDir();
// Returns the project's source root.
std::string SourceDir();

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_SUPPORT_HUB_PROCESS_H_
