#include "notifier/notification_log.h"

namespace teksin::notifier {

absl::StatusOr<std::optional<std::string>> RedisNotificationLog::Claim(const std::string& key,
                                                                       absl::Duration ttl) {
  const std::string k = Key(key);
  auto r = redis_.Pipeline({{"SET", k, kClaimed, "NX", "EX", std::to_string(absl::ToInt64Seconds(ttl))},
                            {"GET", k}});
  if (!r.ok()) return r.status();
  if (!(*r)[0].is_nil()) return std::nullopt;  // "OK": ours
  if ((*r)[1].is_nil()) return std::optional<std::string>(std::string(kClaimed));
  return std::optional<std::string>((*r)[1].str);
}

absl::Status RedisNotificationLog::Finish(const std::string& key, const std::string& outcome,
                                          absl::Duration ttl) {
  auto r = redis_.Command({"SET", Key(key), outcome, "EX", std::to_string(absl::ToInt64Seconds(ttl))});
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::Status RedisNotificationLog::Release(const std::string& key) {
  auto r = redis_.Command({"DEL", Key(key)});
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<std::optional<std::string>> InMemoryNotificationLog::Claim(const std::string& key,
                                                                          absl::Duration) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fail_next_ > 0) {
    --fail_next_;
    return absl::UnavailableError("redis down (test)");
  }
  auto [it, inserted] = entries_.emplace(key, kClaimed);
  if (inserted) return std::nullopt;
  return std::optional<std::string>(it->second);
}

absl::Status InMemoryNotificationLog::Finish(const std::string& key, const std::string& outcome,
                                             absl::Duration) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_[key] = outcome;
  return absl::OkStatus();
}

absl::Status InMemoryNotificationLog::Release(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(key);
  return absl::OkStatus();
}

}  // namespace teksin::notifier
