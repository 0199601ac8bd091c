// Reads a suite's topics in an e2e test: a consumer of its own group that keeps every envelope it
// sees, so a test can wait for an event and assert on its content.
#pragma once

#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "gtest/gtest.h"
#include "kafka/consumer.h"
#include "kafka/publisher.h"
#include "metrics/registry.h"
#include "support/suite_harness.h"

namespace teksin::testing {

class TopicWatch : public events::EventHandler {
 public:
  TopicWatch(const Infra& infra, const std::vector<std::string>& topics) {
    kafka::ProducerConfig pc{infra.kafka_brokers, "e2e-watch"};
    auto p = kafka::KafkaEventPublisher::Create(pc, registry_, "e2e_watch");
    EXPECT_TRUE(p.ok()) << p.status();
    publisher_ = std::move(*p);
    kafka::ConsumerConfig cc;
    cc.brokers = infra.kafka_brokers;
    cc.group_id = absl::StrCat("e2e-watch-", common::NewId());
    cc.client_id = "e2e-watch";
    cc.topics = topics;
    auto c = kafka::KafkaEventConsumer::Create(cc, *publisher_, registry_, "e2e_watch");
    EXPECT_TRUE(c.ok()) << c.status();
    consumer_ = std::move(*c);
    thread_ = std::thread([this] { (void)consumer_->Run(*this); });
  }
  ~TopicWatch() override {
    consumer_->Stop();
    thread_.join();
  }
  absl::Status Handle(const events::ConsumedEvent& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(e);
    return absl::OkStatus();
  }
  std::vector<events::ConsumedEvent> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  // Events of one payload kind about one case, in the order seen.
  std::vector<v1::Envelope> About(const std::string& case_id, v1::Envelope::PayloadCase kind) {
    std::vector<v1::Envelope> out;
    for (const auto& e : Seen()) {
      if (e.envelope.payload_case() == kind && e.envelope.correlation_id() == case_id) {
        out.push_back(e.envelope);
      }
    }
    return out;
  }

 private:
  metrics::Registry registry_;
  std::unique_ptr<kafka::KafkaEventPublisher> publisher_;
  std::unique_ptr<kafka::KafkaEventConsumer> consumer_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<events::ConsumedEvent> seen_;
};

}  // namespace teksin::testing
