#include "kafka/consumer.h"

#include <chrono>
#include <cstdlib>
#include <thread>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "common/time_util.h"
#include "events/topics.h"
#include "librdkafka/rdkafkacpp.h"

namespace teksin::kafka {
namespace {
// A follower's fetch is answered when this much arrived or its wait ended: far more than a window
// of live traffic, so in practice the wait decides; a backlog (a replay) is answered at once.
constexpr int kFollowerFetchMinBytes = 1 << 20;
}  // namespace

class KafkaEventConsumer::Callbacks : public RdKafka::RebalanceCb, public RdKafka::EventCb {
 public:
  explicit Callbacks(KafkaEventConsumer* owner) : owner_(owner) {}

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    nlohmann::json parts = nlohmann::json::array();
    for (auto* tp : partitions) parts.push_back(absl::StrCat(tp->topic(), "/", tp->partition()));
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      common::LogInfo("partitions assigned",
                      {{"group", owner_->config_.group_id}, {"partitions", parts}});
      owner_->rebalances_->With(owner_->L({"assign"})).Inc();
      owner_->committed_at_assign_.clear();
      consumer->assign(partitions);
    } else {
      // Stored offsets of handled events are committed before the partitions leave.
      common::LogInfo("partitions revoked",
                      {{"group", owner_->config_.group_id}, {"partitions", parts}});
      owner_->rebalances_->With(owner_->L({"revoke"})).Inc();
      // Events still waiting for acknowledgements: wait, store what was acknowledged; a failed
      // one stays uncommitted for the partition's next owner.
      owner_->Retire(/*all=*/true, /*rewind=*/false);
      consumer->commitSync();
      for (auto* tp : partitions) {
        owner_->lag_->Remove(owner_->L({tp->topic(), std::to_string(tp->partition())}));
      }
      consumer->unassign();
    }
  }

  void event_cb(RdKafka::Event& event) override {
    if (event.type() != RdKafka::Event::EVENT_ERROR) return;
    owner_->errors_->With(owner_->L({RdKafka::err2str(event.err())})).Inc();
    if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) owner_->healthy_ = false;
    common::LogWarn("kafka consumer error",
                    {{"error", RdKafka::err2str(event.err())}, {"detail", event.str()}});
  }

 private:
  KafkaEventConsumer* owner_;
};

absl::StatusOr<std::unique_ptr<KafkaEventConsumer>> KafkaEventConsumer::Create(
    const ConsumerConfig& config, KafkaEventPublisher& dead_letters, metrics::Registry& registry,
    const std::string& service) {
  std::unique_ptr<KafkaEventConsumer> c(new KafkaEventConsumer());
  c->config_ = config;
  c->service_ = service;
  c->dead_letters_ = &dead_letters;
  c->callbacks_ = std::make_unique<Callbacks>(c.get());
  std::string p = absl::StrCat("teksin_", service, "_");
  // The optional extra label comes first in every family's label names (see L()).
  auto names = [&config](std::vector<std::string> n) {
    if (!config.metric_label_name.empty()) n.insert(n.begin(), config.metric_label_name);
    return n;
  };
  c->handled_ = &registry.AddCounter(p + "events_handled_total",
                                     "Events consumed, by topic and result (ok|dlq)",
                                     names({"topic", "result"}));
  c->dead_lettered_ = &registry.AddCounter(p + "dead_letters_total",
                                           "Events sent to the dead-letter topic", names({"topic"}));
  c->retries_ = &registry.AddCounter(p + "handler_retries_total",
                                     "Transient handler failures retried", names({"topic"}));
  c->errors_ = &registry.AddCounter(p + "kafka_consumer_errors_total",
                                    "Kafka client errors seen by the consumer", names({"error"}));
  c->lag_ = &registry.AddGauge(p + "consumer_lag", "Records behind the partition's high watermark",
                               names({"topic", "partition"}));
  c->handle_latency_ = &registry.AddHistogram(p + "event_handle_duration_seconds",
                                              "Handler time per event", names({}),
                                              metrics::LatencyBuckets());
  c->rebalances_ = &registry.AddCounter(p + "consumer_rebalances_total",
                                        "Partition assignments and revocations", names({"kind"}));
  c->in_flight_gauge_ = &registry.AddGauge(
      p + "consumer_in_flight",
      "Handled events waiting for the acknowledgement of what they published", names({}));
  // Set after every event: its one child is looked up once.
  c->in_flight_now_ = &c->in_flight_gauge_->With(c->L({}));
  c->rewinds_ = &registry.AddCounter(
      p + "consumer_rewinds_total",
      "Partitions sought back because a record a handler published was not acknowledged",
      names({"topic"}));
  if (const char* env = std::getenv("TEKSIN_KAFKA_MAX_IN_FLIGHT"); env != nullptr && *env != '\0') {
    int n = 0;
    if (!absl::SimpleAtoi(env, &n) || n < 1 || n > 100000) {
      return absl::InvalidArgumentError(
          absl::StrCat("TEKSIN_KAFKA_MAX_IN_FLIGHT=\"", env, "\" is not a whole number in 1..100000"));
    }
    c->config_.max_in_flight = n;
  }
  // How a fetch waits at the broker: until fetch.min.bytes arrived or fetch.wait.max.ms passed.
  // The defaults answer a fetch as soon as one record arrives (lowest latency) and let an idle
  // fetch wait 1 s (cheapest idle). A busy consumer can batch instead (docs/benchmarks.md).
  // A follower (ADR 0030) lets the broker gather records for a while instead.
  std::string fetch_wait_ms = "1000", fetch_min_bytes = "1", follower_wait_ms = "100";
  for (auto [name, lo, hi, value] :
       std::vector<std::tuple<const char*, int, int, std::string*>>{
           {"TEKSIN_KAFKA_FETCH_WAIT_MS", 1, 10000, &fetch_wait_ms},
           {"TEKSIN_KAFKA_FETCH_MIN_BYTES", 1, 10000000, &fetch_min_bytes},
           {"TEKSIN_KAFKA_FOLLOWER_FETCH_WAIT_MS", 0, 10000, &follower_wait_ms}}) {
    const char* env = std::getenv(name);
    if (env == nullptr || *env == '\0') continue;
    int n = 0;
    if (!absl::SimpleAtoi(env, &n) || n < lo || n > hi) {
      return absl::InvalidArgumentError(absl::StrCat(name, "=\"", env, "\" is not a whole number in ",
                                                     lo, "..", hi));
    }
    *value = std::to_string(n);
  }
  if (config.fetch_profile == FetchProfile::kFollower && follower_wait_ms != "0") {
    fetch_wait_ms = follower_wait_ms;
    fetch_min_bytes = std::to_string(kFollowerFetchMinBytes);
  }
  c->fetch_wait_ms_ = fetch_wait_ms;
  c->fetch_min_bytes_ = fetch_min_bytes;

  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"bootstrap.servers", config.brokers},
           {"group.id", config.group_id},
           {"client.id", config.client_id},
           {"enable.auto.commit", "true"},         // commits only offsets we stored ...
           {"enable.auto.offset.store", "false"},  // ... and we store only after success
           {"auto.commit.interval.ms", std::to_string(config.commit_interval_ms)},
           {"auto.offset.reset", "earliest"},
           {"session.timeout.ms", std::to_string(config.session_timeout_ms)},
           {"heartbeat.interval.ms", "1000"},
           // An idle consumer's fetch waits this long at the broker (data ends the wait at once
           // with fetch.min.bytes 1): 33 idle workers' fetches cost the broker 5.8-6.7 % of a core
           // at librdkafka's 500 ms, 3.2 % at 2000 ms (docs/benchmarks.md).
           {"fetch.wait.max.ms", fetch_wait_ms},
           {"fetch.min.bytes", fetch_min_bytes},
           {"topic.metadata.refresh.interval.ms", "10000"},
           {"enable.partition.eof", "false"},
       }) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("kafka consumer config ", k, ": ", err));
    }
  }
  if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(c->callbacks_.get()), err) !=
          RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", static_cast<RdKafka::EventCb*>(c->callbacks_.get()), err) !=
          RdKafka::Conf::CONF_OK) {
    return absl::InternalError(err);
  }
  c->consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c->consumer_) return absl::UnavailableError(absl::StrCat("kafka consumer: ", err));
  return c;
}

KafkaEventConsumer::~KafkaEventConsumer() {
  if (consumer_) consumer_->close();
}

absl::Status KafkaEventConsumer::DeadLetter(const std::string& topic, int32_t partition,
                                            int64_t offset, const std::string& key,
                                            const std::string& value, const std::string& error) {
  v1::DeadLetter dl;
  dl.set_source_topic(topic);
  dl.set_partition(partition);
  dl.set_offset(offset);
  dl.set_key(key);
  dl.set_value(value);
  dl.set_error(error);
  dl.set_consumer_group(config_.group_id);
  *dl.mutable_failed_at() = common::ToProto(absl::Now());
  std::string bytes;
  dl.SerializeToString(&bytes);
  common::LogWarn("event dead-lettered", {{"topic", topic},
                                         {"partition", partition},
                                         {"offset", offset},
                                         {"error", error}});
  dead_lettered_->With(L({topic})).Inc();
  return dead_letters_->PublishRaw(events::Topics::DeadLetter(topic), key, bytes);
}

void KafkaEventConsumer::UpdateLag() {
  std::vector<RdKafka::TopicPartition*> parts;
  if (consumer_->assignment(parts) != RdKafka::ERR_NO_ERROR) return;
  if (!parts.empty()) consumer_->position(parts);
  // A partition that delivered nothing since it was assigned has no position yet: it starts at
  // the group's committed offset (asked once per assignment), else at the low watermark.
  std::vector<RdKafka::TopicPartition*> unknown;
  for (auto* tp : parts) {
    if (tp->offset() < 0 && !committed_at_assign_.contains({tp->topic(), tp->partition()})) {
      unknown.push_back(RdKafka::TopicPartition::create(tp->topic(), tp->partition()));
    }
  }
  if (!unknown.empty()) {
    if (consumer_->committed(unknown, 2000) == RdKafka::ERR_NO_ERROR) {
      for (auto* tp : unknown) committed_at_assign_[{tp->topic(), tp->partition()}] = tp->offset();
    }
    RdKafka::TopicPartition::destroy(unknown);
  }
  for (auto* tp : parts) {
    int64_t low = 0, high = 0;
    if (consumer_->get_watermark_offsets(tp->topic(), tp->partition(), &low, &high) ==
            RdKafka::ERR_NO_ERROR &&
        high >= 0) {
      int64_t pos = tp->offset();
      if (pos < 0) {
        auto it = committed_at_assign_.find({tp->topic(), tp->partition()});
        if (it == committed_at_assign_.end()) continue;  // not known yet: keep the last figure
        pos = it->second >= 0 ? it->second : low;
      }
      lag_->With(L({tp->topic(), std::to_string(tp->partition())}))
          .Set(static_cast<double>(std::max<int64_t>(0, high - pos)));
    }
  }
  RdKafka::TopicPartition::destroy(parts);
}

void KafkaEventConsumer::Retire(bool all, bool rewind) {
  // The offsets to store, the latest per partition: one offsets_store call per pass.
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> to_store;
  auto store = [&](const std::string& topic, int32_t partition, int64_t next) {
    for (auto& tp : to_store) {
      if (tp->partition() == partition && tp->topic() == topic) {
        tp->set_offset(next);
        return;
      }
    }
    to_store.emplace_back(RdKafka::TopicPartition::create(topic, partition, next));
  };
  auto flush = [&] {
    if (to_store.empty()) return;
    std::vector<RdKafka::TopicPartition*> offsets;
    for (auto& tp : to_store) offsets.push_back(tp.get());
    consumer_->offsets_store(offsets);
    to_store.clear();
  };
  while (!in_flight_.empty()) {
    InFlight& f = in_flight_.front();
    bool done = true;
    for (const auto& b : f.acks) {
      if (!b->Done()) {
        done = false;
        break;
      }
    }
    if (!done) {
      if (!all && static_cast<int>(in_flight_.size()) < config_.max_in_flight) break;
      flush();  // what is done already is stored before we wait
      // Every record ends acknowledged or failed within message.timeout.ms; a completion made by
      // DeferredAcks::Defer is finished by its holder on its own (ADR 0023).
      for (const auto& b : f.acks) {
        for (int waits = 1; !b->WaitFor(std::chrono::milliseconds(200)); ++waits) {
          if (waits % 50 == 0) {
            common::LogWarn("still waiting for an event's completion",
                            {{"topic", f.topic}, {"partition", f.partition}, {"offset", f.offset},
                             {"seconds", waits / 5}});
          }
        }
      }
    }
    std::string error;
    for (const auto& b : f.acks) {
      error = b->Error();
      if (!error.empty()) break;
    }
    if (error.empty()) {
      store(f.topic, f.partition, f.offset + 1);
      in_flight_.pop_front();
      continue;
    }
    // Not acknowledged (or its deferred completion failed): handle the event again (its ids are
    // derived, so a record that did get through is deduplicated downstream), and everything after
    // it on its partition.
    const std::string topic = f.topic;
    const int32_t partition = f.partition;
    const int64_t offset = f.offset;
    common::LogWarn("publish not acknowledged or completion failed; rewinding the partition",
                    {{"topic", topic}, {"partition", partition}, {"offset", offset}, {"error", error}});
    rewinds_->With(L({topic})).Inc();
    std::erase_if(in_flight_, [&](const InFlight& x) { return x.topic == topic && x.partition == partition; });
    if (rewind) {
      std::unique_ptr<RdKafka::TopicPartition> tp(RdKafka::TopicPartition::create(topic, partition, offset));
      RdKafka::ErrorCode code = consumer_->seek(*tp, 5000);
      if (code != RdKafka::ERR_NO_ERROR) {
        common::LogWarn("seek failed", {{"topic", topic}, {"partition", partition}, {"error", RdKafka::err2str(code)}});
      }
    }
  }
  flush();
  in_flight_now_->Set(static_cast<double>(in_flight_.size()));
}

absl::Status KafkaEventConsumer::Run(events::EventHandler& handler) {
  RdKafka::ErrorCode code = consumer_->subscribe(config_.topics);
  if (code != RdKafka::ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("subscribe: ", RdKafka::err2str(code)));
  }
  auto last_lag = std::chrono::steady_clock::now();
  auto last_probe = last_lag;
  // One event object for the whole run: parsing into it reuses its allocations (handlers get it
  // by const reference and keep nothing of it after they return).
  events::ConsumedEvent ev;
  // The per-event metrics, looked up once (a family lookup locks and compares label lists).
  metrics::Histogram& handle_latency = handle_latency_->With(L({}));
  absl::flat_hash_map<std::string, metrics::Counter*> handled_ok;  // by topic
  while (!stop_.load()) {
    std::unique_ptr<RdKafka::Message> msg(consumer_->consume(200));
    auto now = std::chrono::steady_clock::now();
    if (now - last_lag > std::chrono::seconds(1)) {
      UpdateLag();
      last_lag = now;
    }
    if (msg->err() == RdKafka::ERR__TIMED_OUT) {
      Retire(/*all=*/false, /*rewind=*/true);
      // Idle, or the brokers are gone: after an outage, a metadata answer says they are back.
      if (!healthy_.load() && now - last_probe > std::chrono::seconds(5)) {
        last_probe = now;
        RdKafka::Metadata* md = nullptr;
        if (consumer_->metadata(false, nullptr, &md, 1000) == RdKafka::ERR_NO_ERROR) healthy_ = true;
        delete md;
      }
      continue;
    }
    if (msg->err() != RdKafka::ERR_NO_ERROR) {
      errors_->With(L({RdKafka::err2str(msg->err())})).Inc();
      if (msg->err() != RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) {
        common::LogWarn("consume error", {{"error", msg->errstr()}});
      }
      continue;
    }
    healthy_ = true;

    ev.topic = msg->topic_name();
    ev.partition = msg->partition();
    ev.offset = msg->offset();
    if (msg->key()) {
      ev.key = *msg->key();
    } else {
      ev.key.clear();
    }
    const char* payload = static_cast<const char*>(msg->payload());
    const size_t payload_len = msg->len();

    absl::Status result;
    std::vector<std::shared_ptr<AckBatch>> acks;
    if (!ev.envelope.ParseFromArray(payload, static_cast<int>(payload_len)) ||
        ev.envelope.event_id().empty()) {
      ev.envelope.Clear();
      result = absl::InvalidArgumentError("value is not a teksin.v1.Envelope with an event_id");
    } else {
      int backoff_ms = 50;
      for (;;) {
        auto t0 = std::chrono::steady_clock::now();
        if (config_.max_in_flight > 1) {
          DeferredAcks deferred;
          result = handler.Handle(ev);
          acks = deferred.Take();
        } else {
          result = handler.Handle(ev);
        }
        handle_latency.Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        if (result.ok() || common::IsPermanent(result)) break;
        retries_->With(L({ev.topic})).Inc();
        common::LogWarn("handler failed, retrying",
                        {{"topic", ev.topic}, {"offset", ev.offset},
                         {"event_id", ev.envelope.event_id()}, {"error", result.ToString()}});
        // Wait, keeping the group membership alive, unless asked to stop: then leave the event
        // uncommitted for the next owner of this partition.
        for (int waited = 0; waited < backoff_ms && !stop_.load(); waited += 50) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (stop_.load()) {
          Retire(/*all=*/true, /*rewind=*/false);
          return absl::OkStatus();
        }
        backoff_ms = std::min(backoff_ms * 2, config_.max_backoff_ms);
      }
    }
    if (!result.ok()) {
      // Poison: the dead letter must be acknowledged before the offset moves on.
      for (int backoff_ms = 100;; backoff_ms = std::min(backoff_ms * 2, config_.max_backoff_ms)) {
        absl::Status dl = DeadLetter(ev.topic, ev.partition, ev.offset, ev.key,
                                     std::string(payload, payload_len), std::string(result.message()));
        if (dl.ok()) break;
        common::LogError("dead-letter publish failed", {{"error", dl.ToString()}});
        if (stop_.load()) {
          Retire(/*all=*/true, /*rewind=*/false);
          return absl::OkStatus();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      }
      handled_->With(L({ev.topic, "dlq"})).Inc();
    } else {
      auto it = handled_ok.find(ev.topic);
      if (it == handled_ok.end()) {
        it = handled_ok.emplace(ev.topic, &handled_->With(L({ev.topic, "ok"}))).first;
      }
      it->second->Inc();
    }
    // A poison event's dead letter was acknowledged already: it has no acks to wait for, but its
    // offset still waits for those of the events before it.
    if (!result.ok()) acks.clear();
    in_flight_.push_back(InFlight{ev.topic, ev.partition, ev.offset, std::move(acks)});
    Retire(/*all=*/false, /*rewind=*/true);
  }
  // Graceful: wait for the acknowledgements, commit what was handled, then leave the group so
  // partitions move at once.
  Retire(/*all=*/true, /*rewind=*/false);
  consumer_->commitSync();
  consumer_->close();
  consumer_.reset();
  return absl::OkStatus();
}

}  // namespace teksin::kafka
