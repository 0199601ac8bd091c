// Analytics figures in Redis: one hash per dimension, the event ids applied in one set per window
// of time (remembered for at least the TTL, far longer than any redelivery; ADR 0029), and each
// event (or batch of events) applied by one Lua script, atomically.
#pragma once

#include <functional>
#include <string>

#include "absl/time/clock.h"

#include "analytics/counts_store.h"
#include "redis/client.h"

namespace teksin::analytics {

class RedisCountsStore : public CountsStore {
 public:
  // Case statuses are spread over this many hashes (part of the layout: do not change).
  static constexpr uint32_t kCaseShards = 16;

  // namespace_: e.g. "teksin:an"; a replay into a fresh namespace rebuilds the figures.
  // An event id is remembered for at least `seen_ttl_seconds` (at most one and a half times
  // that), in windows of half of it by `now`'s clock.
  RedisCountsStore(redis::RedisClient& redis, std::string namespace_, int64_t seen_ttl_seconds,
                   std::function<absl::Time()> now = absl::Now);

  // Call once before applying: marks the namespace's layout; true when it held figures counted
  // with the per-event seen keys of earlier versions, which are then checked too for one TTL.
  absl::StatusOr<bool> Prepare();
  // Moves the case statuses an earlier version kept in one hash per case into the status shards
  // (a no-op once done); `progress` hears the running count. Returns how many it moved.
  absl::StatusOr<int64_t> MoveLegacyCases(const std::function<void(int64_t)>& progress = {});

  absl::StatusOr<bool> Apply(const std::string& event_id, const Effects& effects) override;
  // One Lua call for the whole batch: the ids checked and remembered per window, the increments
  // of the new events summed per (hash, field), the status moves in event order, read and written
  // once per status shard (ADR 0023, 0029).
  absl::StatusOr<std::vector<bool>> ApplyBatch(const std::vector<EventEffects>& batch) override;
  absl::StatusOr<Figures> Read() override;
  absl::StatusOr<std::vector<std::string>> Days() override;
  absl::StatusOr<std::map<std::string, DayCube>> ReadDays(const std::vector<std::string>& days) override;

 private:
  redis::RedisClient& redis_;
  std::string ns_;
  std::string Now() const;

  int64_t seen_ttl_;
  int64_t window_;
  std::function<absl::Time()> now_;
};

}  // namespace teksin::analytics
