#include "channel_open311/view_batcher.h"

#include <algorithm>

#include "common/log.h"

namespace teksin::channel_open311 {

ViewBatcher::ViewBatcher(RequestStore& store, ViewBatchOptions options)
    : store_(store), options_(options) {
  thread_ = std::thread([this] { Loop(); });
}

ViewBatcher::~ViewBatcher() { Stop(); }

void ViewBatcher::Add(ViewWrite write, std::shared_ptr<kafka::AckBatch> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_) {
      if (queue_.empty()) first_at_ = std::chrono::steady_clock::now();
      queue_.push_back(Pending{std::move(write), std::move(done)});
      ++queued_;
      if (queue_.size() == 1 || queue_.size() >= options_.max_events) cv_.notify_one();
      return;
    }
  }
  done->Complete(absl::UnavailableError("channel_open311 is shutting down"));
}

void ViewBatcher::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = queued_;
  if (written_ >= target) return;
  flush_ = true;
  cv_.notify_one();
  flushed_.wait(lock, [&] { return written_ >= target || stop_; });
}

void ViewBatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  flushed_.notify_all();
}

void ViewBatcher::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // A full batch, the oldest event's deadline, a flush or stop.
    while (!stop_ && !flush_ && queue_.size() < options_.max_events) {
      if (queue_.empty()) {
        cv_.wait(lock);
      } else if (cv_.wait_until(lock, first_at_ + options_.max_delay) == std::cv_status::timeout) {
        break;
      }
    }
    if (queue_.empty()) {
      flush_ = false;
      flushed_.notify_all();
      if (stop_) return;
      continue;
    }
    const size_t n = std::min(queue_.size(), options_.max_events);
    std::vector<Pending> batch;
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (!queue_.empty()) first_at_ = std::chrono::steady_clock::now();
    lock.unlock();
    WriteOne(batch);
    lock.lock();
    written_ += n;
    flushed_.notify_all();
  }
}

void ViewBatcher::WriteOne(std::vector<Pending>& batch) {
  std::vector<ViewWrite> writes;
  writes.reserve(batch.size());
  for (const auto& p : batch) writes.push_back(p.write);
  absl::Status error;
  auto backoff = options_.first_backoff;
  for (int attempt = 1;; ++attempt) {
    error = store_.ApplyBatch(writes);
    if (error.ok()) {
      ++batches_;
      batched_events_ += static_cast<int64_t>(batch.size());
      for (auto& p : batch) p.done->Complete(absl::OkStatus());
      return;
    }
    common::LogWarn("request views not written",
                    {{"events", batch.size()}, {"attempt", attempt}, {"error", error.ToString()}});
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_ || attempt >= options_.max_attempts) break;
    cv_.wait_for(lock, backoff, [this] { return stop_; });
    if (stop_) break;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  // The consumer rewinds to these events (or, when stopping, leaves them uncommitted).
  for (auto& p : batch) p.done->Complete(error);
}

}  // namespace teksin::channel_open311
