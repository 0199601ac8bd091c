// KafkaEventPublisher: an idempotent librdkafka producer (acks=all) whose Publish returns only
// after the broker acknowledged every event.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "events/events.h"
#include "metrics/registry.h"

namespace RdKafka {
class Producer;
}

namespace teksin::kafka {

struct ProducerConfig {
  std::string brokers;
  std::string client_id;
  int linger_ms = 2;
  int delivery_timeout_ms = 30000;
};

class KafkaEventPublisher : public events::EventPublisher {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaEventPublisher>> Create(
      const ProducerConfig& config, metrics::Registry& registry, const std::string& service);
  ~KafkaEventPublisher() override;

  absl::Status Publish(std::vector<events::OutgoingEvent> events) override;
  // For values that are not envelopes (dead letters).
  absl::Status PublishRaw(const std::string& topic, const std::string& key,
                          const std::string& value);
  // Waits for everything in flight; called on shutdown.
  absl::Status Flush(std::chrono::milliseconds timeout);

 private:
  struct Record {
    std::string topic, key, value;
  };
  KafkaEventPublisher() = default;
  absl::Status ProduceAndWait(const std::vector<Record>& records);

  class DeliveryReporter;
  std::unique_ptr<DeliveryReporter> reporter_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
  metrics::Family<metrics::Counter>* produced_ = nullptr;
  metrics::Family<metrics::Histogram>* ack_latency_ = nullptr;
};

}  // namespace teksin::kafka
