// The Kafka layer against the real broker: acknowledged publishing, at-least-once consumption
// with commits only after success, retries, dead letters, and a broker that is not there.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "events/envelope.h"
#include "events/topics.h"
#include "gtest/gtest.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/publisher.h"
#include "librdkafka/rdkafkacpp.h"
#include "support/suite_harness.h"

namespace teksin::testing {
namespace {

v1::Envelope Contact(const std::string& id) {
  events::EnvelopeMeta m;
  m.event_id = id;
  m.source = "test";
  m.correlation_id = id;
  m.partition_key = id;
  m.occurred_at = absl::Now();
  v1::Envelope e = events::NewEnvelope(m);
  e.mutable_contact_received()->set_contact_id(id);
  e.mutable_contact_received()->set_outcome(v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT);
  events::StampType(e);
  return e;
}

class Collector : public events::EventHandler {
 public:
  std::function<absl::Status(const events::ConsumedEvent&)> on_event;
  absl::Status Handle(const events::ConsumedEvent& e) override {
    absl::Status s = on_event ? on_event(e) : absl::OkStatus();
    if (s.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      ids.push_back(e.envelope.event_id());
    }
    return s;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return ids.size();
  }
  std::mutex mu;
  std::vector<std::string> ids;
};

class KafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    infra_ = LoadInfra();
    topic_ = UniquePrefix("kafka") + ".events.v1";
    ASSERT_TRUE(kafka::EnsureTopics(infra_.kafka_brokers,
                                    {{topic_, 4, -1}, {events::Topics::DeadLetter(topic_), 1, -1}})
                    .ok());
    kafka::ProducerConfig pc{infra_.kafka_brokers, "test-producer"};
    auto p = kafka::KafkaEventPublisher::Create(pc, registry_, "test");
    ASSERT_TRUE(p.ok()) << p.status();
    publisher_ = std::move(*p);
  }

  std::unique_ptr<kafka::KafkaEventConsumer> Consumer(const std::string& group) {
    kafka::ConsumerConfig cc;
    cc.brokers = infra_.kafka_brokers;
    cc.group_id = group;
    cc.client_id = "test-consumer";
    cc.topics = {topic_};
    cc.max_backoff_ms = 200;
    auto c = kafka::KafkaEventConsumer::Create(cc, *publisher_, registry_, "test_" + group.substr(group.size() - 4));
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }

  void PublishN(int from, int to) {
    std::vector<events::OutgoingEvent> batch;
    for (int i = from; i < to; ++i) {
      std::string id = absl::StrCat("ev-", i);
      batch.push_back({topic_, id, Contact(id)});
    }
    ASSERT_TRUE(publisher_->Publish(std::move(batch)).ok());
  }

  Infra infra_;
  std::string topic_;
  metrics::Registry registry_;
  std::unique_ptr<kafka::KafkaEventPublisher> publisher_;
};

TEST_F(KafkaTest, CommittedEventsAreNotDeliveredAgain) {
  PublishN(0, 100);
  std::string group = UniquePrefix("grp") + "g001";
  Collector first;
  auto c1 = Consumer(group);
  std::thread t1([&] { EXPECT_TRUE(c1->Run(first).ok()); });
  ASSERT_TRUE(WaitUntil([&] { return first.size() >= 100; }, std::chrono::seconds(60)));
  c1->Stop();
  t1.join();
  std::set<std::string> got(first.ids.begin(), first.ids.end());
  EXPECT_EQ(got.size(), 100u);

  // The same group continues after the committed offsets: only new events arrive.
  PublishN(100, 110);
  Collector second;
  auto c2 = Consumer(group);
  std::thread t2([&] { EXPECT_TRUE(c2->Run(second).ok()); });
  ASSERT_TRUE(WaitUntil([&] { return second.size() >= 10; }, std::chrono::seconds(60)));
  c2->Stop();
  t2.join();
  std::set<std::string> again(second.ids.begin(), second.ids.end());
  EXPECT_EQ(again.size(), 10u);
  for (const auto& id : again) EXPECT_GE(std::stoi(id.substr(3)), 100) << id;
}

TEST_F(KafkaTest, TransientFailuresAreRetriedAndPoisonGoesToTheDeadLetterTopic) {
  PublishN(0, 3);
  ASSERT_TRUE(publisher_->PublishRaw(topic_, "junk", "this is not an envelope").ok());
  std::atomic<int> failures{0};
  Collector handler;
  handler.on_event = [&](const events::ConsumedEvent& e) -> absl::Status {
    if (e.envelope.event_id() == "ev-1" && failures.fetch_add(1) < 2) {
      return absl::UnavailableError("redis is restarting");  // transient: retried
    }
    if (e.envelope.event_id() == "ev-2") return absl::InvalidArgumentError("ev-2 is poison");
    return absl::OkStatus();
  };
  auto c = Consumer(UniquePrefix("grp") + "g002");
  std::thread t([&] { EXPECT_TRUE(c->Run(handler).ok()); });
  ASSERT_TRUE(WaitUntil([&] { return handler.size() >= 2; }, std::chrono::seconds(60)));

  // Two dead letters, each with the original bytes and the reason.
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", infra_.kafka_brokers, err);
  conf->set("group.id", UniquePrefix("dlq"), err);
  conf->set("auto.offset.reset", "earliest", err);
  std::unique_ptr<RdKafka::KafkaConsumer> raw(RdKafka::KafkaConsumer::create(conf.get(), err));
  ASSERT_TRUE(raw);
  raw->subscribe({events::Topics::DeadLetter(topic_)});
  std::vector<v1::DeadLetter> dead;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (dead.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(raw->consume(200));
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    v1::DeadLetter dl;
    ASSERT_TRUE(dl.ParseFromArray(m->payload(), static_cast<int>(m->len())));
    dead.push_back(dl);
  }
  raw->close();
  c->Stop();
  t.join();
  ASSERT_EQ(dead.size(), 2u);
  std::set<std::string> reasons;
  for (const auto& d : dead) {
    EXPECT_EQ(d.source_topic(), topic_);
    reasons.insert(d.error());
  }
  EXPECT_TRUE(reasons.count("ev-2 is poison"));
  EXPECT_TRUE(reasons.count("value is not a teksin.v1.Envelope with an event_id"));
  EXPECT_EQ(failures.load(), 3);  // failed twice, then succeeded
  std::set<std::string> ok(handler.ids.begin(), handler.ids.end());
  EXPECT_EQ(ok, (std::set<std::string>{"ev-0", "ev-1"}));
  std::string text = registry_.Render();
  EXPECT_NE(text.find("dead_letters_total{topic=\"" + topic_ + "\"} 2"), std::string::npos) << text;
}

// Reads every record of a topic from the beginning until `want` arrived (or 60 s passed).
std::vector<std::string> ReadKeys(const std::string& brokers, const std::string& topic, size_t want) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", brokers, err);
  conf->set("group.id", UniquePrefix("read"), err);
  conf->set("auto.offset.reset", "earliest", err);
  std::unique_ptr<RdKafka::KafkaConsumer> raw(RdKafka::KafkaConsumer::create(conf.get(), err));
  std::vector<std::string> keys;
  if (!raw) return keys;
  raw->subscribe({topic});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (keys.size() < want && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(raw->consume(200));
    if (m->err() == RdKafka::ERR_NO_ERROR && m->key()) keys.push_back(*m->key());
  }
  raw->close();
  return keys;
}

TEST_F(KafkaTest, InsideDeferredAcksPublishReturnsAndTheBatchIsAcknowledgedLater) {
  std::vector<std::shared_ptr<kafka::AckBatch>> acks;
  {
    kafka::DeferredAcks scope;
    ASSERT_TRUE(publisher_->PublishOne({topic_, "d-1", Contact("d-1")}).ok());
    ASSERT_TRUE(publisher_->Publish({{topic_, "d-2", Contact("d-2")}, {topic_, "d-3", Contact("d-3")}}).ok());
    acks = scope.Take();
  }
  ASSERT_EQ(acks.size(), 2u);
  for (auto& b : acks) {
    ASSERT_TRUE(b->WaitFor(std::chrono::seconds(60)));
    EXPECT_EQ(b->Error(), "");
  }
  // Outside a scope Publish waits again: nothing is collected.
  EXPECT_EQ(kafka::DeferredAcks::Current(), nullptr);
  EXPECT_TRUE(publisher_->PublishOne({topic_, "d-4", Contact("d-4")}).ok());
}

TEST_F(KafkaTest, HandlersDoNotWaitForAcknowledgementsButOffsetsDo) {
  // A handler that forwards every event, as intake and routing do: with a window of in-flight
  // events it does not wait for each acknowledgement, and the committed offsets still cover
  // only events whose forwards were acknowledged.
  const std::string out = topic_ + ".out";
  ASSERT_TRUE(kafka::EnsureTopics(infra_.kafka_brokers, {{out, 4, -1}}).ok());
  PublishN(0, 300);
  std::string group = UniquePrefix("grp") + "g003";
  Collector forward;
  forward.on_event = [&](const events::ConsumedEvent& e) {
    return publisher_->PublishOne({out, e.envelope.event_id(), e.envelope});
  };
  auto c1 = Consumer(group);
  std::thread t1([&] { EXPECT_TRUE(c1->Run(forward).ok()); });
  ASSERT_TRUE(WaitUntil([&] { return forward.size() >= 300; }, std::chrono::seconds(60)));
  c1->Stop();
  t1.join();
  std::vector<std::string> keys = ReadKeys(infra_.kafka_brokers, out, 300);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 300u);
  // Everything was committed on stop: the group continues with new events only.
  PublishN(300, 305);
  Collector second;
  auto c2 = Consumer(group);
  std::thread t2([&] { EXPECT_TRUE(c2->Run(second).ok()); });
  ASSERT_TRUE(WaitUntil([&] { return second.size() >= 5; }, std::chrono::seconds(60)));
  c2->Stop();
  t2.join();
  for (const auto& id : second.ids) EXPECT_GE(std::stoi(id.substr(3)), 300) << id;
}

TEST_F(KafkaTest, AForwardThatIsNotAcknowledgedRewindsThePartitionAndIsHandledAgain) {
  // The first forward of ev-1 goes to a topic that does not exist (the broker does not create
  // topics), so its delivery fails after the producer's timeout; the handler had already returned
  // OK. The consumer must not commit ev-1: it seeks back and handles it again.
  metrics::Registry reg;
  kafka::ProducerConfig pc{infra_.kafka_brokers, "test-failing", 1, 1500};
  auto failing = kafka::KafkaEventPublisher::Create(pc, reg, "failing");
  ASSERT_TRUE(failing.ok());
  const std::string out = topic_ + ".fwd";
  ASSERT_TRUE(kafka::EnsureTopics(infra_.kafka_brokers, {{out, 4, -1}}).ok());
  PublishN(0, 3);
  std::atomic<int> ev1_calls{0};
  Collector forward;
  forward.on_event = [&](const events::ConsumedEvent& e) {
    bool first_ev1 = e.envelope.event_id() == "ev-1" && ev1_calls.fetch_add(1) == 0;
    return (*failing)->PublishOne({first_ev1 ? topic_ + ".missing" : out, e.envelope.event_id(), e.envelope});
  };
  auto c = Consumer(UniquePrefix("grp") + "g004");
  std::thread t([&] { EXPECT_TRUE(c->Run(forward).ok()); });
  ASSERT_TRUE(WaitUntil([&] { return ev1_calls.load() >= 2; }, std::chrono::seconds(90)));
  std::vector<std::string> keys = ReadKeys(infra_.kafka_brokers, out, 3);
  c->Stop();
  t.join();
  std::set<std::string> got(keys.begin(), keys.end());
  EXPECT_TRUE(got.count("ev-1")) << "ev-1 was not forwarded after the rewind";
  EXPECT_EQ(got.size(), 3u);
  std::string text = registry_.Render();
  EXPECT_NE(text.find("consumer_rewinds_total{topic=\"" + topic_ + "\"}"), std::string::npos) << text;
}

// Completions a handler made with DeferredAcks::Defer and hands to another thread (ADR 0023).
class DeferringHandler : public events::EventHandler {
 public:
  absl::Status Handle(const events::ConsumedEvent& e) override {
    std::shared_ptr<kafka::AckBatch> done = kafka::DeferredAcks::Defer();
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(e.envelope.event_id());
    if (done == nullptr) {
      synchronous.push_back(e.envelope.event_id());
    } else {
      pending.emplace_back(e.envelope.event_id(), std::move(done));
    }
    return absl::OkStatus();
  }
  size_t Calls() {
    std::lock_guard<std::mutex> lock(mu);
    return calls.size();
  }
  std::vector<std::pair<std::string, std::shared_ptr<kafka::AckBatch>>> TakePending() {
    std::lock_guard<std::mutex> lock(mu);
    return std::move(pending);
  }
  std::mutex mu;
  std::vector<std::string> calls, synchronous;
  std::vector<std::pair<std::string, std::shared_ptr<kafka::AckBatch>>> pending;
};

TEST_F(KafkaTest, DeferredCompletionsHoldTheWindowMoveOffsetsAndAFailureRewinds) {
  // One partition, so that the order is known.
  const std::string topic = topic_ + ".deferred";
  ASSERT_TRUE(kafka::EnsureTopics(infra_.kafka_brokers, {{topic, 1, -1}}).ok());
  std::vector<events::OutgoingEvent> batch;
  for (int i = 0; i < 10; ++i) {
    std::string id = absl::StrCat("ev-", i);
    batch.push_back({topic, id, Contact(id)});
  }
  ASSERT_TRUE(publisher_->Publish(std::move(batch)).ok());
  const std::string group = UniquePrefix("grp") + "g005";
  kafka::ConsumerConfig cc;
  cc.brokers = infra_.kafka_brokers;
  cc.group_id = group;
  cc.client_id = "test-deferred";
  cc.topics = {topic};
  cc.max_in_flight = 4;
  auto c = kafka::KafkaEventConsumer::Create(cc, *publisher_, registry_, "test_g005");
  ASSERT_TRUE(c.ok()) << c.status();
  DeferringHandler handler;
  std::thread t([&] { EXPECT_TRUE((*c)->Run(handler).ok()); });

  // Nothing is completed yet: the consumer takes a window's worth of events and then waits for
  // the oldest completion instead of going on.
  ASSERT_TRUE(WaitUntil([&] { return handler.Calls() >= 4; }, std::chrono::seconds(60)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(handler.Calls(), 4u);

  // Now a "batcher" thread completes everything it holds, failing ev-1's first completion: the
  // consumer rewinds the partition to ev-1 and hands it (and what followed) to the handler again.
  // It keeps completing until the consumer stopped (stop waits for every completion).
  std::mutex completed_mu;
  std::set<std::string> completed;
  bool failed_once = false;
  std::atomic<bool> consumer_stopped{false};
  std::thread batcher([&] {
    while (!consumer_stopped.load()) {
      for (auto& [id, done] : handler.TakePending()) {
        std::lock_guard<std::mutex> lock(completed_mu);
        if (id == "ev-1" && !failed_once) {
          failed_once = true;
          done->Complete(absl::UnavailableError("redis is restarting"));
        } else {
          done->Complete(absl::OkStatus());
          completed.insert(id);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  bool all = WaitUntil(
      [&] {
        std::lock_guard<std::mutex> lock(completed_mu);
        return completed.size() >= 10;
      },
      std::chrono::seconds(90));
  (*c)->Stop();
  t.join();
  consumer_stopped = true;
  batcher.join();
  ASSERT_TRUE(all);
  EXPECT_TRUE(failed_once);
  EXPECT_TRUE(handler.synchronous.empty());
  EXPECT_GE(std::count(handler.calls.begin(), handler.calls.end(), "ev-1"), 2);
  std::string text = registry_.Render();
  EXPECT_NE(text.find("consumer_rewinds_total{topic=\"" + topic + "\"} 1"), std::string::npos) << text;

  // Every completed event's offset was committed: the group goes on with new events only.
  ASSERT_TRUE(publisher_->PublishOne({topic, "ev-10", Contact("ev-10")}).ok());
  Collector second;
  auto c2 = kafka::KafkaEventConsumer::Create(cc, *publisher_, registry_, "test_g005");
  ASSERT_TRUE(c2.ok());
  std::thread t2([&] { EXPECT_TRUE((*c2)->Run(second).ok()); });
  ASSERT_TRUE(WaitUntil([&] { return second.size() >= 1; }, std::chrono::seconds(60)));
  (*c2)->Stop();
  t2.join();
  EXPECT_EQ(second.ids, std::vector<std::string>{"ev-10"});
}

TEST_F(KafkaTest, ACompletionThatFailsAtStopLeavesItsEventForTheNextOwner) {
  const std::string topic = topic_ + ".stopping";
  ASSERT_TRUE(kafka::EnsureTopics(infra_.kafka_brokers, {{topic, 1, -1}}).ok());
  ASSERT_TRUE(publisher_->Publish({{topic, "s-0", Contact("s-0")}, {topic, "s-1", Contact("s-1")}}).ok());
  kafka::ConsumerConfig cc;
  cc.brokers = infra_.kafka_brokers;
  cc.group_id = UniquePrefix("grp") + "g006";
  cc.client_id = "test-deferred";
  cc.topics = {topic};
  auto c = kafka::KafkaEventConsumer::Create(cc, *publisher_, registry_, "test_g006");
  ASSERT_TRUE(c.ok());
  DeferringHandler handler;
  std::thread t([&] { EXPECT_TRUE((*c)->Run(handler).ok()); });
  ASSERT_TRUE(WaitUntil([&] { return handler.Calls() >= 2; }, std::chrono::seconds(60)));
  // s-0 completes; s-1 is still held when the consumer is asked to stop. Stop waits for it, so it
  // is failed from here (as the analytics batcher does when it is shut down with Redis away).
  std::vector<std::pair<std::string, std::shared_ptr<kafka::AckBatch>>> held = handler.TakePending();
  ASSERT_EQ(held.size(), 2u);
  held[0].second->Complete(absl::OkStatus());
  (*c)->Stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  held[1].second->Complete(absl::UnavailableError("shutting down"));
  t.join();

  Collector next;
  auto c2 = kafka::KafkaEventConsumer::Create(cc, *publisher_, registry_, "test_g006");
  ASSERT_TRUE(c2.ok());
  std::thread t2([&] { EXPECT_TRUE((*c2)->Run(next).ok()); });
  ASSERT_TRUE(WaitUntil([&] { return next.size() >= 1; }, std::chrono::seconds(60)));
  (*c2)->Stop();
  t2.join();
  EXPECT_EQ(next.ids, std::vector<std::string>{"s-1"});
}

TEST_F(KafkaTest, WithAWindowOfOneThereIsNoScopeAndHandlersWorkSynchronously) {
  PublishN(0, 3);
  kafka::ConsumerConfig cc;
  cc.brokers = infra_.kafka_brokers;
  cc.group_id = UniquePrefix("grp") + "g007";
  cc.client_id = "test-sync";
  cc.topics = {topic_};
  cc.max_in_flight = 1;
  auto c = kafka::KafkaEventConsumer::Create(cc, *publisher_, registry_, "test_g007");
  ASSERT_TRUE(c.ok());
  DeferringHandler handler;
  std::thread t([&] { EXPECT_TRUE((*c)->Run(handler).ok()); });
  ASSERT_TRUE(WaitUntil([&] { return handler.Calls() >= 3; }, std::chrono::seconds(60)));
  (*c)->Stop();
  t.join();
  EXPECT_EQ(handler.synchronous.size(), handler.calls.size());
  EXPECT_TRUE(handler.pending.empty());
}

// ADR 0030: a follower lets the broker gather records (TEKSIN_KAFKA_FOLLOWER_FETCH_WAIT_MS, or 1
// MiB) and still hands every event over and commits; 0 makes it latency-first; a bad value is a
// clear error.
TEST_F(KafkaTest, AFollowerGathersRecordsAndStillGetsEveryEvent) {
  kafka::ConsumerConfig cc;
  cc.brokers = infra_.kafka_brokers;
  cc.client_id = "test-follower";
  cc.topics = {topic_};
  cc.fetch_profile = kafka::FetchProfile::kFollower;
  auto make = [&](const std::string& suffix) {
    cc.group_id = UniquePrefix("grp") + suffix;
    return kafka::KafkaEventConsumer::Create(cc, *publisher_, registry_, "test_" + suffix);
  };
  unsetenv("TEKSIN_KAFKA_FOLLOWER_FETCH_WAIT_MS");
  auto c = make("g008");
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string group = cc.group_id;
  EXPECT_EQ((*c)->fetch_wait_ms(), "100");
  EXPECT_EQ((*c)->fetch_min_bytes(), "1048576");

  setenv("TEKSIN_KAFKA_FOLLOWER_FETCH_WAIT_MS", "0", 1);
  auto latency = make("g009");
  setenv("TEKSIN_KAFKA_FOLLOWER_FETCH_WAIT_MS", "250", 1);
  auto slower = make("g010");
  setenv("TEKSIN_KAFKA_FOLLOWER_FETCH_WAIT_MS", "soon", 1);
  auto bad = make("g011");
  unsetenv("TEKSIN_KAFKA_FOLLOWER_FETCH_WAIT_MS");
  ASSERT_TRUE(latency.ok() && slower.ok());
  EXPECT_EQ((*latency)->fetch_wait_ms(), "1000");  // the latency-first defaults
  EXPECT_EQ((*latency)->fetch_min_bytes(), "1");
  EXPECT_EQ((*slower)->fetch_wait_ms(), "250");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("TEKSIN_KAFKA_FOLLOWER_FETCH_WAIT_MS"), std::string::npos);

  // Events published one at a time (far less than 1 MiB) all arrive, and are committed: the same
  // group started again gets only what came after.
  for (int i = 0; i < 20; ++i) PublishN(i, i + 1);
  Collector got;
  std::thread t([&] { EXPECT_TRUE((*c)->Run(got).ok()); });
  ASSERT_TRUE(WaitUntil([&] { return got.size() >= 20; }, std::chrono::seconds(60)));
  (*c)->Stop();
  t.join();
  EXPECT_EQ(std::set<std::string>(got.ids.begin(), got.ids.end()).size(), 20u);
  PublishN(20, 21);
  kafka::ConsumerConfig again = cc;
  again.group_id = group;  // the first follower's group
  auto c2 = kafka::KafkaEventConsumer::Create(again, *publisher_, registry_, "test_g008b");
  ASSERT_TRUE(c2.ok());
  Collector next;
  std::thread t2([&] { EXPECT_TRUE((*c2)->Run(next).ok()); });
  ASSERT_TRUE(WaitUntil([&] { return next.size() >= 1; }, std::chrono::seconds(60)));
  (*c2)->Stop();
  t2.join();
  EXPECT_EQ(next.ids, std::vector<std::string>{"ev-20"});
}

TEST_F(KafkaTest, PublishingToAnAbsentBrokerFailsClearly) {
  metrics::Registry reg;
  kafka::ProducerConfig pc{"127.0.0.1:1", "nobody", 1, 2000};
  auto p = kafka::KafkaEventPublisher::Create(pc, reg, "absent");
  ASSERT_TRUE(p.ok());
  absl::Status s = (*p)->PublishOne({"teksin.nowhere.v1", "k", Contact("x")});
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
}

}  // namespace
}  // namespace teksin::testing
