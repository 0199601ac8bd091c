// ViewBatcher: the Open311 projection's writes of many events in one RequestStore::ApplyBatch
// (one Redis round trip) instead of one per event; each event's deferred completion
// (kafka::DeferredAcks::Defer, ADR 0023) is finished once its batch is written (ADR 0024).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "channel_open311/request_store.h"
#include "kafka/publisher.h"

namespace teksin::channel_open311 {

struct ViewBatchOptions {
  size_t max_events = 500;                 // written when the batch has this many events
  std::chrono::milliseconds max_delay{3};  // ... or this long after its first event arrived
  int max_attempts = 8;                    // a failing batch is tried this often with backoff,
  std::chrono::milliseconds first_backoff{50};  // then its completions fail (the consumer
                                                // rewinds and hands the events over again)
};

class ViewBatcher {
 public:
  ViewBatcher(RequestStore& store, ViewBatchOptions options);
  ~ViewBatcher();  // Stop()
  ViewBatcher(const ViewBatcher&) = delete;
  ViewBatcher& operator=(const ViewBatcher&) = delete;

  // Queues one event's write; `done` completes OK once it is in the store, with an error if it
  // could not be written (after Stop: at once, with an error).
  void Add(ViewWrite write, std::shared_ptr<kafka::AckBatch> done);
  // Returns once everything queued before the call is written or failed (for a read that must
  // see it: a note finds its request by the token the first write stored).
  void Flush();
  // Writes what is queued (one attempt per batch if the store fails) and stops the thread.
  void Stop();

  int64_t batches() const { return batches_.load(); }
  int64_t batched_events() const { return batched_events_.load(); }

 private:
  struct Pending {
    ViewWrite write;
    std::shared_ptr<kafka::AckBatch> done;
  };
  void Loop();
  void WriteOne(std::vector<Pending>& batch);

  RequestStore& store_;
  const ViewBatchOptions options_;
  std::mutex mu_;
  std::condition_variable cv_, flushed_;
  std::deque<Pending> queue_;
  std::chrono::steady_clock::time_point first_at_;
  uint64_t queued_ = 0, written_ = 0;  // events queued and finished since start (for Flush)
  bool flush_ = false, stop_ = false;
  std::atomic<int64_t> batches_{0}, batched_events_{0};
  std::thread thread_;
};

}  // namespace teksin::channel_open311
