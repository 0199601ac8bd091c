// CompletionBatcher<T>: does the work of many consumed events at once on its own thread and
// finishes each event's deferred completion (DeferredAcks::Defer, ADR 0023) when its batch is
// done. A handler queues its event's work item with the completion the consumer gave it; the
// batcher takes a batch when it holds `max_items`, when the oldest item waited `max_delay`, on
// Flush() or on Stop() — on its own, never waiting for the consumer's thread, as ADR 0023 asks.
//
// The work function gets the batch's items (the same vector on every attempt) and their
// completions. It returns OK when the batch is done; the batcher then completes every item OK
// (a work function that completed some items itself — with their own status — keeps those: only
// an AckBatch's first Complete counts). An error is tried again with exponential backoff, up to
// `max_attempts` (one attempt once stopping); then every item's completion fails with it, and the
// consumer rewinds to those events and hands them over again.
//
// Analytics' counts, the Open311 projection and intake's link decisions use it (ADR 0023, 0024).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "kafka/publisher.h"
#include "metrics/registry.h"

namespace teksin::kafka {

struct BatcherOptions {
  size_t max_items = 500;                       // a batch is taken when this many are queued
  std::chrono::milliseconds max_delay{3};       // ... or this long after its oldest arrived
  int max_attempts = 8;                         // a failing batch is tried this often, with
  std::chrono::milliseconds first_backoff{50};  // backoff doubling up to 1 s, before its
                                                // completions fail
  // Threads doing batches. With more than one, a batch may be done before an earlier one: only
  // for work whose batches commute (each atomic and idempotent, order-free like analytics'
  // counts), so that one thread builds a batch while Redis runs the previous one.
  int workers = 1;
};

template <typename T>
class CompletionBatcher {
 public:
  using Completions = std::vector<std::shared_ptr<AckBatch>>;
  using Work = std::function<absl::Status(std::vector<T>& items, const Completions& done)>;

  // name: who is batching, for logs and the error given to items queued after Stop().
  CompletionBatcher(std::string name, BatcherOptions options, Work work)
      : name_(std::move(name)), options_(options), work_(std::move(work)) {
    if (options_.max_items == 0) options_.max_items = 1;
    if (options_.workers < 1) options_.workers = 1;
    for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~CompletionBatcher() { Stop(); }
  CompletionBatcher(const CompletionBatcher&) = delete;
  CompletionBatcher& operator=(const CompletionBatcher&) = delete;

  // Queues one item; `done` completes once its batch is done (after Stop: at once, with an error).
  void Add(T item, std::shared_ptr<AckBatch> done) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stop_) {
        if (queue_.empty()) first_at_ = std::chrono::steady_clock::now();
        queue_.emplace_back(std::move(item), std::move(done));
        ++queued_;
        if (queue_.size() == 1 || queue_.size() >= options_.max_items) cv_.notify_one();
        return;
      }
    }
    done->Complete(absl::UnavailableError(absl::StrCat(name_, " is shutting down")));
  }

  // Returns once every item queued before the call is done or failed (for a read that must see
  // the writes queued so far).
  void Flush() {
    std::unique_lock<std::mutex> lock(mu_);
    const uint64_t target = queued_;
    if (finished_ >= target) return;
    flush_ = true;
    cv_.notify_one();
    finished_cv_.wait(lock, [&] { return finished_ >= target || stop_; });
  }

  // Does what is queued (one attempt per batch) and stops the thread.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    finished_cv_.notify_all();
  }

  // Since start: batches done, items in them, failed attempts.
  int64_t batches() const { return batches_.load(); }
  int64_t items() const { return items_.load(); }
  int64_t failed_attempts() const { return failed_attempts_.load(); }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      // A full batch, the oldest item's deadline, a flush or stop.
      while (!stop_ && !flush_ && queue_.size() < options_.max_items) {
        if (queue_.empty()) {
          cv_.wait(lock);
        } else if (cv_.wait_until(lock, first_at_ + options_.max_delay) ==
                   std::cv_status::timeout) {
          break;
        }
      }
      if (queue_.empty()) {
        flush_ = false;
        finished_cv_.notify_all();
        if (stop_) return;
        continue;
      }
      const size_t n = std::min(queue_.size(), options_.max_items);
      const uint64_t first = taken_;
      taken_ += n;
      std::vector<T> items;
      Completions done;
      items.reserve(n);
      done.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        items.push_back(std::move(queue_.front().first));
        done.push_back(std::move(queue_.front().second));
        queue_.pop_front();
      }
      // What stays behind waits from now on at most max_delay again.
      if (!queue_.empty()) first_at_ = std::chrono::steady_clock::now();
      lock.unlock();
      DoOne(items, done);
      lock.lock();
      // finished_ counts the items done without a gap: a later batch done first waits in
      // done_ahead_ until the ones before it are done too.
      done_ahead_.emplace(first, first + n);
      while (!done_ahead_.empty() && done_ahead_.begin()->first == finished_) {
        finished_ = done_ahead_.begin()->second;
        done_ahead_.erase(done_ahead_.begin());
      }
      finished_cv_.notify_all();
    }
  }

  void DoOne(std::vector<T>& items, const Completions& done) {
    absl::Status error;
    auto backoff = options_.first_backoff;
    for (int attempt = 1;; ++attempt) {
      error = work_(items, done);
      if (error.ok()) {
        ++batches_;
        items_ += static_cast<int64_t>(items.size());
        for (const auto& d : done) d->Complete(absl::OkStatus());
        return;
      }
      ++failed_attempts_;
      common::LogWarn("batch not done", {{"batcher", name_},
                                         {"items", items.size()},
                                         {"attempt", attempt},
                                         {"error", error.ToString()}});
      std::unique_lock<std::mutex> lock(mu_);
      if (stop_ || attempt >= options_.max_attempts) break;
      cv_.wait_for(lock, backoff, [this] { return stop_; });  // not past a stop
      if (stop_) break;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
    // The consumer rewinds to these events (or, when stopping, leaves them uncommitted).
    for (const auto& d : done) d->Complete(error);
  }

  const std::string name_;
  BatcherOptions options_;
  const Work work_;
  std::mutex mu_;
  std::condition_variable cv_, finished_cv_;
  std::deque<std::pair<T, std::shared_ptr<AckBatch>>> queue_;
  std::chrono::steady_clock::time_point first_at_;  // when the oldest queued item arrived
  uint64_t queued_ = 0, taken_ = 0, finished_ = 0;  // items since start (for Flush)
  std::map<uint64_t, uint64_t> done_ahead_;          // [first, end) of batches done early
  bool flush_ = false, stop_ = false;
  std::atomic<int64_t> batches_{0}, items_{0}, failed_attempts_{0};
  std::vector<std::thread> threads_;
};

// Exports a batcher's counts (anything with batches() and batched_events(), such as the services'
// wrappers of CompletionBatcher) as the counters <prefix>_batches_total and
// <prefix>_batched_events_total, brought up to date at every scrape. `batcher` must outlive the
// registry's scrapes.
template <typename Batcher>
void ExportBatchCounts(metrics::Registry& registry, const Batcher& batcher,
                       const std::string& prefix, const std::string& batches_help,
                       const std::string& events_help) {
  auto& batches = registry.AddCounter(prefix + "_batches_total", batches_help);
  auto& events = registry.AddCounter(prefix + "_batched_events_total", events_help);
  auto mu = std::make_shared<std::mutex>();
  auto last = std::make_shared<std::pair<int64_t, int64_t>>(0, 0);
  registry.AddCollector([&batcher, &batches, &events, mu, last] {
    std::lock_guard<std::mutex> lock(*mu);
    std::pair<int64_t, int64_t> now{batcher.batches(), batcher.batched_events()};
    batches.With({}).Inc(static_cast<double>(now.first - last->first));
    events.With({}).Inc(static_cast<double>(now.second - last->second));
    *last = now;
  });
}

}  // namespace teksin::kafka
