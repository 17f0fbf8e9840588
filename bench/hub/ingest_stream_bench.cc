// IngestStream throughput against two baselines measured in the same run,
// with 1 KiB payloads and the same concurrency for each:
//   echo    a bare gRPC bidirectional streaming echo of the same messages:
//           the same service and messages, served by a process of its own
//           (this binary with --echo-server) that answers each message at
//           once, with the hub's flow control (256 in flight) and no store;
//   ingest  IngestStream on a real revhubd (build/bin): every record durable
//           (SQLite, synchronous=FULL) before its answer;
//   redis   XADD to a redis-server started here on a loopback port in a
//           temporary folder with appendonly yes and appendfsync always,
//           pipelined through a plain socket (RESP) with as many commands
//           in flight per connection as the hub allows per stream. Left out,
//           saying so, when redis-server is not installed.
// Each is run for a few seconds at 1 and at 4 streams (connections), three
// rounds taken in turn; the medians and their ratios are printed. Targets:
// ingest >= 0.5x the echo, >= 1.0x Redis.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "revhub/hub/v1/ingest_service.grpc.pb.h"
#include "revhub/hub/v1/system_registry_service.grpc.pb.h"
#include "tests/support/hub_process.h"

namespace {

namespace v1 = revhub::hub::v1;
using Clock = std::chrono::steady_clock;

constexpr int kInFlight = 256;  // the hub's default per stream
constexpr double kSeconds = 3.0;
constexpr int kRounds = 3;

const std::string kPayload = [] {
  std::string head = R"({"id":"in_0001","object":"invoice","memo":")";
  std::string tail = R"("})";
  return head + std::string(1024 - head.size() - tail.size(), 'x') + tail;
}();

// --- The echo server (this binary with --echo-server).

// Answers each message at once, in order, reading at most kInFlight
// messages ahead of the answers written: the hub's stream without storing.
class EchoReactor final
    : public grpc::ServerBidiReactor<v1::IngestStreamRequest,
                                     v1::IngestStreamResponse> {
 public:
  EchoReactor() { StartRead(&in_); }

  void OnReadDone(bool ok) override {
    bool read = false;
    const v1::IngestStreamResponse* write = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      reading_ = false;
      if (!ok) {
        reads_done_ = true;
        MaybeFinishLocked();
        return;
      }
      v1::IngestStreamResponse answer;
      answer.set_sequence(++sequence_);
      answer.mutable_stored()->set_record_id(sequence_);
      out_.push_back(std::move(answer));
      ++in_flight_;
      if (!writing_) {
        writing_ = true;
        write = &out_.front();
      }
      if (in_flight_ < kInFlight) read = reading_ = true;
    }
    if (write != nullptr) StartWrite(write);
    if (read) StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    bool read = false;
    const v1::IngestStreamResponse* write = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      out_.pop_front();
      --in_flight_;
      writing_ = false;
      if (!ok) {
        gone_ = true;
        MaybeFinishLocked();
        return;
      }
      if (!out_.empty()) {
        writing_ = true;
        write = &out_.front();
      }
      if (!reading_ && !reads_done_ && in_flight_ < kInFlight) {
        read = reading_ = true;
      }
      if (write == nullptr) MaybeFinishLocked();
    }
    if (write != nullptr) StartWrite(write);
    if (read) StartRead(&in_);
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    gone_ = true;
    MaybeFinishLocked();
  }
  void OnDone() override { delete this; }

 private:
  void MaybeFinishLocked() {
    if (finished_) return;
    if (gone_ || (reads_done_ && out_.empty() && !writing_)) {
      finished_ = true;
      Finish(gone_ ? grpc::Status::CANCELLED : grpc::Status::OK);
    }
  }

  v1::IngestStreamRequest in_;
  std::mutex mu_;
  std::deque<v1::IngestStreamResponse> out_;
  int64_t sequence_ = 0;
  int in_flight_ = 0;
  bool reading_ = true;
  bool writing_ = false;
  bool reads_done_ = false;
  bool gone_ = false;
  bool finished_ = false;
};

class EchoService final : public v1::IngestService::CallbackService {
  grpc::ServerBidiReactor<v1::IngestStreamRequest, v1::IngestStreamResponse>*
  IngestStream(grpc::CallbackServerContext*) override {
    return new EchoReactor;
  }
};

int ServeEcho() {
  EchoService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return 1;
  std::printf("echo listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  server->Wait();
  return 0;
}

// Starts this binary as the echo server; returns its pid and address.
bool StartEcho(pid_t* pid, std::string* address) {
  int out[2];
  if (pipe(out) != 0) return false;
  *pid = fork();
  if (*pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl("/proc/self/exe", "ingest_stream_bench", "--echo-server",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string seen;
  char buf[256];
  ssize_t n;
  while (seen.find('\n') == std::string::npos &&
         (n = read(out[0], buf, sizeof buf)) > 0) {
    seen.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  const std::string marker = "echo listening on ";
  if (seen.rfind(marker, 0) != 0) return false;
  *address = seen.substr(marker.size(), seen.find('\n') - marker.size());
  return true;
}

// --- gRPC stream clients (the echo and the hub alike).

std::atomic<int64_t> g_key{0};

// What one run measured: answers per second, and the server process's CPU
// time (user and system) per answer, which the machine's other load
// disturbs far less than the rate.
struct Run {
  double per_second = 0;
  double cpu_us = 0;
};

// Returns the CPU time `pid` has used, in seconds (/proc/PID/stat).
double CpuSeconds(pid_t pid) {
  std::FILE* f =
      std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return 0;
  char buf[2048];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  // Fields after the command name, which ends with the last ')'.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return 0;
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(p + 2,
                  "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                  &utime, &stime) != 2) {
    return 0;
  }
  return static_cast<double>(utime + stime) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Runs `streams` IngestStreams on `channel` for kSeconds, each writing
// messages as fast as the server (process `server`) takes them.
Run StreamRate(const std::shared_ptr<grpc::Channel>& channel, int streams,
               const char* what, pid_t server) {
  const double cpu_before = CpuSeconds(server);
  std::atomic<int64_t> answered{0};
  std::atomic<int64_t> refused{0};
  std::atomic<bool> failed{false};
  const Clock::time_point start = Clock::now();
  const Clock::time_point stop =
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(kSeconds));
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&] {
      auto stub = v1::IngestService::NewStub(channel);
      grpc::ClientContext ctx;
      auto stream = stub->IngestStream(&ctx);
      std::thread writer([&] {
        v1::IngestStreamRequest m;
        m.mutable_record()->set_system("stripe");
        m.mutable_record()->set_object_type("invoice");
        m.mutable_record()->set_payload(kPayload);
        while (Clock::now() < stop) {
          m.mutable_record()->set_idempotency_key("bench-" +
                                                  std::to_string(g_key++));
          if (!stream->Write(m)) break;
        }
        stream->WritesDone();
      });
      v1::IngestStreamResponse r;
      while (stream->Read(&r)) {
        ++answered;
        if (r.has_error()) ++refused;
      }
      writer.join();
      grpc::Status st = stream->Finish();
      if (!st.ok()) {
        std::fprintf(stderr, "%s stream failed: %d %s\n", what, st.error_code(),
                     st.error_message().c_str());
        failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  if (refused > 0) {
    // Only stored records count: a refused one is no measure of ingest.
    std::fprintf(stderr, "%s: %lld messages refused\n", what,
                 static_cast<long long>(refused.load()));
    std::exit(1);
  }
  if (failed || answered == 0) return {};
  return {static_cast<double>(answered.load()) / seconds,
          (CpuSeconds(server) - cpu_before) * 1e6 /
              static_cast<double>(answered.load())};
}

// --- Redis: a redis-server of our own, XADD pipelined over RESP.

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

struct Redis {
  pid_t pid = -1;
  int port = 0;
};

bool StartRedis(const std::string& dir, Redis* redis) {
  if (access("/usr/bin/redis-server", X_OK) != 0 &&
      system("command -v redis-server >/dev/null 2>&1") != 0) {
    return false;
  }
  redis->port = FreePort();
  redis->pid = fork();
  if (redis->pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);
    const std::string port = std::to_string(redis->port);
    execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind",
           "127.0.0.1", "--dir", dir.c_str(), "--appendonly", "yes",
           "--appendfsync", "always", "--save", "", "--daemonize", "no",
           static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 100; ++i) {
    int fd = Connect(redis->port);
    if (fd >= 0) {
      close(fd);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Counts complete RESP replies in `buf` from *pos on (bulk strings and
// one-line replies), advancing *pos past them.
int64_t CountReplies(const std::string& buf, size_t* pos, int64_t* errors) {
  int64_t n = 0;
  for (;;) {
    const size_t eol = buf.find("\r\n", *pos);
    if (eol == std::string::npos) return n;
    if (buf[*pos] == '$') {
      const long len = std::strtol(buf.c_str() + *pos + 1, nullptr, 10);
      const size_t end = eol + 2 + (len < 0 ? 0 : static_cast<size_t>(len) + 2);
      if (end > buf.size()) return n;
      *pos = end;
    } else {
      if (buf[*pos] == '-') ++*errors;
      *pos = eol + 2;
    }
    ++n;
  }
}

// XADD over `connections` connections to redis-server `server`, each
// keeping kInFlight commands in flight, for kSeconds.
Run RedisRate(int port, int connections, pid_t server) {
  const double cpu_before = CpuSeconds(server);
  std::atomic<int64_t> replies{0};
  std::atomic<int64_t> errors{0};
  const Clock::time_point start = Clock::now();
  const Clock::time_point stop =
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(kSeconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      int fd = Connect(port);
      if (fd < 0) return;
      int64_t in_flight = 0;
      std::string in;
      size_t pos = 0;
      std::string out;
      for (;;) {
        const bool sending = Clock::now() < stop;
        if (!sending && in_flight == 0) break;
        out.clear();
        while (sending && in_flight < kInFlight) {
          const std::string key = "bench-" + std::to_string(g_key++);
          out += "*7\r\n$4\r\nXADD\r\n$5\r\nbench\r\n$1\r\n*\r\n$1\r\nk\r\n$" +
                 std::to_string(key.size()) + "\r\n" + key +
                 "\r\n$1\r\np\r\n$" + std::to_string(kPayload.size()) + "\r\n" +
                 kPayload + "\r\n";
          ++in_flight;
        }
        for (size_t off = 0; off < out.size();) {
          ssize_t w = write(fd, out.data() + off, out.size() - off);
          if (w <= 0) return;
          off += static_cast<size_t>(w);
        }
        char buf[65536];
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0) break;
        in.append(buf, static_cast<size_t>(r));
        int64_t errs = 0;
        const int64_t n = CountReplies(in, &pos, &errs);
        in.erase(0, pos);
        pos = 0;
        in_flight -= n;
        replies += n;
        errors += errs;
      }
      close(fd);
    });
  }
  for (auto& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  if (errors > 0) {
    std::fprintf(stderr, "redis: %lld error replies\n",
                 static_cast<long long>(errors.load()));
    return {};
  }
  if (replies == 0) return {};
  return {static_cast<double>(replies.load()) / seconds,
          (CpuSeconds(server) - cpu_before) * 1e6 /
              static_cast<double>(replies.load())};
}

double Median(const std::vector<Run>& runs, double Run::*field) {
  std::vector<double> v;
  for (const Run& r : runs) v.push_back(r.*field);
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--echo-server") return ServeEcho();
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50", 0);
  signal(SIGPIPE, SIG_IGN);

  revhub::testing::TempDir dir;
  revhub::testing::HubProcess hub(dir.path());
  if (!hub.Start()) {
    std::fprintf(stderr, "cannot start revhubd: %s\n", hub.error().c_str());
    return 1;
  }
  {
    auto registry = v1::SystemRegistryService::NewStub(hub.channel());
    v1::RegisterSystemRequest req;
    req.mutable_system()->set_name("stripe");
    req.mutable_system()->set_kind(v1::SYSTEM_KIND_BILLING);
    grpc::ClientContext ctx;
    v1::RegisterSystemResponse resp;
    if (!registry->RegisterSystem(&ctx, req, &resp).ok()) return 1;
  }
  pid_t echo_pid = -1;
  std::string echo_address;
  if (!StartEcho(&echo_pid, &echo_address)) {
    std::fprintf(stderr, "cannot start the echo server\n");
    return 1;
  }
  auto echo =
      grpc::CreateChannel(echo_address, grpc::InsecureChannelCredentials());
  revhub::testing::TempDir redis_dir;
  Redis redis;
  const bool have_redis = StartRedis(redis_dir.path(), &redis);
  if (!have_redis) {
    std::printf(
        "redis-server not found (or did not start): the Redis baseline is "
        "left out (apt-get install redis-server; cmake/install-deps.sh "
        "installs it)\n");
  }

  std::printf(
      "1 KiB payloads, %d messages in flight per stream, %.0f s per "
      "run, %d rounds\n",
      kInFlight, kSeconds, kRounds);
  for (int streams : {1, 4}) {
    std::vector<Run> e, h, r;
    for (int round = 0; round < kRounds; ++round) {
      e.push_back(StreamRate(echo, streams, "echo", echo_pid));
      h.push_back(
          StreamRate(hub.channel(), streams, "IngestStream", hub.pid()));
      if (have_redis) r.push_back(RedisRate(redis.port, streams, redis.pid));
      std::printf(
          "  %d stream(s), round %d: echo %.0f/s (%.1f us CPU each), "
          "IngestStream %.0f/s (%.1f us)",
          streams, round + 1, e.back().per_second, e.back().cpu_us,
          h.back().per_second, h.back().cpu_us);
      if (have_redis) {
        std::printf(", Redis XADD %.0f/s (%.1f us)", r.back().per_second,
                    r.back().cpu_us);
      }
      std::printf("\n");
      std::fflush(stdout);
    }
    const double echo_rate = Median(e, &Run::per_second);
    const double hub_rate = Median(h, &Run::per_second);
    std::printf("\n%d stream(s) (%d in flight), medians of %d:\n", streams,
                streams * kInFlight, kRounds);
    std::printf(
        "  bare gRPC streaming echo       %9.0f messages/s, %6.1f us of "
        "server CPU each\n",
        echo_rate, Median(e, &Run::cpu_us));
    std::printf(
        "  IngestStream (durable)         %9.0f records/s,  %6.1f us of "
        "server CPU each = %.2fx the echo (target >= 0.5)\n",
        hub_rate, Median(h, &Run::cpu_us),
        echo_rate > 0 ? hub_rate / echo_rate : 0);
    if (have_redis) {
      const double redis_rate = Median(r, &Run::per_second);
      std::printf(
          "  Redis XADD, appendfsync always %9.0f entries/s,  %6.1f us of "
          "server CPU each; IngestStream = %.2fx Redis (target >= 1.0)\n",
          redis_rate, Median(r, &Run::cpu_us),
          redis_rate > 0 ? hub_rate / redis_rate : 0);
    }
    std::printf("\n");
  }
  hub.Stop();
  kill(echo_pid, SIGKILL);
  waitpid(echo_pid, nullptr, 0);
  if (have_redis) {
    kill(redis.pid, SIGTERM);
    waitpid(redis.pid, nullptr, 0);
  }
  return 0;
}
