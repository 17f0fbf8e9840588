#include "hub/adapter_host/adapter_host.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "canonical/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/client_unary_call.h"
#include "hub/adapter_host/launch_policy.h"
#include "hub/adapter_host/output_lines.h"
#include "hub/observability/log.h"
#include "hub/observability/trace_context.h"
#include "revhub/adapter/v1/adapter_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using adapter::v1::AdapterService;

constexpr int kSupportedProtocol = 1;
constexpr int kMaxMessageBytes = 64 * 1024 * 1024;

absl::Status FromGrpc(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      s.error_message());
}

std::chrono::system_clock::time_point ToChrono(absl::Time t) {
  return absl::ToChronoTime(t);
}

// Returns true when grpc.health.v1.Health/Check answers SERVING. The
// messages are tiny, so they are encoded by hand: the request (service "")
// is empty; the response's field 1 (varint) is the status, 1 = SERVING.
bool HealthCheck(grpc::Channel* channel, const std::string& token,
                 absl::Duration timeout) {
  grpc::ClientContext ctx;
  ctx.set_deadline(ToChrono(absl::Now() + timeout));
  ctx.AddMetadata("authorization", "Bearer " + token);
  grpc::Slice empty("", 0);
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  static const grpc::internal::RpcMethod kCheck(
      "/grpc.health.v1.Health/Check", grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Status s = grpc::internal::BlockingUnaryCall(channel, kCheck, &ctx,
                                                     request, &response);
  if (!s.ok()) return false;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const auto& slice : slices)
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  return bytes.size() == 2 && bytes[0] == 0x08 && bytes[1] == 0x01;
}

// One running adapter process.
struct ChildProcess {
  pid_t pid = 0;
  int stdin_fd = -1;
  std::string address;
  std::string folder;  // the launch folder, removed once the process is gone
  std::string token;   // sent on every call
  std::shared_ptr<grpc::Channel> channel;
  std::shared_ptr<AdapterService::Stub> stub;
  std::thread drain;  // copies the process's stdout after the handshake
  // Logs the process's stderr line by line (when not sent to a file).
  std::thread err_drain;
  absl::Time started;
};

// Reads one line from fd until `deadline`. Returns "" with *eof set when
// the stream closed first.
absl::StatusOr<std::string> ReadLine(int fd, absl::Time deadline) {
  std::string line;
  for (;;) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          "no handshake line before the handshake timeout");
    }
    pollfd p{fd, POLLIN, 0};
    int rc = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    char ch;
    ssize_t n = read(fd, &ch, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return absl::UnavailableError(
          "the adapter closed stdout before the handshake");
    if (ch == '\n') return line;
    line.push_back(ch);
    if (line.size() > 4096)
      return absl::InvalidArgumentError(
          "handshake line longer than 4096 bytes");
  }
}

void Reap(pid_t pid, absl::Duration grace) {
  absl::Time deadline = absl::Now() + grace;
  while (absl::Now() < deadline) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return;
    absl::SleepFor(absl::Milliseconds(10));
  }
  kill(pid, SIGKILL);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status))
    return absl::StrCat("exited with status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return absl::StrCat("killed by signal ", WTERMSIG(status));
  return "stopped";
}

// Returns 32 random bytes as hex.
absl::StatusOr<std::string> NewToken() {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return absl::InternalError(absl::StrCat("getrandom: ", strerror(errno)));
    got += n;
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// The longest path a unix socket address holds.
constexpr size_t kMaxSocketPath = sizeof(sockaddr_un{}.sun_path) - 1;
constexpr char kSocketName[] = "adapter.sock";

// Creates the launch folder (0700) for launch `n` of `name` and returns it.
absl::StatusOr<std::string> MakeLaunchFolder(const std::string& run_dir,
                                             const std::string& name, int n) {
  if (!run_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(run_dir, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat(run_dir, ": cannot create: ", ec.message()));
    }
    std::string folder = absl::StrCat(run_dir, "/", name, "-", n);
    if (folder.size() + 1 + sizeof kSocketName - 1 <= kMaxSocketPath) {
      // A folder left by an earlier hub of this data folder goes first.
      std::filesystem::remove_all(folder, ec);
      if (mkdir(folder.c_str(), 0700) != 0) {
        return absl::InternalError(
            absl::StrCat(folder, ": cannot create: ", strerror(errno)));
      }
      return folder;
    }
  }
  const char* runtime = getenv("XDG_RUNTIME_DIR");
  std::string base = runtime != nullptr && runtime[0] == '/' ? runtime : "/tmp";
  std::string tmpl = absl::StrCat(base, "/revhub-adapter-XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat(tmpl, ": mkdtemp: ", strerror(errno)));
  }
  return tmpl;  // mkdtemp makes it 0700
}

// Numbers the launches of this hub process, so two hosts of one system
// (the old one still stopping) never share a folder.
int NextLaunch() {
  static std::atomic<int> launches{0};
  return launches.fetch_add(1) + 1;
}

void RemoveFolder(const std::string& folder) {
  if (folder.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(folder, ec);
}

class AdapterHostImpl final : public AdapterHost {
 public:
  AdapterHostImpl(AdapterLaunchSpec spec, AdapterHostOptions options)
      : spec_(std::move(spec)), options_(options) {}

  ~AdapterHostImpl() override { Shutdown(); }

  absl::Status StartFirst() {
    absl::StatusOr<std::unique_ptr<ChildProcess>> p = Spawn();
    if (!p.ok()) return p.status();
    {
      std::lock_guard<std::mutex> lock(mu_);
      current_ = std::move(*p);
      ++generation_;
    }
    supervisor_ = std::thread([this] { Supervise(); });
    return absl::OkStatus();
  }

  // AdapterClient
  absl::StatusOr<adapter::v1::DescribeResponse> Describe() override {
    adapter::v1::DescribeRequest request;
    adapter::v1::DescribeResponse response;
    RETURN_IF_ERROR(
        Call([&](AdapterService::Stub* stub, grpc::ClientContext* ctx) {
          return stub->Describe(ctx, request, &response);
        }));
    return response;
  }
  absl::StatusOr<adapter::v1::CheckResponse> Check(
      const adapter::v1::CheckRequest& request) override {
    adapter::v1::CheckResponse response;
    RETURN_IF_ERROR(
        Call([&](AdapterService::Stub* stub, grpc::ClientContext* ctx) {
          return stub->Check(ctx, request, &response);
        }));
    return response;
  }
  absl::StatusOr<adapter::v1::TranslateResponse> Translate(
      const adapter::v1::TranslateRequest& request) override {
    adapter::v1::TranslateResponse response;
    RETURN_IF_ERROR(
        Call([&](AdapterService::Stub* stub, grpc::ClientContext* ctx) {
          return stub->Translate(ctx, request, &response);
        }));
    return response;
  }
  absl::StatusOr<adapter::v1::TranslateBatchResponse> TranslateBatch(
      const adapter::v1::TranslateBatchRequest& request) override {
    adapter::v1::TranslateBatchResponse response;
    RETURN_IF_ERROR(
        Call([&](AdapterService::Stub* stub, grpc::ClientContext* ctx) {
          return stub->TranslateBatch(ctx, request, &response);
        }));
    return response;
  }
  absl::StatusOr<adapter::v1::ApplyResponse> Apply(
      const adapter::v1::ApplyRequest& request) override {
    adapter::v1::ApplyResponse response;
    RETURN_IF_ERROR(
        Call([&](AdapterService::Stub* stub, grpc::ClientContext* ctx) {
          return stub->Apply(ctx, request, &response);
        }));
    return response;
  }
  absl::StatusOr<adapter::v1::ReadResponse> Read(
      const adapter::v1::ReadRequest& request) override {
    adapter::v1::ReadResponse response;
    RETURN_IF_ERROR(
        Call([&](AdapterService::Stub* stub, grpc::ClientContext* ctx) {
          return stub->Read(ctx, request, &response);
        }));
    return response;
  }
  absl::StatusOr<adapter::v1::VerifyWebhookResponse> VerifyWebhook(
      const adapter::v1::VerifyWebhookRequest& request) override {
    adapter::v1::VerifyWebhookResponse response;
    RETURN_IF_ERROR(
        Call([&](AdapterService::Stub* stub, grpc::ClientContext* ctx) {
          return stub->VerifyWebhook(ctx, request, &response);
        }));
    return response;
  }

  // AdapterHost
  pid_t pid() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return current_ ? current_->pid : 0;
  }
  int restarts() const override { return restarts_.load(); }
  std::string address() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return current_ ? current_->address : "";
  }

  void Shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    cv_.notify_all();
    if (supervisor_.joinable()) supervisor_.join();
    std::unique_ptr<ChildProcess> p;
    {
      std::lock_guard<std::mutex> lock(mu_);
      p = std::move(current_);
    }
    if (p) Stop(*p, /*graceful=*/true);
  }

 private:
  // Runs `rpc` against the current process, retrying on a restarted one
  // when the process went away, until the call deadline.
  absl::Status Call(const std::function<grpc::Status(
                        AdapterService::Stub*, grpc::ClientContext*)>& rpc) {
    absl::Time deadline = absl::Now() + options_.call_deadline;
    uint64_t last_generation = 0;
    grpc::Status last(grpc::StatusCode::UNAVAILABLE, "adapter not running");
    for (;;) {
      std::shared_ptr<AdapterService::Stub> stub;
      std::string token;
      uint64_t generation;
      {
        std::unique_lock<std::mutex> lock(mu_);
        bool ready = cv_.wait_until(lock, ToChrono(deadline), [&] {
          return stopped_ ||
                 (current_ != nullptr && generation_ != last_generation);
        });
        if (stopped_)
          return absl::UnavailableError("adapter host is shut down");
        if (!ready) {
          return absl::DeadlineExceededError(absl::StrCat(
              "adapter not available before the deadline; last error: ",
              last.error_message()));
        }
        stub = current_->stub;
        token = current_->token;
        generation = generation_;
      }
      grpc::ClientContext ctx;
      ctx.set_deadline(ToChrono(deadline));
      ctx.AddMetadata("authorization", "Bearer " + token);
      if (const auto* trace = observability::CurrentTrace()) {
        ctx.AddMetadata("traceparent", trace->Traceparent());
        if (!trace->tracestate.empty()) {
          ctx.AddMetadata("tracestate", trace->tracestate);
        }
      }
      last = rpc(stub.get(), &ctx);
      if (last.error_code() != grpc::StatusCode::UNAVAILABLE)
        return FromGrpc(last);
      // The process is gone or going: wait for the next one.
      last_generation = generation;
    }
  }

  absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn() {
    // The command is checked at every launch: it may have changed on disk.
    RETURN_IF_ERROR(CheckExecutable(spec_.command));
    ASSIGN_OR_RETURN(std::string token, NewToken());
    ASSIGN_OR_RETURN(
        std::string folder,
        MakeLaunchFolder(options_.run_dir, spec_.name, NextLaunch()));
    const std::string socket = absl::StrCat(folder, "/", kSocketName);
    absl::StatusOr<std::unique_ptr<ChildProcess>> p =
        SpawnIn(folder, socket, token);
    if (!p.ok()) RemoveFolder(folder);
    return p;
  }

  absl::StatusOr<std::unique_ptr<ChildProcess>> SpawnIn(
      const std::string& folder, const std::string& socket,
      const std::string& token) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0)
      return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
    if (pipe2(out, O_CLOEXEC) != 0) {
      close(in[0]);
      close(in[1]);
      return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
    }
    int err_fd = -1;
    int err_read = -1;  // the parent's end of the stderr pipe
    if (!spec_.stderr_path.empty()) {
      err_fd = open(spec_.stderr_path.c_str(),
                    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (err_fd < 0)
        return absl::InternalError(
            absl::StrCat(spec_.stderr_path, ": ", strerror(errno)));
    } else {
      int err[2];
      if (pipe2(err, O_CLOEXEC) != 0) {
        for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
        return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
      }
      err_read = err[0];
      err_fd = err[1];
    }
    // Everything the child needs is prepared before fork.
    std::vector<std::string> argv_s = {spec_.command};
    argv_s.insert(argv_s.end(), spec_.args.begin(), spec_.args.end());
    argv_s.push_back(absl::StrCat("--listen=unix:", socket));
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::map<std::string, std::string> env = spec_.env;
    env[kAdapterTokenEnv] = token;
    std::vector<std::string> env_s;
    for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t parent = getpid();

    pid_t pid = fork();
    if (pid < 0) {
      for (int fd : {in[0], in[1], out[0], out[1], err_fd, err_read}) {
        if (fd >= 0) close(fd);
      }
      return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      dup2(in[0], STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execve(argv[0], argv.data(), envp.data());
      const char msg[] = "adapter host: exec failed\n";
      (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (err_fd >= 0) close(err_fd);
    auto p = std::make_unique<ChildProcess>();
    p->pid = pid;
    p->stdin_fd = in[1];
    p->folder = folder;
    p->token = token;
    p->started = absl::Now();
    if (err_read >= 0) {
      p->err_drain = std::thread([err_read, command = spec_.command] {
        DrainLines(err_read, command, "stderr");
      });
    }
    absl::Time deadline = absl::Now() + options_.handshake_timeout;
    auto fail = [&](absl::Status status) -> absl::Status {
      close(out[0]);
      kill(pid, SIGKILL);
      int wstatus = 0;
      waitpid(pid, &wstatus, 0);
      if (p->err_drain.joinable()) p->err_drain.join();
      close(p->stdin_fd);
      return absl::Status(
          status.code(),
          absl::StrCat("adapter ", spec_.command, ": ", status.message(), " (",
                       DescribeExit(wstatus), ")"));
    };
    absl::StatusOr<std::string> line = ReadLine(out[0], deadline);
    if (!line.ok()) return fail(line.status());
    absl::StatusOr<AdapterHandshake> hs = ParseHandshake(*line);
    if (!hs.ok()) return fail(hs.status());
    if (hs->network != "unix" || hs->address != socket) {
      return fail(absl::FailedPreconditionError(absl::StrCat(
          "handshake: the adapter serves ", hs->network, " ", hs->address,
          ", not the socket ", socket,
          " it was given (--listen); it must listen where the hub asks")));
    }
    std::string target = "unix:" + hs->address;
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(kMaxMessageBytes);
    args.SetMaxSendMessageSize(kMaxMessageBytes);
    // A fresh connection per process: reconnect quickly after a restart.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    p->channel = grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args);
    if (!p->channel->WaitForConnected(ToChrono(deadline))) {
      return fail(
          absl::UnavailableError(absl::StrCat("cannot connect to ", target)));
    }
    bool healthy = false;
    while (!healthy && absl::Now() < deadline) {
      healthy = HealthCheck(p->channel.get(), token, options_.health_timeout);
      if (!healthy) absl::SleepFor(absl::Milliseconds(20));
    }
    if (!healthy)
      return fail(absl::UnavailableError("not SERVING on grpc.health.v1"));
    p->address = hs->address;
    p->stub = AdapterService::NewStub(p->channel);
    int out_fd = out[0];
    p->drain = std::thread([out_fd, command = spec_.command] {
      // An adapter must print nothing after the handshake; whatever it does
      // print is logged rather than blocking the adapter.
      DrainLines(out_fd, command, "stdout");
    });
    return p;
  }

  void Stop(ChildProcess& p, bool graceful) {
    if (graceful) {
      close(p.stdin_fd);
      kill(p.pid, SIGTERM);
      Reap(p.pid, options_.shutdown_grace);
    } else {
      kill(p.pid, SIGKILL);
      Reap(p.pid, absl::Seconds(5));
      close(p.stdin_fd);
    }
    if (p.drain.joinable()) p.drain.join();
    if (p.err_drain.joinable()) p.err_drain.join();
    RemoveFolder(p.folder);
  }

  // Sleeps up to `d`; returns false when shutting down.
  bool Wait(absl::Duration d) {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_until(lock, ToChrono(absl::Now() + d),
                           [this] { return stopped_; });
  }

  void Supervise() {
    int failures_in_row = 0;
    int unhealthy = 0;
    for (;;) {
      if (!Wait(options_.health_interval)) return;
      std::shared_ptr<grpc::Channel> channel;
      std::string token;
      pid_t pid;
      absl::Time started;
      {
        std::lock_guard<std::mutex> lock(mu_);
        channel = current_->channel;
        token = current_->token;
        pid = current_->pid;
        started = current_->started;
      }
      int status = 0;
      std::string why;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        why = DescribeExit(status);
      } else if (!HealthCheck(channel.get(), token, options_.health_timeout)) {
        if (++unhealthy >= options_.unhealthy_threshold) {
          why = absl::StrCat("failed ", unhealthy, " health checks in a row");
        }
      } else {
        unhealthy = 0;
        if (absl::Now() - started >= options_.stable_after) failures_in_row = 0;
      }
      if (why.empty()) continue;
      observability::LogWarn(
          "adapter_host", absl::StrCat(why, "; restarting"),
          {{"command", spec_.command}, {"pid", absl::StrCat(pid)}});
      std::unique_ptr<ChildProcess> dead;
      {
        std::lock_guard<std::mutex> lock(mu_);
        dead = std::move(current_);
      }
      Stop(*dead, /*graceful=*/false);
      unhealthy = 0;
      for (;;) {
        absl::Duration backoff = options_.initial_backoff;
        for (int i = 0; i < failures_in_row && backoff < options_.max_backoff;
             ++i)
          backoff *= 2;
        if (backoff > options_.max_backoff) backoff = options_.max_backoff;
        ++failures_in_row;
        if (!Wait(backoff)) return;
        absl::StatusOr<std::unique_ptr<ChildProcess>> p = Spawn();
        if (p.ok()) {
          std::lock_guard<std::mutex> lock(mu_);
          if (stopped_) {
            Stop(**p, true);
            return;
          }
          current_ = std::move(*p);
          ++generation_;
          ++restarts_;
          cv_.notify_all();
          break;
        }
        observability::LogWarn(
            "adapter_host",
            absl::StrCat("restart failed: ", p.status().message()),
            {{"command", spec_.command}});
      }
    }
  }

  const AdapterLaunchSpec spec_;
  const AdapterHostOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<ChildProcess> current_;  // null while restarting
  uint64_t generation_ = 0;
  bool stopped_ = false;
  std::atomic<int> restarts_{0};
  std::thread supervisor_;
};

}  // namespace

absl::StatusOr<AdapterHandshake> ParseHandshake(absl::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> parts = absl::StrSplit(line, '|');
  if (parts.size() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("handshake: expected 4 '|'-separated fields, got ",
                     parts.size(), " in \"", line, "\""));
  }
  if (parts[0] != "REVHUB-ADAPTER") {
    return absl::InvalidArgumentError(
        absl::StrCat("handshake: first field must be REVHUB-ADAPTER, got \"",
                     parts[0], "\""));
  }
  AdapterHandshake hs;
  if (!absl::SimpleAtoi(parts[1], &hs.protocol_version)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "handshake: protocol version \"", parts[1], "\" is not a number"));
  }
  if (hs.protocol_version != kSupportedProtocol) {
    return absl::FailedPreconditionError(absl::StrCat(
        "handshake: protocol version ", hs.protocol_version,
        " is not supported (this hub speaks ", kSupportedProtocol, ")"));
  }
  hs.network = parts[2];
  if (hs.network != "tcp" && hs.network != "unix") {
    return absl::InvalidArgumentError(absl::StrCat(
        "handshake: network must be tcp or unix, got \"", parts[2], "\""));
  }
  hs.address = parts[3];
  if (hs.address.empty())
    return absl::InvalidArgumentError("handshake: empty address");
  if (hs.network == "tcp") {
    auto colon = hs.address.rfind(':');
    int port = 0;
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(hs.address.substr(colon + 1), &port) || port <= 0 ||
        port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("handshake: tcp address must be host:port, got \"",
                       hs.address, "\""));
    }
  }
  return hs;
}

hub::v1::AdapterProcess AdapterHost::Process() const {
  hub::v1::AdapterProcess p;
  p.set_pid(pid());
  p.set_restarts(restarts());
  p.set_address(address());
  return p;
}

absl::StatusOr<std::unique_ptr<AdapterHost>> AdapterHost::Start(
    AdapterLaunchSpec spec, AdapterHostOptions options) {
  if (spec.command.empty())
    return absl::InvalidArgumentError("launch.command: required");
  if (spec.command[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "launch.command: \"", spec.command, "\" must be an absolute path"));
  }
  auto host = std::make_unique<AdapterHostImpl>(std::move(spec), options);
  absl::Status status = host->StartFirst();
  if (!status.ok()) return status;
  return host;
}

}  // namespace revhub::hub
