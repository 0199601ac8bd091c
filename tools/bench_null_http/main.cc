// bench_null_http: the reference for HTTP and gRPC benchmarks. Its HTTP server is the services' own
// (metrics::HttpServer, as libs/runtime builds it: the same request thread pool, read from
// TEKSIN_HTTP_THREADS with the same default, the same body limit, TCP_NODELAY, timeouts,
// keep-alive settings and per-request metrics), answering POST requests.json with a fixed 201 and
// doing nothing else (no parsing, no Kafka, no Redis); with a second port, also a gRPC server (the
// services' gRPC library and builder settings) whose CallCenterService.LogContact answers a fixed
// response. Two settings of that server were found with this reference (docs/benchmarks.md): the
// pool of 64 threads (httplib's default 8 held idle keep-alive connections for seconds) and up to
// 10,000 requests per keep-alive connection (httplib's default 5 made clients reconnect every 5
// requests against its listen backlog of 5: ~1 s SYN retries and read errors at 1,000-2,000/s).
//   bench_null_http PORT [GRPC_PORT]
#include <pthread.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "metrics/http_server.h"
#include "metrics/registry.h"
#include "teksin/v1/callcenter_service.grpc.pb.h"

namespace {

class NullCallCenter final : public teksin::v1::CallCenterService::Service {
  grpc::Status LogContact(grpc::ServerContext*, const teksin::v1::LogContactRequest* req,
                          teksin::v1::LogContactResponse* resp) override {
    resp->set_contact_id("00000000000000000000000000000000");
    resp->set_outcome(req->outcome());
    resp->set_case_id("00000000000000000000000000000000");
    resp->set_tracking_code("00000-00000");
    return grpc::Status::OK;
  }
};

}  // namespace

int main(int argc, char** argv) {
  int port = 0, grpc_port = 0;
  if ((argc != 2 && argc != 3) || !absl::SimpleAtoi(argv[1], &port) ||
      (argc == 3 && !absl::SimpleAtoi(argv[2], &grpc_port))) {
    std::cerr << "usage: bench_null_http PORT [GRPC_PORT]\n";
    return 2;
  }
  // The services' pool size (libs/runtime: TEKSIN_HTTP_THREADS, default 64).
  int threads = 64;
  if (const char* env = std::getenv("TEKSIN_HTTP_THREADS"); env != nullptr && *env != '\0') {
    if (!absl::SimpleAtoi(env, &threads) || threads < 1 || threads > 1024) {
      std::cerr << "TEKSIN_HTTP_THREADS must be a whole number in 1..1024\n";
      return 2;
    }
  }
  // And their keep-alive timeout (TEKSIN_HTTP_KEEPALIVE_SECONDS, default 2).
  int keep_alive = 2;
  if (const char* env = std::getenv("TEKSIN_HTTP_KEEPALIVE_SECONDS"); env != nullptr && *env != '\0') {
    if (!absl::SimpleAtoi(env, &keep_alive) || keep_alive < 0 || keep_alive > 60) {
      std::cerr << "TEKSIN_HTTP_KEEPALIVE_SECONDS must be a whole number in 0..60\n";
      return 2;
    }
  }
  // SIGTERM and SIGINT are taken by sigwait below, on this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  NullCallCenter null_callcenter;
  std::unique_ptr<grpc::Server> grpc_server;
  if (grpc_port > 0) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(grpc_port), grpc::InsecureServerCredentials());
    builder.RegisterService(&null_callcenter);
    grpc_server = builder.BuildAndStart();
    if (!grpc_server) {
      std::cerr << "cannot listen on 127.0.0.1:" << grpc_port << "\n";
      return 1;
    }
  }
  teksin::metrics::Registry registry;
  teksin::metrics::HttpServer http("bench_null_http", registry, threads, keep_alive);
  http.server().Post("/open311/v2/requests.json", [](const httplib::Request&, httplib::Response& res) {
    res.status = 201;
    res.set_content(R"([{"service_request_id":"00000-00000","service_notice":"","account_id":null}])",
                    "application/json; charset=utf-8");
  });
  auto bound = http.Start("127.0.0.1", port);
  if (!bound.ok()) {
    std::cerr << bound.status() << "\n";
    return 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  http.Stop();
  if (grpc_server) grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
