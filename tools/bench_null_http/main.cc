// bench_null_http: the reference for HTTP and gRPC benchmarks — the same HTTP library and settings
// as the services (cpp-httplib, same thread pool, same body limit, TCP_NODELAY), answering POST
// requests.json with a fixed 201 and doing nothing else (no parsing, no Kafka, no Redis); with a
// second port, also a gRPC server (the services' gRPC library) whose CallCenterService.LogContact
// answers a fixed response.
//   bench_null_http PORT [GRPC_PORT]
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "httplib.h"
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
  if (argc != 2 && argc != 3) {
    std::cerr << "usage: bench_null_http PORT [GRPC_PORT]\n";
    return 2;
  }
  NullCallCenter null_callcenter;
  std::unique_ptr<grpc::Server> grpc_server;
  if (argc == 3) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(std::string("127.0.0.1:") + argv[2], grpc::InsecureServerCredentials());
    builder.RegisterService(&null_callcenter);
    grpc_server = builder.BuildAndStart();
    if (!grpc_server) {
      std::cerr << "cannot listen on 127.0.0.1:" << argv[2] << "\n";
      return 1;
    }
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
  if (grpc_server) grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
