// What every service's app.cc needs: common configuration, logging, metrics and health over HTTP,
// the Kafka producer and consumers, Redis clients, topic creation, gRPC serving and the
// shutdown signal. Services keep their business logic behind interfaces; this is the wiring.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/env.h"
#include "events/topics.h"
#include "grpcpp/grpcpp.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/publisher.h"
#include "metrics/http_server.h"
#include "metrics/registry.h"
#include "redis/client.h"

namespace teksin::runtime {

// Call first thing in main, before any thread starts: SIGTERM and SIGINT are then delivered
// only to WaitForShutdown.
void BlockShutdownSignals();

class Runtime {
 public:
  // service: e.g. "intake"; reads TEKSIN_* and <PREFIX>_HTTP_PORT (env_prefix e.g. "INTAKE").
  static absl::StatusOr<std::unique_ptr<Runtime>> Create(const std::string& service,
                                                         const std::string& env_prefix,
                                                         common::EnvReader& env,
                                                         int default_http_port);
  ~Runtime();

  const common::CommonConfig& config() const { return config_; }
  const events::Topics& topics() const { return topics_; }
  const std::string& service() const { return service_; }
  metrics::Registry& registry() { return registry_; }
  metrics::HttpServer& http() { return *http_; }

  absl::StatusOr<kafka::KafkaEventPublisher*> Publisher();
  // metric_label: an extra label on the consumer's metrics (name, value), for a service that
  // runs several consumers of the same topics (kafka::ConsumerConfig::metric_label_name).
  // profile: kFollower for a consumer nothing waits on within milliseconds (ADR 0030).
  absl::StatusOr<std::unique_ptr<kafka::KafkaEventConsumer>> NewConsumer(
      const std::vector<std::string>& topics, const std::string& group_suffix = "",
      const std::pair<std::string, std::string>& metric_label = {},
      kafka::FetchProfile profile = kafka::FetchProfile::kLatency);
  absl::StatusOr<std::unique_ptr<redis::RedisClient>> NewRedis();
  // Creates missing topics (and their .dlq) with the configured partition count; retries while
  // the broker is starting.
  absl::Status EnsureTopics(const std::vector<std::string>& topics);

  // Starts the HTTP server (metrics, health, routes added so far). Returns the bound port.
  absl::StatusOr<int> StartHttp();
  // Serves gRPC services on host:port with health checking and reflection.
  absl::StatusOr<int> StartGrpc(const std::vector<grpc::Service*>& services, int port);

  // Runs a consumer on its own thread; its failure stops the service.
  void RunConsumer(std::unique_ptr<kafka::KafkaEventConsumer> consumer,
                   events::EventHandler& handler);

  // Logs why the service cannot start and returns the process exit code for it (1).
  int Fail(const std::string& what, const absl::Status& status) const;

  // Blocks until SIGTERM/SIGINT (or a consumer failed), then shuts down in order: stop taking
  // requests, stop consumers (they commit and leave their groups), flush the producer.
  int WaitForShutdownAndStop();

 private:
  Runtime() = default;
  std::string service_, env_prefix_;
  common::CommonConfig config_;
  events::Topics topics_;
  int http_port_ = 0;
  int kafka_linger_ms_ = 2;  // TEKSIN_KAFKA_LINGER_MS
  int grpc_port_cfg_ = 0;
  metrics::Registry registry_;
  std::unique_ptr<metrics::HttpServer> http_;
  std::unique_ptr<kafka::KafkaEventPublisher> publisher_;
  std::unique_ptr<grpc::Server> grpc_;
  struct Running {
    std::unique_ptr<kafka::KafkaEventConsumer> consumer;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Running>> consumers_;
  std::atomic<bool> failed_{false};
  std::mutex mu_;
};

}  // namespace teksin::runtime
