// Topic administration through librdkafka's Admin API (the broker jars ship no kafka-topics tool).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace teksin::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 6;
  int64_t retention_ms = -1;  // -1: kept for ever (Kafka is the record)
};

// Creates the topics that do not exist yet; existing ones are left as they are.
absl::Status EnsureTopics(const std::string& brokers, const std::vector<TopicSpec>& topics,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace teksin::kafka
