// The event interfaces services program against. libs/kafka implements them over librdkafka;
// in_memory.h has the doubles unit tests use. No service logic includes librdkafka.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "teksin/v1/envelope.pb.h"

namespace teksin::events {

struct OutgoingEvent {
  std::string topic;
  std::string key;  // the partition key: case id, or citizen key on contact topics
  v1::Envelope envelope;
};

struct ConsumedEvent {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  v1::Envelope envelope;
};

class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  // Returns OK only after the broker acknowledged every event (acks=all). On error, some of the
  // events may have been written: callers retry with the same event ids, which consumers dedupe.
  virtual absl::Status Publish(std::vector<OutgoingEvent> events) = 0;
  absl::Status PublishOne(OutgoingEvent event) {
    std::vector<OutgoingEvent> v;
    v.push_back(std::move(event));
    return Publish(std::move(v));
  }
};

// A handler returns OK when the event is done (the offset may be committed), a permanent error
// (InvalidArgument, FailedPrecondition, ...) for a poison event that goes to the dead-letter
// topic, or a transient error (Unavailable, ...) to have the same event retried with backoff.
class EventHandler {
 public:
  virtual ~EventHandler() = default;
  virtual absl::Status Handle(const ConsumedEvent& event) = 0;
};

class EventConsumer {
 public:
  virtual ~EventConsumer() = default;
  // Consumes until Stop(); commits each offset only after its handler succeeded (or the event was
  // dead-lettered), then commits and leaves the group.
  virtual absl::Status Run(EventHandler& handler) = 0;
  virtual void Stop() = 0;
  // False while the consumer has lost its broker connection or group membership.
  virtual bool Healthy() const = 0;
};

}  // namespace teksin::events
