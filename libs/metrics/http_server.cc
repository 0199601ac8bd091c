#include "metrics/http_server.h"

#include <sys/socket.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace teksin::metrics {

HttpServer::HttpServer(std::string service, Registry& registry, int threads, int keep_alive_seconds)
    : service_(std::move(service)), registry_(registry),
      server_(std::make_unique<httplib::Server>()) {
  const size_t pool = threads > 0 ? static_cast<size_t>(threads) : 1;
  server_->new_task_queue = [pool] { return new httplib::ThreadPool(pool); };
  requests_ = &registry_.AddCounter(
      absl::StrCat("teksin_", service_, "_http_requests_total"),
      "HTTP requests answered, by route pattern and status class", {"method", "route", "code"});
  latency_ = &registry_.AddHistogram(
      absl::StrCat("teksin_", service_, "_http_request_duration_seconds"),
      "HTTP request handling time", {"method", "route"}, LatencyBuckets());

  server_->set_payload_max_length(1 << 20);  // oversized bodies are refused early (413)
  // httplib writes headers and body separately: without TCP_NODELAY, Nagle's algorithm and the
  // client's delayed ACK hold every keep-alive response back by ~40 ms (measured, docs/benchmarks.md).
  server_->set_tcp_nodelay(true);
  // httplib closes a keep-alive connection after 5 requests by default: a busy client (an app
  // backend, the load generator, wrk) then reconnects every 5 requests, against a listen backlog
  // of 5. Serve up to 10,000 per connection, as bench_null_http does.
  server_->set_keep_alive_max_count(10000);
  // An idle keep-alive connection holds one of the pool's threads until this timeout: with more
  // client connections than threads (80 senders against 64 threads), httplib's 5 s made the
  // requests queued behind idle connections wait up to 5 s (p99 1.4 s measured; 5.9 ms with 1 s).
  // While it waits, httplib 0.11 polls the socket for 10 ms and then sleeps 1 ms, in a loop: ~90
  // wake-ups a second per idle connection, on its own pool thread (docs/benchmarks.md).
  server_->set_keep_alive_timeout(keep_alive_seconds < 0 ? 0 : keep_alive_seconds);
  // httplib 0.11 listens with a backlog of 5: a burst of new connections (clients reconnecting
  // after the keep-alive timeout) overflows it, and the kernel then drops SYNs, which the client
  // retries only after 1 s. The listening socket passes through here before bind; Start() raises
  // its backlog (a second listen() on a listening socket only changes the backlog).
  server_->set_socket_options([this](int sock) {
    httplib::default_socket_options(sock);
    listen_fd_ = sock;
  });
  server_->set_read_timeout(10, 0);
  server_->set_write_timeout(10, 0);

  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry_.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json body;
    body["service"] = service_;
    bool ok = true;
    std::vector<std::pair<std::string, HealthCheck>> checks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      checks = checks_;
    }
    for (auto& [name, check] : checks) {
      absl::Status s = check();
      body["checks"][name] = s.ok() ? "ok" : std::string(s.message());
      ok = ok && s.ok();
    }
    body["status"] = ok ? "ok" : "unhealthy";
    res.status = ok ? 200 : 503;
    res.set_content(body.dump(), "application/json");
  });

  server_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    // Stamp the start time; the logger below turns it into the latency observation.
    const_cast<httplib::Request&>(req).set_header(
        "X-Teksin-Start", std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    // Route label: keep cardinality bounded by cutting the path after its third segment
    // (/open311/v2/requests/<id> -> /open311/v2/requests/:id).
    std::string route = req.path;
    size_t cut = 0;
    int slashes = 0;
    for (size_t i = 0; i < route.size(); ++i) {
      if (route[i] == '/' && ++slashes == 4) {
        cut = i;
        break;
      }
    }
    if (cut) route = route.substr(0, cut) + "/:id";
    if (route.size() > 64) route = route.substr(0, 64);
    std::string code = absl::StrCat(res.status / 100, "xx");
    requests_->With({req.method, route, code}).Inc();
    auto start = req.get_header_value("X-Teksin-Start");
    if (!start.empty()) {
      auto ticks = std::stoll(start);
      auto now = std::chrono::steady_clock::now().time_since_epoch().count();
      double secs = static_cast<double>(now - ticks) *
                    std::chrono::steady_clock::period::num / std::chrono::steady_clock::period::den;
      latency_->With({req.method, route}).Observe(secs);
    }
  });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::AddHealthCheck(std::string name, HealthCheck check) {
  std::lock_guard<std::mutex> lock(mu_);
  checks_.emplace_back(std::move(name), std::move(check));
}

absl::StatusOr<int> HttpServer::Start(const std::string& host, int port) {
  int bound = port;
  if (port == 0) {
    bound = server_->bind_to_any_port(host);
    if (bound <= 0) return absl::UnavailableError(absl::StrCat("cannot bind HTTP on ", host));
  } else if (!server_->bind_to_port(host, port)) {
    return absl::UnavailableError(absl::StrCat("cannot bind HTTP on ", host, ":", port,
                                               " (port in use?)"));
  }
  if (listen_fd_ >= 0) ::listen(listen_fd_, kListenBacklog);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void HttpServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace teksin::metrics
