// The routing case state in Redis: one hash per case, "<prefix>:rt:case:<case id>", kept
// ROUTING_CASE_STATE_TTL_DAYS after its last change.
#pragma once

#include <string>

#include "redis/client.h"
#include "routing/case_state.h"

namespace teksin::routing {

class RedisCaseStateStore : public CaseStateStore {
 public:
  RedisCaseStateStore(redis::RedisClient& redis, const std::string& prefix, int ttl_days = 365);

  absl::StatusOr<std::optional<CaseState>> Get(const std::string& case_id) override;
  absl::Status Resolved(const std::string& case_id, const CaseState& state) override;
  absl::Status Reopened(const std::string& case_id, int attempt, const std::string& unit_id,
                        const std::string& task_id) override;
  absl::Status Closed(const std::string& case_id) override;

 private:
  std::string Key(const std::string& case_id) const { return base_ + case_id; }
  redis::RedisClient& redis_;
  std::string base_;
  std::string ttl_seconds_;
};

}  // namespace teksin::routing
