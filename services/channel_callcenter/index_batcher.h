// IndexBatcher: the case index projection's updates of many events in one
// CaseIndex::ApplyBatch (one Redis script call) instead of one per event; each event's deferred
// completion (kafka::DeferredAcks::Defer, ADR 0023) is finished once its batch is written
// (ADR 0026). The batching itself (size, delay, retries, flush, stop) is
// kafka::CompletionBatcher's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "channel_callcenter/case_index.h"
#include "kafka/completion_batcher.h"
#include "kafka/publisher.h"

namespace teksin::channel_callcenter {

using IndexBatchOptions = kafka::BatcherOptions;

class IndexBatcher {
 public:
  // applied: called for each update of a batch once the batch is in the index (for metrics).
  using Applied = std::function<void(const CaseUpdate&)>;

  IndexBatcher(CaseIndex& index, IndexBatchOptions options, Applied applied = nullptr)
      : batcher_("channel_callcenter", options,
                 [&index, applied = std::move(applied)](
                     std::vector<CaseUpdate>& updates,
                     const kafka::CompletionBatcher<CaseUpdate>::Completions&) {
                   absl::Status s = index.ApplyBatch(updates);
                   if (s.ok() && applied) {
                     for (const auto& u : updates) applied(u);
                   }
                   return s;
                 }) {}

  // Queues one event's update; `done` completes OK once it is in the index, with an error if it
  // could not be written (after Stop: at once, with an error).
  void Add(CaseUpdate update, std::shared_ptr<kafka::AckBatch> done) {
    batcher_.Add(std::move(update), std::move(done));
  }
  // Returns once everything queued before the call is written or failed.
  void Flush() { batcher_.Flush(); }
  // Writes what is queued (one attempt per batch if the index fails) and stops the thread.
  void Stop() { batcher_.Stop(); }

  int64_t batches() const { return batcher_.batches(); }
  int64_t batched_events() const { return batcher_.items(); }

 private:
  kafka::CompletionBatcher<CaseUpdate> batcher_;
};

}  // namespace teksin::channel_callcenter
