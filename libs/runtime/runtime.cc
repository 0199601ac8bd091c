#include "runtime/runtime.h"

#include <csignal>
#include <pthread.h>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

namespace teksin::runtime {
namespace {
std::atomic<bool> g_consumer_failed{false};
}

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Create(const std::string& service,
                                                         const std::string& env_prefix,
                                                         common::EnvReader& env,
                                                         int default_http_port) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->service_ = service;
  rt->env_prefix_ = env_prefix;
  rt->config_ = common::ReadCommonConfig(env);
  rt->http_port_ = static_cast<int>(env.Int(env_prefix + "_HTTP_PORT", default_http_port, 0, 65535));
  common::InitLogging(service, rt->config_.log_level);
  rt->topics_ = events::Topics(rt->config_.topic_prefix);
  const int http_threads = static_cast<int>(env.Int("TEKSIN_HTTP_THREADS", 64, 1, 1024));
  rt->kafka_linger_ms_ = static_cast<int>(env.Int("TEKSIN_KAFKA_LINGER_MS", 2, 0, 1000));
  const int keep_alive = static_cast<int>(env.Int("TEKSIN_HTTP_KEEPALIVE_SECONDS", 2, 0, 60));
  rt->http_ = std::make_unique<metrics::HttpServer>(service, rt->registry_, http_threads, keep_alive);
  auto& up = rt->registry_.AddGauge(absl::StrCat("teksin_", service, "_up"),
                                    "1 while the service runs", {"instance"});
  up.With({rt->config_.instance_id}).Set(1);
  return rt;
}

Runtime::~Runtime() = default;

absl::StatusOr<kafka::KafkaEventPublisher*> Runtime::Publisher() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!publisher_) {
    kafka::ProducerConfig pc;
    pc.brokers = config_.kafka_brokers;
    pc.client_id = absl::StrCat(service_, "-", config_.instance_id);
    pc.linger_ms = kafka_linger_ms_;
    auto p = kafka::KafkaEventPublisher::Create(pc, registry_, service_);
    if (!p.ok()) return p.status();
    publisher_ = std::move(*p);
  }
  return publisher_.get();
}

absl::StatusOr<std::unique_ptr<kafka::KafkaEventConsumer>> Runtime::NewConsumer(
    const std::vector<std::string>& topics, const std::string& group_suffix,
    const std::pair<std::string, std::string>& metric_label, kafka::FetchProfile profile) {
  auto pub = Publisher();
  if (!pub.ok()) return pub.status();
  kafka::ConsumerConfig cc;
  cc.brokers = config_.kafka_brokers;
  cc.group_id = topics_.ConsumerGroup(group_suffix.empty() ? service_
                                                           : absl::StrCat(service_, ".", group_suffix));
  cc.client_id = absl::StrCat(service_, "-", config_.instance_id);
  cc.topics = topics;
  cc.metric_label_name = metric_label.first;
  cc.metric_label_value = metric_label.second;
  cc.fetch_profile = profile;
  return kafka::KafkaEventConsumer::Create(cc, **pub, registry_, service_);
}

absl::StatusOr<std::unique_ptr<redis::RedisClient>> Runtime::NewRedis() {
  redis::RedisConfig rc;
  rc.url = config_.redis_url;
  return redis::RedisClient::Create(rc, &registry_, service_);
}

absl::Status Runtime::EnsureTopics(const std::vector<std::string>& topics) {
  std::vector<kafka::TopicSpec> specs;
  for (const auto& t : topics) {
    specs.push_back({t, config_.topic_partitions, -1});
    specs.push_back({events::Topics::DeadLetter(t), 1, 30LL * 24 * 3600 * 1000});
  }
  absl::Status s;
  for (int attempt = 0; attempt < 30; ++attempt) {
    s = kafka::EnsureTopics(config_.kafka_brokers, specs, std::chrono::seconds(10));
    if (s.ok()) return s;
    common::LogWarn("creating topics failed, retrying", {{"error", s.ToString()}});
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return s;
}

absl::StatusOr<int> Runtime::StartHttp() {
  auto port = http_->Start(config_.http_host, http_port_);
  if (port.ok()) {
    common::LogInfo("http listening", {{"host", config_.http_host}, {"port", *port}});
  }
  return port;
}

absl::StatusOr<int> Runtime::StartGrpc(const std::vector<grpc::Service*>& services, int port) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort(absl::StrCat(config_.http_host, ":", port),
                           grpc::InsecureServerCredentials(), &bound);
  for (auto* s : services) builder.RegisterService(s);
  grpc_ = builder.BuildAndStart();
  if (!grpc_ || bound == 0) {
    return absl::UnavailableError(absl::StrCat("cannot serve gRPC on ", config_.http_host, ":", port));
  }
  grpc_->GetHealthCheckService()->SetServingStatus(true);
  common::LogInfo("grpc listening", {{"port", bound}});
  return bound;
}

void Runtime::RunConsumer(std::unique_ptr<kafka::KafkaEventConsumer> consumer,
                          events::EventHandler& handler) {
  auto running = std::make_unique<Running>();
  running->consumer = std::move(consumer);
  kafka::KafkaEventConsumer* c = running->consumer.get();
  http_->AddHealthCheck(absl::StrCat("kafka_consumer_", consumers_.size()), [c] {
    return c->Healthy() ? absl::OkStatus() : absl::UnavailableError("all brokers down");
  });
  running->thread = std::thread([c, &handler] {
    absl::Status s = c->Run(handler);
    if (!s.ok()) {
      common::LogError("consumer stopped with an error", {{"error", s.ToString()}});
      g_consumer_failed = true;
      kill(getpid(), SIGTERM);
    }
  });
  consumers_.push_back(std::move(running));
}

int Runtime::Fail(const std::string& what, const absl::Status& status) const {
  common::LogError(what, {{"error", status.ToString()}});
  return 1;
}

int Runtime::WaitForShutdownAndStop() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  common::LogInfo("shutting down", {{"signal", sig}});
  // 1. Stop taking requests (HTTP and gRPC); what is in flight completes.
  http_->Stop();
  if (grpc_) grpc_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  // 2. Stop consuming: each consumer finishes its event, commits, and leaves its group.
  for (auto& r : consumers_) r->consumer->Stop();
  for (auto& r : consumers_) {
    if (r->thread.joinable()) r->thread.join();
  }
  consumers_.clear();
  // 3. Flush what is still in flight.
  if (publisher_) {
    absl::Status s = publisher_->Flush(std::chrono::seconds(10));
    if (!s.ok()) common::LogError("flush at shutdown failed", {{"error", s.ToString()}});
  }
  common::LogInfo("stopped");
  return g_consumer_failed.load() ? 1 : 0;
}

}  // namespace teksin::runtime
