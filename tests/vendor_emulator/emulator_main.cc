#include "tests/vendor_emulator/emulator_main.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace revhub::emulator {

int ServeEmulator(const std::string& marker, const std::string& name, int port,
                  httplib::Server::Handler handler,
                  const std::function<void(int)>& on_bound,
                  const std::function<void()>& on_stop) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(16); };
  server.set_read_timeout(5, 0);
  server.Get(".*", handler);
  server.Put(".*", handler);
  server.Post(".*", handler);
  server.Delete(".*", handler);
  server.Patch(".*", handler);
  if (port == 0) {
    port = server.bind_to_any_port("127.0.0.1");
  } else if (!server.bind_to_port("127.0.0.1", port)) {
    port = -1;
  }
  if (port <= 0) {
    std::cerr << name << ": cannot bind\n";
    return 1;
  }
  if (on_bound) on_bound(port);
  std::thread listener([&server] { server.listen_after_bind(); });
  std::cout << marker << "|127.0.0.1:" << port << "\n" << std::flush;

  std::atomic<bool> stop{false};
  std::thread([&signals, &stop] {
    int sig = 0;
    sigwait(&signals, &sig);
    stop = true;
  }).detach();
  struct stat st {};
  if (fstat(STDIN_FILENO, &st) == 0 &&
      (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
    std::thread([&stop] {
      char buf[256];
      while (read(STDIN_FILENO, buf, sizeof buf) > 0) {
      }
      stop = true;
    }).detach();
  }
  while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (on_stop) on_stop();
  server.stop();
  listener.join();
  std::_Exit(0);
}

}  // namespace revhub::emulator
