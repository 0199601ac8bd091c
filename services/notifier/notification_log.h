// The notifier's memory of what it sent: one key per (cause event, template), claimed with
// SET NX before the message goes out and then set to the outcome, so a redelivered or replayed
// event never sends twice (across restarts too: Redis keeps it for NOTIFIER_LOG_TTL_DAYS).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "redis/client.h"

namespace teksin::notifier {

class NotificationLog {
 public:
  virtual ~NotificationLog() = default;
  // Claims `key` for sending ("sending"); if it is already claimed or done, returns what is
  // stored instead (nullopt: the claim is ours).
  virtual absl::StatusOr<std::optional<std::string>> Claim(const std::string& key,
                                                           absl::Duration ttl) = 0;
  // Records the outcome (replaces the claim).
  virtual absl::Status Finish(const std::string& key, const std::string& outcome,
                              absl::Duration ttl) = 0;
  // Gives a claim back after a transient failure, so the redelivery tries again.
  virtual absl::Status Release(const std::string& key) = 0;
};

class RedisNotificationLog : public NotificationLog {
 public:
  RedisNotificationLog(redis::RedisClient& redis, std::string prefix)
      : redis_(redis), prefix_(std::move(prefix)) {}
  absl::StatusOr<std::optional<std::string>> Claim(const std::string& key, absl::Duration ttl) override;
  absl::Status Finish(const std::string& key, const std::string& outcome, absl::Duration ttl) override;
  absl::Status Release(const std::string& key) override;
  std::string Key(const std::string& key) const { return prefix_ + ":notif:" + key; }

 private:
  redis::RedisClient& redis_;
  std::string prefix_;
};

class InMemoryNotificationLog : public NotificationLog {
 public:
  absl::StatusOr<std::optional<std::string>> Claim(const std::string& key, absl::Duration ttl) override;
  absl::Status Finish(const std::string& key, const std::string& outcome, absl::Duration ttl) override;
  absl::Status Release(const std::string& key) override;
  std::map<std::string, std::string> entries() {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_;
  }
  void FailNext(int n) { fail_next_ = n; }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> entries_;
  int fail_next_ = 0;
};

inline constexpr char kClaimed[] = "sending";

}  // namespace teksin::notifier
