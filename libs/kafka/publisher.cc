#include "kafka/publisher.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "librdkafka/rdkafkacpp.h"

namespace teksin::kafka {

int LingerMsFromEnv() {
  const char* env = std::getenv("TEKSIN_KAFKA_LINGER_MS");
  int n = 0;
  if (env == nullptr || !absl::SimpleAtoi(env, &n) || n < 0 || n > 1000) return 2;
  return n;
}
namespace {

thread_local DeferredAcks* current_deferred = nullptr;

}  // namespace

bool AckBatch::Done() {
  std::lock_guard<std::mutex> lock(mu_);
  return remaining_ == 0;
}

bool AckBatch::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return remaining_ == 0; });
}

std::string AckBatch::Error() {
  std::lock_guard<std::mutex> lock(mu_);
  return first_error_;
}

void AckBatch::Complete(const absl::Status& status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!external_ || remaining_ == 0) return;
    if (!status.ok()) {
      first_error_ = status.message().empty() ? status.ToString() : std::string(status.message());
    }
    remaining_ = 0;
  }
  cv_.notify_all();
}

std::shared_ptr<AckBatch> DeferredAcks::Defer() {
  DeferredAcks* scope = current_deferred;
  if (scope == nullptr) return nullptr;
  auto batch = std::make_shared<AckBatch>();
  batch->external_ = true;
  batch->remaining_ = 1;
  batch->start_ = std::chrono::steady_clock::now();
  scope->batches_.push_back(batch);
  return batch;
}

DeferredAcks::DeferredAcks() : previous_(current_deferred) { current_deferred = this; }

DeferredAcks::~DeferredAcks() { current_deferred = previous_; }

DeferredAcks* DeferredAcks::Current() { return current_deferred; }

// Every record's opaque is a heap-held reference to its call's batch, released here, so a batch
// outlives whoever stopped waiting for it.
class KafkaEventPublisher::DeliveryReporter : public RdKafka::DeliveryReportCb {
 public:
  explicit DeliveryReporter(KafkaEventPublisher* owner) : owner_(owner) {}
  void dr_cb(RdKafka::Message& message) override {
    auto* ref = static_cast<std::shared_ptr<AckBatch>*>(message.msg_opaque());
    if (ref == nullptr) return;
    std::shared_ptr<AckBatch> batch = std::move(*ref);
    delete ref;
    const bool ok = message.err() == RdKafka::ERR_NO_ERROR;
    owner_->produced_->With({message.topic_name(), ok ? "ok" : "error"}).Inc();
    bool finished = false;
    {
      std::lock_guard<std::mutex> lock(batch->mu_);
      if (!ok && batch->first_error_.empty()) {
        batch->first_error_ = absl::StrCat(message.topic_name(), ": ", message.errstr());
      }
      finished = --batch->remaining_ == 0;
    }
    if (finished) {
      owner_->ack_latency_->With({}).Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - batch->start_).count());
      batch->cv_.notify_all();
    }
  }

 private:
  KafkaEventPublisher* owner_;
};

absl::StatusOr<std::unique_ptr<KafkaEventPublisher>> KafkaEventPublisher::Create(
    const ProducerConfig& config, metrics::Registry& registry, const std::string& service) {
  std::unique_ptr<KafkaEventPublisher> p(new KafkaEventPublisher());
  p->reporter_ = std::make_unique<DeliveryReporter>(p.get());
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  auto set = [&](const std::string& k, const std::string& v) -> absl::Status {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("kafka producer config ", k, ": ", err));
    }
    return absl::OkStatus();
  };
  for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"bootstrap.servers", config.brokers},
           {"client.id", config.client_id},
           {"enable.idempotence", "true"},  // implies acks=all and ordered, de-duplicated retries
           {"acks", "all"},
           {"linger.ms", std::to_string(config.linger_ms)},
           {"message.timeout.ms", std::to_string(config.delivery_timeout_ms)},
           {"compression.type", "lz4"},
       }) {
    absl::Status s = set(k, v);
    if (!s.ok()) return s;
  }
  if (conf->set("dr_cb", p->reporter_.get(), err) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(err);
  }
  p->producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!p->producer_) return absl::UnavailableError(absl::StrCat("kafka producer: ", err));
  p->produced_ = &registry.AddCounter(
      absl::StrCat("teksin_", service, "_kafka_produced_total"),
      "Records produced to Kafka, by topic and result", {"topic", "result"});
  p->ack_latency_ = &registry.AddHistogram(
      absl::StrCat("teksin_", service, "_kafka_ack_duration_seconds"),
      "Time from produce to the broker's acknowledgement of a whole batch", {},
      metrics::LatencyBuckets());
  KafkaEventPublisher* raw = p.get();
  p->poller_ = std::thread([raw] {
    while (!raw->stop_.load()) raw->producer_->poll(50);
  });
  return p;
}

KafkaEventPublisher::~KafkaEventPublisher() {
  if (producer_) {
    absl::Status s = Flush(std::chrono::seconds(10));
    if (!s.ok()) common::LogError("producer flush at shutdown failed", {{"error", s.ToString()}});
  }
  stop_ = true;
  if (poller_.joinable()) poller_.join();
}

absl::StatusOr<std::vector<KafkaEventPublisher::Record>> KafkaEventPublisher::Serialise(
    std::vector<events::OutgoingEvent> events) {
  std::vector<Record> records;
  records.reserve(events.size());
  for (auto& e : events) {
    Record r{e.topic, e.key, ""};
    if (!e.envelope.SerializeToString(&r.value)) {
      return absl::InternalError("cannot serialise envelope");
    }
    records.push_back(std::move(r));
  }
  return records;
}

absl::Status KafkaEventPublisher::Publish(std::vector<events::OutgoingEvent> events) {
  auto records = Serialise(std::move(events));
  if (!records.ok()) return records.status();
  return ProduceAndWait(*records);
}

absl::Status KafkaEventPublisher::PublishAcknowledged(std::vector<events::OutgoingEvent> events) {
  auto records = Serialise(std::move(events));
  if (!records.ok()) return records.status();
  return ProduceAndWait(*records, /*may_defer=*/false);
}

absl::Status KafkaEventPublisher::PublishRaw(const std::string& topic, const std::string& key,
                                             const std::string& value) {
  return ProduceAndWait({Record{topic, key, value}});
}

absl::Status KafkaEventPublisher::ProduceAndWait(const std::vector<Record>& records,
                                                  bool may_defer) {
  if (records.empty()) return absl::OkStatus();
  auto batch = std::make_shared<AckBatch>();
  batch->start_ = std::chrono::steady_clock::now();
  batch->remaining_ = records.size();
  size_t queued = 0;
  std::string produce_error;
  for (const auto& r : records) {
    auto* ref = new std::shared_ptr<AckBatch>(batch);
    RdKafka::ErrorCode code;
    for (int attempt = 0;; ++attempt) {
      code = producer_->produce(r.topic, RdKafka::Topic::PARTITION_UA,
                                RdKafka::Producer::RK_MSG_COPY,
                                const_cast<char*>(r.value.data()), r.value.size(), r.key.data(),
                                r.key.size(), 0, ref);
      if (code != RdKafka::ERR__QUEUE_FULL || attempt > 100) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the poller drains the queue
    }
    if (code != RdKafka::ERR_NO_ERROR) {
      delete ref;
      produce_error = absl::StrCat(r.topic, ": ", RdKafka::err2str(code));
      produced_->With({r.topic, "error"}).Inc();
      break;
    }
    ++queued;
  }
  {
    // Records never queued will get no report: take them off what we wait for.
    std::lock_guard<std::mutex> lock(batch->mu_);
    batch->remaining_ -= (records.size() - queued);
  }
  if (DeferredAcks* deferred = may_defer ? DeferredAcks::Current() : nullptr;
      deferred && produce_error.empty()) {
    deferred->batches_.push_back(std::move(batch));
    return absl::OkStatus();
  }
  std::string error;
  {
    std::unique_lock<std::mutex> lock(batch->mu_);
    batch->cv_.wait(lock, [&] { return batch->remaining_ == 0; });
    error = !produce_error.empty() ? produce_error : batch->first_error_;
  }
  if (!error.empty()) return absl::UnavailableError(absl::StrCat("kafka delivery failed: ", error));
  return absl::OkStatus();
}

absl::Status KafkaEventPublisher::Flush(std::chrono::milliseconds timeout) {
  RdKafka::ErrorCode code = producer_->flush(static_cast<int>(timeout.count()));
  if (code != RdKafka::ERR_NO_ERROR) {
    return absl::DeadlineExceededError(absl::StrCat("kafka flush: ", RdKafka::err2str(code),
                                                    ", ", producer_->outq_len(), " in flight"));
  }
  return absl::OkStatus();
}

}  // namespace teksin::kafka
