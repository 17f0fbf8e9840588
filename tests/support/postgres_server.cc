#include "tests/support/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

extern char** environ;

namespace revhub::testing {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin";
constexpr char kUser[] = "revhub";

// Returns a TCP port on 127.0.0.1 that was free a moment ago.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// Who the server's processes run as: nobody when we are root (initdb
// refuses root), else ourselves.
struct RunAs {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

RunAs WhoRuns(std::string* error) {
  RunAs as;
  if (geteuid() != 0) return as;
  passwd* pw = getpwnam("nobody");
  if (pw == nullptr) {
    *error = "running as root, and there is no user nobody to run postgres";
    return as;
  }
  as.drop = true;
  as.uid = pw->pw_uid;
  as.gid = pw->pw_gid;
  return as;
}

// Forks and execs argv (a PostgreSQL binary) as `as`, stdout and stderr to
// `log`. With `tie_to_thread`, the child gets SIGINT when this thread dies.
pid_t Spawn(const std::vector<std::string>& args, const RunAs& as,
            const std::string& log, bool tie_to_thread) {
  std::vector<char*> argv;
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The environment is built before fork: setenv is not safe after it.
  std::vector<std::string> env_strings = {"LC_ALL=C"};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("LC_ALL=", 0) != 0) env_strings.push_back(*e);
  }
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid != 0) return pid;
  // The child: only async-signal-safe calls until exec.
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, 0);
  setpgid(0, 0);  // a signal meant for the test's group does not reach it
  if (as.drop) {
    if (setgroups(0, nullptr) != 0 || setgid(as.gid) != 0 ||
        setuid(as.uid) != 0) {
      _exit(126);
    }
  }
  // After setuid, which clears it.
  if (tie_to_thread) prctl(PR_SET_PDEATHSIG, SIGINT);
  execve(argv[0], argv.data(), envp.data());
  _exit(127);
}

// Waits for `pid` at most `timeout`; returns its exit status, or -1 when it
// is still running.
int WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    if (r < 0) return 128;
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string ReadLog(const std::string& path) {
  std::string out;
  if (FILE* f = fopen(path.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
    fclose(f);
  }
  return out.size() > 2000 ? out.substr(out.size() - 2000) : out;
}

std::string Conninfo(int port, const std::string& db) {
  return "host=127.0.0.1 port=" + std::to_string(port) + " user=" + kUser +
         " dbname=" + db + " connect_timeout=5";
}

}  // namespace

std::unique_ptr<PostgresServer> PostgresServer::Start(std::string* error) {
  const RunAs as = WhoRuns(error);
  if (!error->empty()) return nullptr;
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  char tmpl[] = "/tmp/revhub-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    *error = "mkdtemp failed";
    return nullptr;
  }
  s->dir_ = tmpl;
  if (as.drop && chown(s->dir_.c_str(), as.uid, as.gid) != 0) {
    *error = "cannot give " + s->dir_ + " to nobody";
    return nullptr;
  }
  const std::string data = s->dir_ + "/data";
  const std::string log = s->dir_ + "/server.log";
  const bool main_thread = syscall(SYS_gettid) == getpid();
  pid_t init = Spawn({std::string(kBinDir) + "/initdb", "-D", data, "-U", kUser,
                      "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"},
                     as, log, false);
  if (init < 0 || WaitFor(init, std::chrono::seconds(120)) != 0) {
    *error = "initdb failed: " + ReadLog(log);
    return nullptr;
  }
  for (int attempt = 0; attempt < 3 && s->pid_ == 0; ++attempt) {
    const int port = FreePort();
    pid_t pid = Spawn({std::string(kBinDir) + "/postgres", "-D", data, "-p",
                       std::to_string(port), "-c", "listen_addresses=127.0.0.1",
                       "-c", "unix_socket_directories=", "-c", "fsync=on", "-c",
                       "max_connections=300", "-c", "shared_buffers=32MB", "-c",
                       "logging_collector=off"},
                      as, log, main_thread);
    if (pid < 0) break;
    const std::string conninfo = Conninfo(port, "postgres");
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool up = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (PQping(conninfo.c_str()) == PQPING_OK) {
        up = true;
        break;
      }
      if (WaitFor(pid, std::chrono::milliseconds(0)) >= 0) break;  // exited
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (up) {
      s->pid_ = pid;
      s->port_ = port;
    } else {
      kill(pid, SIGKILL);
      WaitFor(pid, std::chrono::seconds(10));
    }
  }
  if (s->pid_ == 0) {
    *error = "postgres did not start: " + ReadLog(log);
    return nullptr;
  }
  return s;
}

PostgresServer::~PostgresServer() { Stop(); }

void PostgresServer::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGINT);  // fast shutdown: sessions end, then a checkpoint
    if (WaitFor(pid_, std::chrono::seconds(60)) < 0) {
      kill(pid_, SIGKILL);
      WaitFor(pid_, std::chrono::seconds(10));
    }
    pid_ = 0;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

std::string PostgresServer::Url(const std::string& name) const {
  return "postgresql://" + std::string(kUser) +
         "@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

std::string PostgresServer::CreateDatabase(const std::string& name,
                                           std::string* error,
                                           const std::string& template_name) {
  for (char c : name + template_name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      *error = "database name " + name + ": only [a-z0-9_]";
      return "";
    }
  }
  PGconn* conn = PQconnectdb(Conninfo(port_, "postgres").c_str());
  std::string url;
  if (PQstatus(conn) != CONNECTION_OK) {
    *error = PQerrorMessage(conn);
  } else {
    std::string sql = "CREATE DATABASE " + name;
    if (!template_name.empty()) sql += " TEMPLATE " + template_name;
    PGresult* res = PQexec(conn, sql.c_str());
    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
      url = Url(name);
    } else {
      *error = PQresultErrorMessage(res);
    }
    PQclear(res);
  }
  PQfinish(conn);
  return url;
}

std::string PostgresServer::CreateFreshDatabase(
    const std::string& prefix, std::string* error,
    const std::string& template_name) {
  int n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = next_database_++;
  }
  return CreateDatabase(prefix + "_" + std::to_string(n), error, template_name);
}

PostgresServer* StartSharedPostgresServer(std::string* error) {
  static std::mutex mu;
  static PostgresServer* server = nullptr;
  static std::string start_error;
  std::lock_guard<std::mutex> lock(mu);
  if (server == nullptr && start_error.empty()) {
    std::unique_ptr<PostgresServer> s = PostgresServer::Start(&start_error);
    if (s != nullptr) {
      server = s.release();
      // Stopped at exit, after main returns: the test binary leaves no
      // server behind.
      std::atexit([] {
        delete server;
        server = nullptr;
      });
    }
  }
  // A server that failed to start once is not tried again: every later
  // caller gets the first reason.
  if (server == nullptr) *error = start_error;
  return server;
}

}  // namespace revhub::testing
