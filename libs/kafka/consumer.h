// KafkaEventConsumer: a consumer-group member that hands each event to a handler and stores its
// offset for commit only after the handler succeeded and the broker acknowledged what the handler
// published; poison events go to <topic>.dlq.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "events/events.h"
#include "kafka/publisher.h"
#include "metrics/registry.h"

namespace RdKafka {
class KafkaConsumer;
}

namespace teksin::kafka {

// How the broker answers a consumer's fetches (ADR 0030).
enum class FetchProfile {
  // At the first record (lowest latency); an idle fetch waits 1 s. For the path from a contact to
  // the owner's task: intake, routing, the units' workers. TEKSIN_KAFKA_FETCH_WAIT_MS and
  // TEKSIN_KAFKA_FETCH_MIN_BYTES override it.
  kLatency,
  // Records gathered for up to TEKSIN_KAFKA_FOLLOWER_FETCH_WAIT_MS (default 100; 0 = kLatency) or
  // 1 MiB, then answered together: one fetch, and one wake-up of the consumer, per window instead
  // of per record. For consumers nothing waits on within milliseconds: analytics, the read
  // models, the notifier.
  kFollower,
};

struct ConsumerConfig {
  std::string brokers;
  std::string group_id;
  std::string client_id;
  std::vector<std::string> topics;  // names, or regular expressions starting with '^'
  int session_timeout_ms = 10000;   // how soon a crashed member's partitions move
  int max_backoff_ms = 5000;        // transient handler errors are retried up to this spacing
  int commit_interval_ms = 500;
  // Events whose handler returned but whose published records are not all acknowledged yet; the
  // handler goes on with the next event meanwhile (its Publish calls run in a DeferredAcks
  // scope). Offsets are stored in order as acknowledgements arrive; a failed delivery rewinds
  // the partition to its event. Completions a handler made with DeferredAcks::Defer count the
  // same way (ADR 0023). 1 = no scope: wait for every acknowledgement inside the handler. The
  // environment variable TEKSIN_KAFKA_MAX_IN_FLIGHT (1..100000) overrides it.
  int max_in_flight = 1000;
  // An extra label on every metric of this consumer, first in its label names (e.g. "unit" =
  // "meski"), so that consumers of the same topics in one process (department_worker hosting
  // several units) keep their series apart. Every consumer of a service must then set the same
  // name. Empty name: no extra label.
  std::string metric_label_name, metric_label_value;
  FetchProfile fetch_profile = FetchProfile::kLatency;
};

class KafkaEventConsumer : public events::EventConsumer {
 public:
  // dead_letters: where poison events go (the service's own publisher).
  static absl::StatusOr<std::unique_ptr<KafkaEventConsumer>> Create(
      const ConsumerConfig& config, KafkaEventPublisher& dead_letters,
      metrics::Registry& registry, const std::string& service);
  ~KafkaEventConsumer() override;

  absl::Status Run(events::EventHandler& handler) override;
  void Stop() override { stop_ = true; }
  // The fetch settings in effect (librdkafka's fetch.wait.max.ms and fetch.min.bytes), after the
  // profile and the environment.
  const std::string& fetch_wait_ms() const { return fetch_wait_ms_; }
  const std::string& fetch_min_bytes() const { return fetch_min_bytes_; }
  bool Healthy() const override { return healthy_.load(); }

 private:
  KafkaEventConsumer() = default;
  class Callbacks;
  absl::Status DeadLetter(const std::string& topic, int32_t partition, int64_t offset,
                          const std::string& key, const std::string& value,
                          const std::string& error);
  void UpdateLag();
  // Stores the offsets of leading in-flight events whose acknowledgements all arrived. Waits for
  // the oldest when the window is full, or for all of them when `all` (stop, revocation). A failed
  // delivery drops its partition's in-flight events and, when `rewind`, seeks back to the event.
  void Retire(bool all, bool rewind);
  // Metric label values with the configured extra label's value in front.
  metrics::Labels L(metrics::Labels values) const {
    if (!config_.metric_label_name.empty()) values.insert(values.begin(), config_.metric_label_value);
    return values;
  }

  struct InFlight {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
    std::vector<std::shared_ptr<AckBatch>> acks;
  };
  std::deque<InFlight> in_flight_;  // in consumption order; only the Run thread touches it
  // Committed offsets of assigned partitions that have no position yet (lag only); cleared on
  // every assignment. Run thread only (the rebalance callback runs inside consume()).
  std::map<std::pair<std::string, int32_t>, int64_t> committed_at_assign_;

  ConsumerConfig config_;
  std::string fetch_wait_ms_, fetch_min_bytes_;
  std::string service_;
  KafkaEventPublisher* dead_letters_ = nullptr;
  std::unique_ptr<Callbacks> callbacks_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> healthy_{true};
  metrics::Family<metrics::Counter>* handled_ = nullptr;
  metrics::Family<metrics::Counter>* dead_lettered_ = nullptr;
  metrics::Family<metrics::Counter>* retries_ = nullptr;
  metrics::Family<metrics::Counter>* errors_ = nullptr;
  metrics::Family<metrics::Gauge>* lag_ = nullptr;
  metrics::Family<metrics::Histogram>* handle_latency_ = nullptr;
  metrics::Family<metrics::Counter>* rebalances_ = nullptr;
  metrics::Family<metrics::Gauge>* in_flight_gauge_ = nullptr;
  metrics::Gauge* in_flight_now_ = nullptr;  // in_flight_gauge_'s one child
  metrics::Family<metrics::Counter>* rewinds_ = nullptr;
};

}  // namespace teksin::kafka
