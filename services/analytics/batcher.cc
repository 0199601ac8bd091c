#include "analytics/batcher.h"

#include <algorithm>

#include "common/log.h"

namespace teksin::analytics {

EffectsBatcher::EffectsBatcher(CountsStore& store, BatchOptions options, Applied on_applied)
    : store_(store), options_(options), on_applied_(std::move(on_applied)) {
  thread_ = std::thread([this] { Loop(); });
}

EffectsBatcher::~EffectsBatcher() { Stop(); }

void EffectsBatcher::Add(std::string event_id, Effects effects,
                         std::shared_ptr<kafka::AckBatch> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_) {
      if (queue_.empty()) first_at_ = std::chrono::steady_clock::now();
      queue_.push_back(Pending{EventEffects{std::move(event_id), std::move(effects)}, std::move(done)});
      if (queue_.size() == 1 || queue_.size() >= options_.max_events) cv_.notify_one();
      return;
    }
  }
  done->Complete(absl::UnavailableError("analytics is shutting down"));
}

void EffectsBatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EffectsBatcher::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // Wait for a full batch, for the oldest event's deadline, or for stop.
    while (!stop_ && queue_.size() < options_.max_events) {
      if (queue_.empty()) {
        cv_.wait(lock);
      } else if (cv_.wait_until(lock, first_at_ + options_.max_delay) == std::cv_status::timeout) {
        break;
      }
    }
    if (queue_.empty()) {
      if (stop_) return;
      continue;
    }
    size_t n = std::min(queue_.size(), options_.max_events);
    std::vector<Pending> batch;
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    // What stays behind waits from now on at most max_delay again.
    if (!queue_.empty()) first_at_ = std::chrono::steady_clock::now();
    lock.unlock();
    ApplyOne(batch);
    lock.lock();
  }
}

void EffectsBatcher::ApplyOne(std::vector<Pending>& batch) {
  std::vector<EventEffects> events;
  events.reserve(batch.size());
  for (auto& p : batch) events.push_back(std::move(p.event));
  absl::Status error;
  auto backoff = options_.first_backoff;
  for (int attempt = 1;; ++attempt) {
    auto applied = store_.ApplyBatch(events);
    if (applied.ok()) {
      int64_t counted = std::count(applied->begin(), applied->end(), true);
      on_applied_(counted, static_cast<int64_t>(applied->size()) - counted);
      ++batches_;
      batched_events_ += static_cast<int64_t>(batch.size());
      for (auto& p : batch) p.done->Complete(absl::OkStatus());
      return;
    }
    error = applied.status();
    ++failed_attempts_;
    common::LogWarn("analytics batch not applied",
                    {{"events", batch.size()}, {"attempt", attempt}, {"error", error.ToString()}});
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_ || attempt >= options_.max_attempts) break;
    // Back off, but not past a stop.
    cv_.wait_for(lock, backoff, [this] { return stop_; });
    if (stop_) break;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  // The consumer rewinds to these events (or, when stopping, leaves them uncommitted).
  for (auto& p : batch) p.done->Complete(error);
}

}  // namespace teksin::analytics
