// The unit's queue of tasks. Kafka is the record; this is a read model rebuilt by replaying the
// unit's task topic and the department updates.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "teksin/v1/department_service.pb.h"
#include "teksin/v1/routing_events.pb.h"

namespace teksin::department_worker {

struct StoredTask {
  v1::TaskAssigned assigned;  // empty if a status change arrived before the assignment (replay)
  v1::TaskStatus status = v1::TASK_STATUS_UNSPECIFIED;
  std::string claimed_by;
  std::string closed_by;  // who resolved or rejected it
  absl::Time assigned_at, updated_at;
};

struct StatusChange {
  std::string task_id;
  v1::TaskStatus status = v1::TASK_STATUS_UNSPECIFIED;
  std::string actor, reason, resolution_code, resolution_text;
  absl::Time at;
};

struct ApplyResult {
  bool applied = false;                       // false: the task was already at or past it
  v1::TaskStatus status = v1::TASK_STATUS_UNSPECIFIED;  // status after the call
  std::string claimed_by;
  std::string closed_by;
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;
  // Idempotent; never moves a task's status backwards.
  virtual absl::Status PutAssigned(const v1::TaskAssigned& assigned, absl::Time at) = 0;
  // Applies a change only if it moves the task forward (queued < claimed < in progress <
  // resolved = rejected).
  virtual absl::StatusOr<ApplyResult> Apply(const StatusChange& change) = 0;
  virtual absl::StatusOr<std::optional<StoredTask>> Get(const std::string& task_id) = 0;
  // Open tasks by priority, then deadline.
  virtual absl::StatusOr<std::vector<StoredTask>> ListOpen(size_t limit) = 0;
  virtual absl::StatusOr<int64_t> CountOpen() = 0;
};

int StatusRank(v1::TaskStatus s);
// Queue order: priority first (P1 first), then the earliest deadline.
double QueueScore(const v1::TaskAssigned& a);

class InMemoryTaskStore : public TaskStore {
 public:
  absl::Status PutAssigned(const v1::TaskAssigned& assigned, absl::Time at) override;
  absl::StatusOr<ApplyResult> Apply(const StatusChange& change) override;
  absl::StatusOr<std::optional<StoredTask>> Get(const std::string& task_id) override;
  absl::StatusOr<std::vector<StoredTask>> ListOpen(size_t limit) override;
  absl::StatusOr<int64_t> CountOpen() override;

 private:
  std::mutex mu_;
  std::map<std::string, StoredTask> tasks_;
};

}  // namespace teksin::department_worker
