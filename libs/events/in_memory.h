// In-memory doubles of the event interfaces, for unit tests.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "events/events.h"

namespace teksin::events {

class InMemoryEventPublisher : public EventPublisher {
 public:
  absl::Status Publish(std::vector<OutgoingEvent> events) override;

  // Makes the next n Publish calls fail with Unavailable (a broker outage).
  void FailNext(int n) { fail_next_ = n; }
  std::vector<OutgoingEvent> Published(const std::string& topic) const;
  std::vector<OutgoingEvent> All() const;
  // Returns and forgets everything published so far, as consumed events with offsets.
  std::vector<ConsumedEvent> Drain();
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::vector<OutgoingEvent> published_;
  size_t drained_ = 0;
  std::map<std::string, int64_t> next_offset_;
  int fail_next_ = 0;
};

}  // namespace teksin::events
