// KafkaEventPublisher: an idempotent librdkafka producer (acks=all) whose Publish returns only
// after the broker acknowledged every event — except inside a DeferredAcks scope (the consumer's
// handlers), where it returns once the records are queued and the scope collects the
// acknowledgements for the consumer to wait on before it moves the offset.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "events/events.h"
#include "metrics/registry.h"

namespace RdKafka {
class Producer;
}

namespace teksin::kafka {

// The acknowledgements of the records of one Publish call — or one completion that other code
// finishes (DeferredAcks::Defer): a handler that hands its event's work to another thread.
class AckBatch {
 public:
  bool Done();                                     // every record acknowledged or failed
  bool WaitFor(std::chrono::milliseconds timeout);  // true when done
  std::string Error();  // the first delivery error, "" if none (final once Done())

  // Finishes a completion made by DeferredAcks::Defer: OK, or the reason it failed (the consumer
  // then rewinds the event's partition to the event, as for a record the broker did not
  // acknowledge). Only the first call counts; later calls and calls on a Publish call's batch
  // change nothing. Thread-safe.
  void Complete(const absl::Status& status);

 private:
  friend class KafkaEventPublisher;
  friend class DeferredAcks;
  bool external_ = false;  // made by Defer: finished by Complete, not by delivery reports
  std::mutex mu_;
  std::condition_variable cv_;
  size_t remaining_ = 0;
  std::string first_error_;
  std::chrono::steady_clock::time_point start_;
};

// While a DeferredAcks lives on a thread, Publish on that thread returns as soon as its records
// are queued in the producer (or fails at once if they cannot be), and the acknowledgements are
// collected here instead of awaited. KafkaEventConsumer opens one around each handler call and
// stores the event's offset only after all its acknowledgements arrived; a failed one rewinds the
// partition to the event. Scopes nest; code that answers someone after the acknowledgement (the
// channels' HTTP and gRPC threads) never runs inside one.
//
// Completing an event asynchronously (ADR 0023): a handler that wants to do its event's work
// later, on another thread (e.g. a batcher that writes many events to Redis in one round trip),
// calls DeferredAcks::Defer() and hands the returned AckBatch to that thread, which calls
// AckBatch::Complete(OkStatus()) once the work is durable, or Complete(error) if it is not. The
// consumer treats it like a Publish's acknowledgements: the event's offset is stored only after
// it is complete (and everything before it), and an error rewinds the partition so the event is
// handled again (the handler must be idempotent by event id). The window is the consumer's
// max_in_flight: when it is full, or on stop and revocation, the consumer's thread WAITS for the
// oldest completion — so whoever holds a completion must finish it on its own, within a short
// time (a batcher flushes by size and by a few milliseconds' timer, not only when asked), and
// must never wait for the consumer's thread to do so.
class DeferredAcks {
 public:
  DeferredAcks();
  ~DeferredAcks();
  DeferredAcks(const DeferredAcks&) = delete;
  DeferredAcks& operator=(const DeferredAcks&) = delete;

  std::vector<std::shared_ptr<AckBatch>> Take() { return std::move(batches_); }
  static DeferredAcks* Current();

  // Inside a scope: a new pending completion, registered in the innermost scope, to be finished
  // with AckBatch::Complete. Outside a scope (e.g. TEKSIN_KAFKA_MAX_IN_FLIGHT=1, tests, tools):
  // nullptr, and the caller must do the work before it returns.
  static std::shared_ptr<AckBatch> Defer();

 private:
  friend class KafkaEventPublisher;
  DeferredAcks* previous_;
  std::vector<std::shared_ptr<AckBatch>> batches_;
};

// TEKSIN_KAFKA_LINGER_MS when it is a whole number in 0..1000, else 2. The services read and
// validate the variable in libs/runtime; the benchmark tools get it here, so the null references
// run with the services' setting.
int LingerMsFromEnv();

struct ProducerConfig {
  std::string brokers;
  std::string client_id;
  int linger_ms = LingerMsFromEnv();
  int delivery_timeout_ms = 30000;
};

class KafkaEventPublisher : public events::EventPublisher {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaEventPublisher>> Create(
      const ProducerConfig& config, metrics::Registry& registry, const std::string& service);
  ~KafkaEventPublisher() override;

  absl::Status Publish(std::vector<events::OutgoingEvent> events) override;
  // Like Publish, but returns only after the broker acknowledged, even inside a DeferredAcks
  // scope: for an event that must be on the record before the handler goes on (intake's
  // emergency hand-off comes before the case's registration).
  absl::Status PublishAcknowledged(std::vector<events::OutgoingEvent> events);
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
  static absl::StatusOr<std::vector<Record>> Serialise(std::vector<events::OutgoingEvent> events);
  // may_defer: inside a DeferredAcks scope, hand the acknowledgements to the scope.
  absl::Status ProduceAndWait(const std::vector<Record>& records, bool may_defer = true);

  class DeliveryReporter;
  std::unique_ptr<DeliveryReporter> reporter_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
  metrics::Family<metrics::Counter>* produced_ = nullptr;
  metrics::Family<metrics::Histogram>* ack_latency_ = nullptr;
};

// An EventPublisher whose every Publish is KafkaEventPublisher::PublishAcknowledged.
class AcknowledgedPublisher : public events::EventPublisher {
 public:
  explicit AcknowledgedPublisher(KafkaEventPublisher& inner) : inner_(inner) {}
  absl::Status Publish(std::vector<events::OutgoingEvent> events) override {
    return inner_.PublishAcknowledged(std::move(events));
  }

 private:
  KafkaEventPublisher& inner_;
};

}  // namespace teksin::kafka
