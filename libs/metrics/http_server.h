// The HTTP side every service has: /metrics, /healthz, and the service's own routes.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "metrics/registry.h"

namespace httplib {
class Server;
}

namespace teksin::metrics {

class HttpServer {
 public:
  // A health check answers OK or says what is wrong; /healthz runs them all.
  using HealthCheck = std::function<absl::Status()>;

  // `threads`: requests served at once. Handlers that wait (a channel waits for Kafka's
  // acknowledgement before it answers) hold a thread each, so the pool is larger than the cores.
  // `keep_alive_seconds`: how long an idle keep-alive connection is kept open (0: closed when no
  // next request arrives within ~10 ms). See the constructor for why it matters.
  HttpServer(std::string service, Registry& registry, int threads = 64, int keep_alive_seconds = 2);
  ~HttpServer();

  httplib::Server& server() { return *server_; }
  void AddHealthCheck(std::string name, HealthCheck check);

  // Binds host:port (0 = any free port) and serves on a background thread. Returns the port.
  absl::StatusOr<int> Start(const std::string& host, int port);
  void Stop();

 private:
  std::string service_;
  Registry& registry_;
  static constexpr int kListenBacklog = 1024;  // the kernel caps it at net.core.somaxconn
  std::unique_ptr<httplib::Server> server_;
  int listen_fd_ = -1;  // set while httplib creates the listening socket
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::pair<std::string, HealthCheck>> checks_;
  Family<Counter>* requests_ = nullptr;
  Family<Histogram>* latency_ = nullptr;
};

}  // namespace teksin::metrics
