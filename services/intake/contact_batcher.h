// ContactBatcher: intake's link decisions for many contacts in one LinkStore::DecideAndRecordMany
// (one Redis round trip) instead of one round trip per contact (ADR 0024). Each contact's
// deferred completion (kafka::DeferredAcks::Defer, ADR 0023) is finished once its decision is
// recorded and the event it publishes (CaseRegistered or CaseLinked) is acknowledged by Kafka.
// The batching itself (size, delay, retries, flush, stop) is kafka::CompletionBatcher's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "intake/link_store.h"
#include "kafka/completion_batcher.h"
#include "kafka/publisher.h"

namespace teksin::intake {

using ContactBatchOptions = kafka::BatcherOptions;

class ContactBatcher {
 public:
  // Publishes the contact's outgoing event for the recorded decision; runs on the batcher's
  // thread inside a DeferredAcks scope (so Publish does not wait for the acknowledgement).
  using Finish = std::function<absl::Status(const LinkDecision&)>;

  ContactBatcher(LinkStore& links, ContactBatchOptions options);

  // Queues one contact; `done` completes OK once its decision is recorded and its event
  // acknowledged, with an error otherwise (after Stop: at once, with an error).
  void Add(DecideRequest request, Finish finish, std::shared_ptr<kafka::AckBatch> done) {
    batcher_.Add(Contact{std::move(request), std::move(finish)}, std::move(done));
  }
  // Returns once every contact queued before the call is finished (decided and published).
  void Flush() { batcher_.Flush(); }
  // Finishes what is queued (one attempt per batch) and stops the thread.
  void Stop() { batcher_.Stop(); }

  int64_t batches() const { return batcher_.batches(); }
  int64_t batched_contacts() const { return batcher_.items(); }

 private:
  struct Contact {
    DecideRequest request;
    Finish finish;
  };
  using Batcher = kafka::CompletionBatcher<Contact>;
  static absl::Status Process(LinkStore& links, std::vector<Contact>& batch,
                              const Batcher::Completions& done);

  Batcher batcher_;
};

}  // namespace teksin::intake
