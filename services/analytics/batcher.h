// EffectsBatcher: applies the effects of many events with one CountsStore::ApplyBatch (one Lua
// call in Redis) instead of one round trip per event, and completes each event's deferred
// completion (kafka::DeferredAcks::Defer) once its batch is in the store (ADR 0023). The
// batching itself (size, delay, retries, stop) is kafka::CompletionBatcher's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analytics/counts_store.h"
#include "kafka/completion_batcher.h"
#include "kafka/publisher.h"

namespace teksin::analytics {

using BatchOptions = kafka::BatcherOptions;

class EffectsBatcher {
 public:
  // After every applied batch: how many of its events were new and how many seen before.
  using Applied = std::function<void(int64_t counted, int64_t duplicates)>;

  EffectsBatcher(CountsStore& store, BatchOptions options, Applied on_applied);

  // Queues one event. `done` completes OK once the event's batch is applied, with an error if it
  // could not be (after Stop: at once, with an error).
  void Add(std::string event_id, Effects effects, std::shared_ptr<kafka::AckBatch> done) {
    batcher_.Add(EventEffects{std::move(event_id), std::move(effects)}, std::move(done));
  }
  // Applies what is queued (one attempt per batch if the store fails) and stops the thread.
  void Stop() { batcher_.Stop(); }

  // Since start: batches applied, events in them, failed attempts.
  int64_t batches() const { return batcher_.batches(); }
  int64_t batched_events() const { return batcher_.items(); }
  int64_t failed_attempts() const { return batcher_.failed_attempts(); }

 private:
  kafka::CompletionBatcher<EventEffects> batcher_;
};

}  // namespace teksin::analytics
