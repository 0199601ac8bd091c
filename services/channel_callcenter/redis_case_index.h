#pragma once

#include <optional>
#include <string>
#include <vector>

#include "channel_callcenter/case_index.h"
#include "redis/client.h"

namespace teksin::channel_callcenter {

// Redis layout under "<prefix>:cc":
//   case:<case id>        hash: the CaseRecord fields
//   citizen:<citizen key> sorted set: case ids by received time (µs)
//   geo:all, geo:cat:<c>  GEO sets: registered open cases with coordinates, all and per category
// One Lua script applies a batch of updates in order and keeps the three in step, so a replay or
// an out-of-order event never leaves a closed case in the GEO sets. It reads each case once and
// writes it once, and writes a set only when the case's place in it changes (ADR 0026).
class RedisCaseIndex : public CaseIndex {
 public:
  RedisCaseIndex(redis::RedisClient& redis, std::string prefix)
      : redis_(redis), prefix_(std::move(prefix) + ":cc") {}
  absl::Status Apply(const CaseUpdate& update) override;  // a batch of one
  absl::Status ApplyBatch(const std::vector<CaseUpdate>& updates) override;
  // ApplyBatch as one EVALSHA command, for a caller's own pipeline (InvalidArgument: an update
  // without a case id). A "NOSCRIPT" error reply means the server has not seen the script yet:
  // ApplyBatch loads it.
  absl::StatusOr<std::vector<std::string>> ApplyCommand(
      const std::vector<CaseUpdate>& updates) const;
  absl::StatusOr<std::vector<CaseRecord>> ByCitizen(const std::string& citizen_key,
                                                    int limit) override;
  absl::StatusOr<std::vector<NearbyCase>> Nearby(double lat, double lon, double radius_m,
                                                 const std::string& category, int limit) override;
  // One case as stored (nullopt: not in the index).
  absl::StatusOr<std::optional<CaseRecord>> Get(const std::string& case_id);

 private:
  std::string CaseKey(const std::string& id) const { return prefix_ + ":case:" + id; }
  absl::StatusOr<std::vector<CaseRecord>> Load(const std::vector<std::string>& ids);
  // The script's ARGV for the updates.
  absl::StatusOr<std::vector<std::string>> Args(const std::vector<CaseUpdate>& updates) const;
  redis::RedisClient& redis_;
  std::string prefix_;
};

}  // namespace teksin::channel_callcenter
