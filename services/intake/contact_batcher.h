// ContactBatcher: intake's link decisions for many contacts in one LinkStore::DecideAndRecordMany
// (one Redis round trip) instead of one round trip per contact (ADR 0024). Each contact's
// deferred completion (kafka::DeferredAcks::Defer, ADR 0023) is finished once its decision is
// recorded and the event it publishes (CaseRegistered or CaseLinked) is acknowledged by Kafka.
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

#include "intake/link_store.h"
#include "kafka/publisher.h"

namespace teksin::intake {

struct ContactBatchOptions {
  size_t max_contacts = 200;               // decided together when this many are queued
  std::chrono::milliseconds max_delay{2};  // ... or this long after the oldest arrived
  int max_attempts = 8;                    // a batch Redis refuses is tried this often with
  std::chrono::milliseconds first_backoff{50};  // backoff, then its completions fail (the
                                                // consumer rewinds and hands them over again)
};

class ContactBatcher {
 public:
  // Publishes the contact's outgoing event for the recorded decision; runs on the batcher's
  // thread inside a DeferredAcks scope (so Publish does not wait for the acknowledgement).
  using Finish = std::function<absl::Status(const LinkDecision&)>;

  ContactBatcher(LinkStore& links, ContactBatchOptions options);
  ~ContactBatcher();  // Stop()
  ContactBatcher(const ContactBatcher&) = delete;
  ContactBatcher& operator=(const ContactBatcher&) = delete;

  // Queues one contact; `done` completes OK once its decision is recorded and its event
  // acknowledged, with an error otherwise (after Stop: at once, with an error).
  void Add(DecideRequest request, Finish finish, std::shared_ptr<kafka::AckBatch> done);
  // Returns once every contact queued before the call is finished (decided and published).
  void Flush();
  // Finishes what is queued (one attempt per batch) and stops the thread.
  void Stop();

  int64_t batches() const { return batches_.load(); }
  int64_t batched_contacts() const { return batched_.load(); }

 private:
  struct Pending {
    DecideRequest request;
    Finish finish;
    std::shared_ptr<kafka::AckBatch> done;
  };
  void Loop();
  void Process(std::vector<Pending>& batch);

  LinkStore& links_;
  const ContactBatchOptions options_;
  std::mutex mu_;
  std::condition_variable cv_, finished_;
  std::deque<Pending> queue_;
  std::chrono::steady_clock::time_point first_at_;
  uint64_t queued_ = 0, processed_ = 0;
  bool flush_ = false, stop_ = false;
  std::atomic<int64_t> batches_{0}, batched_{0};
  std::thread thread_;
};

}  // namespace teksin::intake
