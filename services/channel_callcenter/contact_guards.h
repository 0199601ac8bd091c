// What LogContact asks Redis before it checks a request: the operator's (or desk's) rate-limit
// hit and the answer remembered under the call's idempotency key. RedisContactGuards does both in
// one script (one round trip instead of two) on the keys of libs/channel's RedisRateLimiter and
// RedisIdempotencyStore, so those see the same state; SeparateContactGuards composes any
// RateLimiter and IdempotencyStore (the unit tests' in-memory ones). The hit counts at the same
// point of the call as before, whatever the request holds; the remembered answer is only read
// earlier, and used after the checks as before.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "channel/guards.h"
#include "redis/client.h"

namespace teksin::channel_callcenter {

struct ContactAdmission {
  // The limiter's answer; an error when it could not answer (the call is admitted, logged).
  absl::StatusOr<channel::RateDecision> rate = channel::RateDecision{};
  // The remembered answer (nullopt: none, or not asked); an error when it could not be read
  // (the call fails with it, after the checks).
  absl::StatusOr<std::optional<std::string>> remembered = std::optional<std::string>();
};

class ContactGuards {
 public:
  virtual ~ContactGuards() = default;
  // Counts one call of `rate_key` against `limit` per `window` (RateLimiter::Hit) and, when
  // idempotency_key is not empty, reads the answer remembered under it (IdempotencyStore::Get).
  virtual ContactAdmission Admit(const std::string& rate_key, int limit, absl::Duration window,
                                 absl::Time now, const std::string& idempotency_key) = 0;
};

class SeparateContactGuards : public ContactGuards {
 public:
  SeparateContactGuards(channel::RateLimiter& limiter, channel::IdempotencyStore& idempotency)
      : limiter_(limiter), idempotency_(idempotency) {}
  ContactAdmission Admit(const std::string& rate_key, int limit, absl::Duration window,
                         absl::Time now, const std::string& idempotency_key) override;

 private:
  channel::RateLimiter& limiter_;
  channel::IdempotencyStore& idempotency_;
};

// prefix: the one given to the channel's RedisRateLimiter and RedisIdempotencyStore.
class RedisContactGuards : public ContactGuards {
 public:
  RedisContactGuards(redis::RedisClient& redis, std::string prefix)
      : redis_(redis), prefix_(std::move(prefix)) {}
  ContactAdmission Admit(const std::string& rate_key, int limit, absl::Duration window,
                         absl::Time now, const std::string& idempotency_key) override;

 private:
  redis::RedisClient& redis_;
  std::string prefix_;
};

}  // namespace teksin::channel_callcenter
