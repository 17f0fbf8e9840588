// PostgresServer: a real PostgreSQL 15 for tests, started from Debian's
// binaries (/usr/lib/postgresql/15/bin) in a temporary folder.
//
// The server listens on 127.0.0.1 on a free port only (no unix socket),
// trusts local connections as user `revhub`, and keeps fsync on, so a
// commit in a test is as durable as in production. initdb refuses to run
// as root: when the test runs as root, initdb and postgres run as user
// `nobody`, which owns the temporary folder.
//
// Stop() (and the destructor) shuts the server down (fast shutdown: open
// sessions are ended) and removes the folder. The server also gets
// SIGINT when the thread that started it dies, so a test binary killed
// mid-run leaves no server behind.
//
// Thread-safety: CreateDatabase may be called from several threads.
#ifndef REVHUB_TESTS_SUPPORT_POSTGRES_SERVER_H_
#define REVHUB_TESTS_SUPPORT_POSTGRES_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>

namespace revhub::testing {

class PostgresServer {
 public:
  // Starts a server; nullptr with the reason in *error when it cannot.
  static std::unique_ptr<PostgresServer> Start(std::string* error);
  ~PostgresServer();

  // Shuts the server down and waits for it; removes its folder.
  void Stop();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  // Creates the (new, empty) database `name` ([a-z0-9_]), a copy of
  // `template_name` when given, and returns its postgresql:// URL; "" with
  // the reason in *error when it cannot.
  std::string CreateDatabase(const std::string& name, std::string* error,
                             const std::string& template_name = "");
  // The URL of database `name` on this server.
  std::string Url(const std::string& name) const;
  // A new database with a name unique in this process, prefixed by
  // `prefix` (a copy of `template_name` when given); "" on failure, with
  // the reason in *error.
  std::string CreateFreshDatabase(const std::string& prefix, std::string* error,
                                  const std::string& template_name = "");

 private:
  PostgresServer() = default;

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = 0;
  std::mutex mu_;
  int next_database_ = 0;
};

// The process's shared server, started on first use and stopped at exit;
// nullptr, with the reason in *error, when it cannot be started. Free of
// Catch2, for code that also runs outside a test case (HubProcess).
PostgresServer* StartSharedPostgresServer(std::string* error);

// The process's shared server, started on first use and stopped at exit.
// Fails the running test (Catch2 REQUIRE) when it cannot be started.
// This and FreshPostgresDatabase live in postgres_database.cc, so a
// bench without Catch2 can link PostgresServer alone.
PostgresServer& SharedPostgresServer();

// A fresh database on the shared server: its URL. Fails the running test
// when it cannot be created.
std::string FreshPostgresDatabase(const std::string& prefix = "test",
                                  const std::string& template_name = "");

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_SUPPORT_POSTGRES_SERVER_H_
