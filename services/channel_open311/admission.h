// What Submit asks Redis before it publishes a contact: the answer remembered for an
// Idempotency-Key, the client's and the citizen's rate limits, and the reservation of the new
// tracking code. RedisAdmission does all of it in one script (one round trip, ADR 0024) on the
// keys of libs/channel's RedisIdempotencyStore and RedisRateLimiter, so both see the same state;
// GuardsAdmission composes any RateLimiter and IdempotencyStore (the unit tests' in-memory ones).
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "channel/guards.h"
#include "redis/client.h"

namespace teksin::channel_open311 {

struct RateCheck {
  std::string key;  // the limiter's key, e.g. "o311:client:<hash>"; empty: not checked
  int limit = 0;
  absl::Duration window;
};

struct AdmitRequest {
  std::string idempotency_key;  // empty: none
  RateCheck client, citizen;    // checked in this order, after the idempotency answer
  std::string tracking_key;     // "tracking:<code>", reserved for case_id; empty: not reserved
  std::string case_id;
  absl::Duration tracking_ttl;
  absl::Time now;
};

struct AdmitResult {
  std::optional<std::string> replay;  // the answer remembered for the idempotency key: stop here
  bool refused = false;               // over a rate limit (nothing reserved)
  std::string refused_by;             // "client" | "citizen"
  int retry_after_seconds = 0;
  std::string tracking_owner;  // the case the tracking code belongs to (case_id: reserved)
};

class SubmitAdmission {
 public:
  virtual ~SubmitAdmission() = default;
  virtual absl::StatusOr<AdmitResult> Admit(const AdmitRequest& request) = 0;
};

// Either guard may be null (not applied). Fails at the first guard that fails.
class GuardsAdmission : public SubmitAdmission {
 public:
  GuardsAdmission(channel::RateLimiter* limiter, channel::IdempotencyStore* idempotency)
      : limiter_(limiter), idempotency_(idempotency) {}
  absl::StatusOr<AdmitResult> Admit(const AdmitRequest& request) override;

 private:
  channel::RateLimiter* limiter_;
  channel::IdempotencyStore* idempotency_;
};

class RedisAdmission : public SubmitAdmission {
 public:
  // prefix: the one given to RedisRateLimiter and RedisIdempotencyStore (the topic prefix).
  RedisAdmission(redis::RedisClient& redis, std::string prefix)
      : redis_(redis), prefix_(std::move(prefix)) {}
  absl::StatusOr<AdmitResult> Admit(const AdmitRequest& request) override;

 private:
  redis::RedisClient& redis_;
  std::string prefix_;
};

}  // namespace teksin::channel_open311
