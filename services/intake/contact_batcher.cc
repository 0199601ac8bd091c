#include "intake/contact_batcher.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace teksin::intake {

ContactBatcher::ContactBatcher(LinkStore& links, ContactBatchOptions options)
    : links_(links), options_(options) {
  thread_ = std::thread([this] { Loop(); });
}

ContactBatcher::~ContactBatcher() { Stop(); }

void ContactBatcher::Add(DecideRequest request, Finish finish,
                         std::shared_ptr<kafka::AckBatch> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_) {
      if (queue_.empty()) first_at_ = std::chrono::steady_clock::now();
      queue_.push_back(Pending{std::move(request), std::move(finish), std::move(done)});
      ++queued_;
      if (queue_.size() == 1 || queue_.size() >= options_.max_contacts) cv_.notify_one();
      return;
    }
  }
  done->Complete(absl::UnavailableError("intake is shutting down"));
}

void ContactBatcher::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = queued_;
  if (processed_ >= target) return;
  flush_ = true;
  cv_.notify_one();
  finished_.wait(lock, [&] { return processed_ >= target || stop_; });
}

void ContactBatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  finished_.notify_all();
}

void ContactBatcher::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    while (!stop_ && !flush_ && queue_.size() < options_.max_contacts) {
      if (queue_.empty()) {
        cv_.wait(lock);
      } else if (cv_.wait_until(lock, first_at_ + options_.max_delay) == std::cv_status::timeout) {
        break;
      }
    }
    if (queue_.empty()) {
      flush_ = false;
      finished_.notify_all();
      if (stop_) return;
      continue;
    }
    const size_t n = std::min(queue_.size(), options_.max_contacts);
    std::vector<Pending> batch;
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (!queue_.empty()) first_at_ = std::chrono::steady_clock::now();
    lock.unlock();
    Process(batch);
    lock.lock();
    processed_ += n;
    finished_.notify_all();
  }
}

void ContactBatcher::Process(std::vector<Pending>& batch) {
  std::vector<DecideRequest> requests;
  requests.reserve(batch.size());
  for (const auto& p : batch) requests.push_back(p.request);
  absl::StatusOr<std::vector<LinkDecision>> decided;
  auto backoff = options_.first_backoff;
  for (int attempt = 1;; ++attempt) {
    decided = links_.DecideAndRecordMany(requests);
    if (decided.ok()) break;
    common::LogWarn("link decisions not recorded", {{"contacts", batch.size()},
                                                    {"attempt", attempt},
                                                    {"error", decided.status().ToString()}});
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_ || attempt >= options_.max_attempts) break;
    cv_.wait_for(lock, backoff, [this] { return stop_; });
    if (stop_) break;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  if (!decided.ok()) {
    // The consumer rewinds to these contacts; their recorded decisions (if any) stay.
    for (auto& p : batch) p.done->Complete(decided.status());
    return;
  }
  ++batches_;
  batched_ += static_cast<int64_t>(batch.size());
  // Publish every contact's event without waiting, then wait for the acknowledgements: a
  // contact is complete once its event is on the topic.
  std::vector<std::pair<absl::Status, std::vector<std::shared_ptr<kafka::AckBatch>>>> sent;
  sent.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    kafka::DeferredAcks scope;
    absl::Status s = batch[i].finish((*decided)[i]);
    sent.emplace_back(std::move(s), scope.Take());
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    absl::Status s = sent[i].first;
    for (const auto& ack : sent[i].second) {
      while (!ack->WaitFor(std::chrono::seconds(10))) {
        common::LogWarn("waiting for Kafka to acknowledge a case event", {});
      }
      if (s.ok() && !ack->Error().empty()) {
        s = absl::UnavailableError(absl::StrCat("kafka delivery failed: ", ack->Error()));
      }
    }
    batch[i].done->Complete(s);
  }
}

}  // namespace teksin::intake
