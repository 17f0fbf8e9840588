#include "tests/support/hub_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tests/support/auth.h"
#include "tests/support/postgres_server.h"

extern char** environ;

namespace revhub::testing {

std::string BinDir() { return REVHUB_BIN_DIR; }
std::string SourceDir() { return REVHUB_SOURCE_DIR; }

TempDir::TempDir() {
  char tmpl[] = "/tmp/revhub-test-XXXXXX";
  char* p = mkdtemp(tmpl);
  path_ = p ? p : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::string TestStoreUrl(const std::string& data_dir, std::string* error) {
  const char* store = std::getenv("REVHUB_TEST_STORE");
  if (store == nullptr || std::string(store) != "postgres") return "";
  // The URL lives in the data folder, not in this process's memory: the
  // database goes with the folder (a new folder that happens to get a
  // removed one's name gets a new database), and a hub restarted on the
  // folder by another HubProcess finds the same one.
  const std::string file = data_dir + "/test-store.url";
  {
    std::ifstream in(file);
    std::string url;
    if (in && std::getline(in, url) && !url.empty()) return url;
  }
  PostgresServer* server = StartSharedPostgresServer(error);
  if (server == nullptr) {
    *error = "REVHUB_TEST_STORE=postgres: no PostgreSQL server: " + *error;
    return "";
  }
  std::string url = server->CreateFreshDatabase("hub", error);
  if (url.empty()) {
    *error = "REVHUB_TEST_STORE=postgres: no database: " + *error;
    return "";
  }
  std::error_code ec;
  if (!std::filesystem::exists(data_dir, ec)) {
    // As the hub would make it: its own, 0700.
    std::filesystem::create_directories(data_dir, ec);
    std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  std::ofstream out(file, std::ios::trunc);
  out << url << "\n";
  out.close();
  if (!out) {
    *error = "REVHUB_TEST_STORE=postgres: cannot write " + file;
    return "";
  }
  return url;
}

HubProcess::HubProcess(std::string data_dir) : data_dir_(std::move(data_dir)) {}

HubProcess::~HubProcess() {
  if (pid_ > 0) Kill();
}

bool HubProcess::Start() {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return false;
  }
  std::string bin = BinDir() + "/revhubd";
  std::string data_arg = data_dir_;
  // revhubd serves plaintext on loopback (with a token on every call),
  // unless the test asks for TLS or another address itself.
  auto given = [&](const char* flag) {
    return std::find(extra_args_.begin(), extra_args_.end(), flag) !=
           extra_args_.end();
  };
  std::vector<const char*> argv = {bin.c_str(), "--data-dir", data_arg.c_str()};
  if (!given("--listen")) {
    argv.push_back("--listen");
    argv.push_back("127.0.0.1:0");
  }
  if (!given("--tls-cert")) argv.push_back("--insecure-loopback");
  bool names_key = false;
  bool names_store = false;
  for (const std::string& arg : extra_args_) {
    argv.push_back(arg.c_str());
    if (arg.rfind("--secrets-key-file", 0) == 0) names_key = true;
    if (arg.rfind("--store", 0) == 0) names_store = true;
  }
  std::string store_arg;
  if (!names_store) {
    std::string store_error;
    const std::string url = TestStoreUrl(data_dir_, &store_error);
    if (!store_error.empty()) {
      close(pipefd[0]);
      close(pipefd[1]);
      error_ = store_error;
      return false;
    }
    if (!url.empty()) {
      store_arg = "--store=" + url;
      argv.push_back(store_arg.c_str());
    }
  }
  const std::string key_file = data_dir_ + "/secrets.key";
  if (default_secrets_key_ && !names_key) {
    std::error_code ec;
    if (!std::filesystem::exists(data_dir_, ec)) {
      std::filesystem::create_directories(data_dir_, ec);
      std::filesystem::permissions(data_dir_, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    }
    if (!EnsureSecretsKeyFile(key_file)) {
      close(pipefd[0]);
      close(pipefd[1]);
      error_ = "cannot write " + key_file;
      return false;
    }
    argv.push_back("--secrets-key-file");
    argv.push_back(key_file.c_str());
  }
  argv.push_back(nullptr);
  // fork + exec rather than posix_spawn, for PR_SET_PDEATHSIG: a hub
  // started by the test's main thread is killed when that thread ends, so
  // a test that dies (a sanitizer report, an abort) leaves no hub behind
  // holding ctest's output pipe. The signal follows the starting *thread*,
  // so a hub started by another thread (a crash test's killer restarting
  // it) does without. Only async-signal-safe calls between fork and exec.
  int err_fd = -1;
  if (!stderr_path_.empty()) {
    err_fd = open(stderr_path_.c_str(),
                  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  }
  const pid_t parent = getpid();
  const bool main_thread = gettid() == parent;
  const pid_t pid = fork();
  if (pid == 0) {
    if (main_thread) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);  // the test is already gone
    }
    dup2(pipefd[1], STDOUT_FILENO);
    if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
    execve(bin.c_str(), const_cast<char* const*>(argv.data()), environ);
    _exit(127);
  }
  close(pipefd[1]);
  if (err_fd >= 0) close(err_fd);
  if (pid < 0) {
    close(pipefd[0]);
    error_ = "cannot start " + bin;
    return false;
  }
  pid_ = pid;
  stdout_fd_ = pipefd[0];
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const std::string marker = "revhubd listening on ";
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{stdout_fd_, POLLIN, 0};
    if (poll(&pfd, 1, 200) <= 0) continue;
    char buf[256];
    ssize_t n = read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, n);
    auto at = out.find(marker);
    auto nl = at == std::string::npos ? std::string::npos : out.find('\n', at);
    if (nl != std::string::npos) {
      address_ = out.substr(at + marker.size(), nl - at - marker.size());
      // With --http-listen, the HTTP address comes on the line before.
      const std::string http_marker = "revhubd http listening on ";
      auto h = out.find(http_marker);
      if (h != std::string::npos && h < at) {
        auto hnl = out.find('\n', h);
        http_address_ =
            out.substr(h + http_marker.size(), hnl - h - http_marker.size());
      }
      // The hub wrote its admin token on its first start; the channel
      // sends it on every call.
      const std::string token = ReadAdminToken(data_dir_);
      if (token.empty()) {
        error_ = "revhubd wrote no " + data_dir_ + "/admin.token";
        Kill();
        return false;
      }
      channel_ = TokenChannel(address_, token);
      return true;
    }
  }
  error_ = "revhubd did not report listening; output: " + out;
  Kill();
  return false;
}

bool EnsureSecretsKeyFile(const std::string& path) {
  if (access(path.c_str(), F_OK) == 0) return true;
  unsigned char key[32];
  int rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (rnd < 0) return false;
  bool ok = read(rnd, key, sizeof key) == static_cast<ssize_t>(sizeof key);
  close(rnd);
  if (!ok) return false;
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : key) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 15]);
  }
  hex.push_back('\n');
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  ok = write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size());
  close(fd);
  return ok;
}

namespace {

// Sends `signal` to *pid, waits for it, closes *stdout_fd; marks both gone.
// Returns the wait status.
int SignalAndReap(pid_t* pid, int* stdout_fd, int signal) {
  kill(*pid, signal);
  int status = 0;
  waitpid(*pid, &status, 0);
  *pid = -1;
  if (*stdout_fd >= 0) close(*stdout_fd);
  *stdout_fd = -1;
  return status;
}

}  // namespace

int HubProcess::Stop() {
  if (pid_ <= 0) return -1;
  int status = SignalAndReap(&pid_, &stdout_fd_, SIGTERM);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void HubProcess::Kill() {
  if (pid_ <= 0) return;
  SignalAndReap(&pid_, &stdout_fd_, SIGKILL);
}

}  // namespace revhub::testing
