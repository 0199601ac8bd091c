// The unit's queue in Redis: a hash per task and a sorted set of open tasks.
#pragma once

#include <string>

#include "department_worker/task_store.h"
#include "redis/client.h"

namespace teksin::department_worker {

class RedisTaskStore : public TaskStore {
 public:
  // Keys live under "<prefix>:dw:<unit>:".
  RedisTaskStore(redis::RedisClient& redis, const std::string& prefix, const std::string& unit);

  absl::Status PutAssigned(const v1::TaskAssigned& assigned, absl::Time at) override;
  absl::StatusOr<ApplyResult> Apply(const StatusChange& change) override;
  absl::StatusOr<std::optional<StoredTask>> Get(const std::string& task_id) override;
  absl::StatusOr<std::vector<StoredTask>> ListOpen(size_t limit) override;
  absl::StatusOr<std::vector<std::string>> ListOpenIds(size_t limit) override;
  absl::StatusOr<std::vector<StoredTask>> GetOpen(const std::vector<std::string>& ids) override;
  absl::StatusOr<int64_t> CountOpen() override;
  absl::Status AddHistory(const std::string& task_id, const v1::TaskHistoryEntry& e) override;
  absl::StatusOr<std::vector<v1::TaskHistoryEntry>> History(const std::string& task_id) override;
  absl::StatusOr<bool> TryClaimAlert(const std::string& task_id, v1::DeadlineAlertKind kind,
                                     absl::Duration lease) override;
  absl::Status MarkAlertSent(const std::string& task_id, v1::DeadlineAlertKind kind) override;
  absl::Status ReleaseAlert(const std::string& task_id, v1::DeadlineAlertKind kind) override;

 private:
  std::string TaskKey(const std::string& id) const { return base_ + "task:" + id; }
  std::string QueueKey() const { return base_ + "queue"; }
  std::string HistoryKey(const std::string& id) const { return base_ + "history:" + id; }
  std::string AlertKey(const std::string& id, v1::DeadlineAlertKind kind) const {
    return base_ + "alert:" + id + ":" + std::to_string(static_cast<int>(kind));
  }
  absl::StatusOr<std::vector<std::optional<StoredTask>>> GetMany(const std::vector<std::string>& ids);

  redis::RedisClient& redis_;
  std::string base_;
};

}  // namespace teksin::department_worker
