// What every channel needs in front of its logic: rate limits (429 with Retry-After) and
// idempotency (a client's retry never creates a second case). Redis-backed for production,
// in-memory for unit tests.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "redis/client.h"

namespace teksin::channel {

struct RateDecision {
  bool allowed = true;
  int retry_after_seconds = 0;  // for the Retry-After header when not allowed
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // At most `limit` hits per `window` for `key` (fixed windows aligned to the clock).
  virtual absl::StatusOr<RateDecision> Hit(const std::string& key, int limit,
                                           absl::Duration window, absl::Time now) = 0;
};

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;
  // The answer remembered for `key`, if any.
  virtual absl::StatusOr<std::optional<std::string>> Get(const std::string& key) = 0;
  // Remembers the answer for `ttl`; the first writer wins and its answer is returned.
  virtual absl::StatusOr<std::string> Remember(const std::string& key, const std::string& answer,
                                               absl::Duration ttl) = 0;
};

class RedisRateLimiter : public RateLimiter {
 public:
  RedisRateLimiter(redis::RedisClient& redis, std::string prefix)
      : redis_(redis), prefix_(std::move(prefix)) {}
  absl::StatusOr<RateDecision> Hit(const std::string& key, int limit, absl::Duration window,
                                   absl::Time now) override;

 private:
  redis::RedisClient& redis_;
  std::string prefix_;
};

class RedisIdempotencyStore : public IdempotencyStore {
 public:
  RedisIdempotencyStore(redis::RedisClient& redis, std::string prefix)
      : redis_(redis), prefix_(std::move(prefix)) {}
  absl::StatusOr<std::optional<std::string>> Get(const std::string& key) override;
  absl::StatusOr<std::string> Remember(const std::string& key, const std::string& answer,
                                       absl::Duration ttl) override;

 private:
  redis::RedisClient& redis_;
  std::string prefix_;
};

class InMemoryRateLimiter : public RateLimiter {
 public:
  absl::StatusOr<RateDecision> Hit(const std::string& key, int limit, absl::Duration window,
                                   absl::Time now) override;

 private:
  std::mutex mu_;
  std::map<std::string, int> counts_;
};

class InMemoryIdempotencyStore : public IdempotencyStore {
 public:
  absl::StatusOr<std::optional<std::string>> Get(const std::string& key) override;
  absl::StatusOr<std::string> Remember(const std::string& key, const std::string& answer,
                                       absl::Duration ttl) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::string> answers_;
};

}  // namespace teksin::channel
