#include "events/in_memory.h"

namespace teksin::events {

absl::Status InMemoryEventPublisher::Publish(std::vector<OutgoingEvent> events) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fail_next_ > 0) {
    --fail_next_;
    return absl::UnavailableError("in-memory broker made unavailable by the test");
  }
  for (auto& e : events) published_.push_back(std::move(e));
  return absl::OkStatus();
}

std::vector<OutgoingEvent> InMemoryEventPublisher::Published(const std::string& topic) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<OutgoingEvent> out;
  for (const auto& e : published_) {
    if (e.topic == topic) out.push_back(e);
  }
  return out;
}

std::vector<OutgoingEvent> InMemoryEventPublisher::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  return published_;
}

std::vector<ConsumedEvent> InMemoryEventPublisher::Drain() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ConsumedEvent> out;
  for (; drained_ < published_.size(); ++drained_) {
    const auto& e = published_[drained_];
    ConsumedEvent c;
    c.topic = e.topic;
    c.key = e.key;
    c.envelope = e.envelope;
    c.offset = next_offset_[e.topic]++;
    out.push_back(std::move(c));
  }
  return out;
}

size_t InMemoryEventPublisher::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return published_.size();
}

}  // namespace teksin::events
