// Analytics figures in Redis: one hash per dimension, a seen-key per event id (with a TTL far
// longer than any redelivery), and each event (or batch of events) applied by one Lua script,
// atomically.
#pragma once

#include <string>

#include "analytics/counts_store.h"
#include "redis/client.h"

namespace teksin::analytics {

class RedisCountsStore : public CountsStore {
 public:
  // namespace_: e.g. "teksin:an"; a replay into a fresh namespace rebuilds the figures.
  RedisCountsStore(redis::RedisClient& redis, std::string namespace_, int64_t seen_ttl_seconds);

  absl::StatusOr<bool> Apply(const std::string& event_id, const Effects& effects) override;
  // One Lua call for the whole batch: a seen-key per event, the increments of the new events
  // summed per (hash, field), the status updates per event in order (ADR 0023).
  absl::StatusOr<std::vector<bool>> ApplyBatch(const std::vector<EventEffects>& batch) override;
  absl::StatusOr<Figures> Read() override;
  absl::StatusOr<std::vector<std::string>> Days() override;
  absl::StatusOr<std::map<std::string, DayCube>> ReadDays(const std::vector<std::string>& days) override;

 private:
  redis::RedisClient& redis_;
  std::string ns_;
  int64_t seen_ttl_;
};

}  // namespace teksin::analytics
