// ViewBatcher: the Open311 projection's writes of many events in one RequestStore::ApplyBatch
// (one Redis round trip) instead of one per event; each event's deferred completion
// (kafka::DeferredAcks::Defer, ADR 0023) is finished once its batch is written (ADR 0024). The
// batching itself (size, delay, retries, flush, stop) is kafka::CompletionBatcher's.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "channel_open311/request_store.h"
#include "kafka/completion_batcher.h"
#include "kafka/publisher.h"

namespace teksin::channel_open311 {

using ViewBatchOptions = kafka::BatcherOptions;

class ViewBatcher {
 public:
  ViewBatcher(RequestStore& store, ViewBatchOptions options)
      : batcher_("channel_open311", options,
                 [&store](std::vector<ViewWrite>& writes,
                          const kafka::CompletionBatcher<ViewWrite>::Completions&) {
                   return store.ApplyBatch(writes);
                 }) {}

  // Queues one event's write; `done` completes OK once it is in the store, with an error if it
  // could not be written (after Stop: at once, with an error).
  void Add(ViewWrite write, std::shared_ptr<kafka::AckBatch> done) {
    batcher_.Add(std::move(write), std::move(done));
  }
  // Returns once everything queued before the call is written or failed (for a read that must
  // see it: a note finds its request by the token the first write stored).
  void Flush() { batcher_.Flush(); }
  // Writes what is queued (one attempt per batch if the store fails) and stops the thread.
  void Stop() { batcher_.Stop(); }

  int64_t batches() const { return batcher_.batches(); }
  int64_t batched_events() const { return batcher_.items(); }

 private:
  kafka::CompletionBatcher<ViewWrite> batcher_;
};

}  // namespace teksin::channel_open311
