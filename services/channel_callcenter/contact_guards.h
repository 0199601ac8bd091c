// What LogContact asks Redis before it checks a request — the operator's (or desk's) rate-limit
// hit and the answer remembered under the call's idempotency key — and what it writes once the
// contact is published — the answer, and a registered case into the case index. RedisContactGuards
// does each pair in one round trip (instead of two) on the keys of libs/channel's
// RedisRateLimiter and RedisIdempotencyStore and of the RedisCaseIndex, so those see the same
// state; SeparateContactGuards composes any RateLimiter, IdempotencyStore and CaseIndex (the unit
// tests' in-memory ones). The hit counts at the same point of the call as before, whatever the
// request holds; the remembered answer is only read earlier, and used after the checks as before.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "channel/guards.h"
#include "channel_callcenter/case_index.h"
#include "channel_callcenter/redis_case_index.h"
#include "redis/client.h"

namespace teksin::channel_callcenter {

struct ContactAdmission {
  // The limiter's answer; an error when it could not answer (the call is admitted, logged).
  absl::StatusOr<channel::RateDecision> rate = channel::RateDecision{};
  // The remembered answer (nullopt: none, or not asked); an error when it could not be read
  // (the call fails with it, after the checks).
  absl::StatusOr<std::optional<std::string>> remembered = std::optional<std::string>();
};

struct ContactRecorded {
  absl::Status indexed;                      // the case index update (OK when none was given)
  absl::StatusOr<std::string> remembered;   // the answer remembered first (this one, or a racer's)
};

class ContactGuards {
 public:
  virtual ~ContactGuards() = default;
  // Counts one call of `rate_key` against `limit` per `window` (RateLimiter::Hit) and, when
  // idempotency_key is not empty, reads the answer remembered under it (IdempotencyStore::Get).
  virtual ContactAdmission Admit(const std::string& rate_key, int limit, absl::Duration window,
                                 absl::Time now, const std::string& idempotency_key) = 0;
  // Once the contact is published: remembers the answer under idempotency_key for `ttl`
  // (IdempotencyStore::Remember: the first writer wins) and, when `update` is given, writes it to
  // the case index (CaseIndex::Apply).
  virtual ContactRecorded Record(const std::string& idempotency_key, const std::string& answer,
                                 absl::Duration ttl, const CaseUpdate* update) = 0;
};

class SeparateContactGuards : public ContactGuards {
 public:
  SeparateContactGuards(channel::RateLimiter& limiter, channel::IdempotencyStore& idempotency,
                        CaseIndex& index)
      : limiter_(limiter), idempotency_(idempotency), index_(index) {}
  ContactAdmission Admit(const std::string& rate_key, int limit, absl::Duration window,
                         absl::Time now, const std::string& idempotency_key) override;
  ContactRecorded Record(const std::string& idempotency_key, const std::string& answer,
                         absl::Duration ttl, const CaseUpdate* update) override;

 private:
  channel::RateLimiter& limiter_;
  channel::IdempotencyStore& idempotency_;
  CaseIndex& index_;
};

// prefix: the one given to the channel's RedisRateLimiter and RedisIdempotencyStore; index: the
// channel's case index on the same server.
class RedisContactGuards : public ContactGuards {
 public:
  RedisContactGuards(redis::RedisClient& redis, std::string prefix, RedisCaseIndex& index)
      : redis_(redis), prefix_(std::move(prefix)), index_(index) {}
  ContactAdmission Admit(const std::string& rate_key, int limit, absl::Duration window,
                         absl::Time now, const std::string& idempotency_key) override;
  // One pipeline: the index script, SET NX EX and GET of the answer.
  ContactRecorded Record(const std::string& idempotency_key, const std::string& answer,
                         absl::Duration ttl, const CaseUpdate* update) override;

 private:
  redis::RedisClient& redis_;
  std::string prefix_;
  RedisCaseIndex& index_;
};

}  // namespace teksin::channel_callcenter
