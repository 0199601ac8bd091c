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
  int64_t seq = 0;          // staff changes applied so far (TaskStatusChanged.seq of the last)
  std::string last_actor;   // who made the last change
  std::string reason, resolution_code, resolution_text;  // of the last change
};

struct StatusChange {
  std::string task_id;
  v1::TaskStatus status = v1::TASK_STATUS_UNSPECIFIED;
  std::string actor, reason, resolution_code, resolution_text;
  absl::Time at;
  // The change's number (TaskStatusChanged.seq). > 0: applied only when it is newer than the
  // task's; 0 (events from before seq existed): applied only when the status moves forward.
  int64_t seq = 0;
};

struct ApplyResult {
  bool applied = false;                       // false: the task was already at or past it
  v1::TaskStatus status = v1::TASK_STATUS_UNSPECIFIED;  // status after the call
  std::string claimed_by;
  std::string closed_by;
  int64_t seq = 0;
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
  // The same order, ids only: the deadline watch lists these every scan and reads only the
  // tasks it has not seen yet (a whole ListOpen every scan cost ~40 µs of CPU per open task).
  virtual absl::StatusOr<std::vector<std::string>> ListOpenIds(size_t limit) = 0;
  // The open tasks among `ids`, in their order (closed and unknown ones are left out).
  virtual absl::StatusOr<std::vector<StoredTask>> GetOpen(const std::vector<std::string>& ids) = 0;
  virtual absl::StatusOr<int64_t> CountOpen() = 0;

  // The task's history, one entry per event id (adding the same event again changes nothing).
  virtual absl::Status AddHistory(const std::string& task_id, const v1::TaskHistoryEntry& e) = 0;
  // Oldest first.
  virtual absl::StatusOr<std::vector<v1::TaskHistoryEntry>> History(const std::string& task_id) = 0;

  // Deadline alerts, once per task and kind across every instance of the unit: TryClaimAlert
  // takes a lease (false if another instance holds it or the alert was sent), MarkAlertSent
  // makes it permanent, ReleaseAlert gives it up after a failed publish.
  virtual absl::StatusOr<bool> TryClaimAlert(const std::string& task_id, v1::DeadlineAlertKind kind,
                                             absl::Duration lease) = 0;
  virtual absl::Status MarkAlertSent(const std::string& task_id, v1::DeadlineAlertKind kind) = 0;
  virtual absl::Status ReleaseAlert(const std::string& task_id, v1::DeadlineAlertKind kind) = 0;
};

int StatusRank(v1::TaskStatus s);
bool IsTerminal(v1::TaskStatus s);  // resolved or rejected
// Oldest first (stable for equal times).
void SortHistory(std::vector<v1::TaskHistoryEntry>& history);
// Queue order: priority first (P1 first), then the earliest deadline.
double QueueScore(const v1::TaskAssigned& a);

class InMemoryTaskStore : public TaskStore {
 public:
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
  std::mutex mu_;
  std::map<std::string, StoredTask> tasks_;
  std::map<std::string, std::vector<v1::TaskHistoryEntry>> history_;
  std::map<std::string, bool> alerts_;  // "<task>/<kind>" -> sent (false: leased)
};

}  // namespace teksin::department_worker
