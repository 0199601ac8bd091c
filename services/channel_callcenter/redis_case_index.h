#pragma once

#include <string>

#include "channel_callcenter/case_index.h"
#include "redis/client.h"

namespace teksin::channel_callcenter {

// Redis layout under "<prefix>:cc":
//   case:<case id>        hash: the CaseRecord fields
//   citizen:<citizen key> sorted set: case ids by received time (µs)
//   geo:all, geo:cat:<c>  GEO sets: registered open cases with coordinates, all and per category
// One Lua script applies an update and keeps the three in step, so a replay or an out-of-order
// event never leaves a closed case in the GEO sets.
class RedisCaseIndex : public CaseIndex {
 public:
  RedisCaseIndex(redis::RedisClient& redis, std::string prefix)
      : redis_(redis), prefix_(std::move(prefix) + ":cc") {}
  absl::Status Apply(const CaseUpdate& update) override;
  absl::StatusOr<std::vector<CaseRecord>> ByCitizen(const std::string& citizen_key,
                                                    int limit) override;
  absl::StatusOr<std::vector<NearbyCase>> Nearby(double lat, double lon, double radius_m,
                                                 const std::string& category, int limit) override;

 private:
  std::string CaseKey(const std::string& id) const { return prefix_ + ":case:" + id; }
  absl::StatusOr<std::vector<CaseRecord>> Load(const std::vector<std::string>& ids);
  redis::RedisClient& redis_;
  std::string prefix_;
};

}  // namespace teksin::channel_callcenter
