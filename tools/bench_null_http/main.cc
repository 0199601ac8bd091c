// bench_null_http: the reference for HTTP benchmarks — the same HTTP library and settings as the
// services (cpp-httplib, same thread pool, same body limit), answering POST requests.json with a
// fixed 201 and doing nothing else (no parsing, no Kafka, no Redis).
//   bench_null_http PORT
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "httplib.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: bench_null_http PORT\n";
    return 2;
  }
  httplib::Server server;
  server.set_payload_max_length(1 << 20);
  server.set_tcp_nodelay(true);
  server.Post("/open311/v2/requests.json", [](const httplib::Request&, httplib::Response& res) {
    res.status = 201;
    res.set_content(R"([{"service_request_id":"00000-00000","service_notice":"","account_id":null}])",
                    "application/json; charset=utf-8");
  });
  static httplib::Server* g = &server;
  std::signal(SIGTERM, [](int) { g->stop(); });
  std::signal(SIGINT, [](int) { g->stop(); });
  if (!server.listen("127.0.0.1", std::atoi(argv[1]))) {
    std::cerr << "cannot listen on 127.0.0.1:" << argv[1] << "\n";
    return 1;
  }
  return 0;
}
