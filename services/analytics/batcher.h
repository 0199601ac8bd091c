// EffectsBatcher: applies the effects of many events with one CountsStore::ApplyBatch (one Lua
// call in Redis) instead of one round trip per event, and completes each event's deferred
// completion (kafka::DeferredAcks::Defer) once its batch is in the store (ADR 0023).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "analytics/counts_store.h"
#include "kafka/publisher.h"

namespace teksin::analytics {

struct BatchOptions {
  size_t max_events = 500;                    // a batch is applied when it has this many events
  std::chrono::milliseconds max_delay{3};     // ... or this long after its first event arrived
  int max_attempts = 8;                       // a failing batch is tried this often, with backoff,
  std::chrono::milliseconds first_backoff{50};  // before its completions fail (the consumer then
                                              // rewinds and hands the events over again)
};

class EffectsBatcher {
 public:
  // After every applied batch: how many of its events were new and how many seen before.
  using Applied = std::function<void(int64_t counted, int64_t duplicates)>;

  EffectsBatcher(CountsStore& store, BatchOptions options, Applied on_applied);
  ~EffectsBatcher();  // Stop()
  EffectsBatcher(const EffectsBatcher&) = delete;
  EffectsBatcher& operator=(const EffectsBatcher&) = delete;

  // Queues one event. `done` completes OK once the event's batch is applied, with an error if it
  // could not be (after Stop: at once, with an error).
  void Add(std::string event_id, Effects effects, std::shared_ptr<kafka::AckBatch> done);

  // Applies what is queued (one attempt per batch if the store fails) and stops the thread.
  void Stop();

  // Since start: batches applied, events in them, failed attempts.
  int64_t batches() const { return batches_.load(); }
  int64_t batched_events() const { return batched_events_.load(); }
  int64_t failed_attempts() const { return failed_attempts_.load(); }

 private:
  struct Pending {
    EventEffects event;
    std::shared_ptr<kafka::AckBatch> done;
  };
  void Loop();
  void ApplyOne(std::vector<Pending>& batch);

  CountsStore& store_;
  const BatchOptions options_;
  const Applied on_applied_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  std::chrono::steady_clock::time_point first_at_;  // when the oldest queued event arrived
  bool stop_ = false;
  std::atomic<int64_t> batches_{0}, batched_events_{0}, failed_attempts_{0};
  std::thread thread_;
};

}  // namespace teksin::analytics
