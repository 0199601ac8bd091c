#include "department_worker/task_store.h"

#include <algorithm>

namespace teksin::department_worker {

int StatusRank(v1::TaskStatus s) {
  switch (s) {
    case v1::TASK_STATUS_QUEUED: return 1;
    case v1::TASK_STATUS_CLAIMED: return 2;
    case v1::TASK_STATUS_IN_PROGRESS: return 3;
    case v1::TASK_STATUS_RESOLVED:
    case v1::TASK_STATUS_REJECTED: return 4;
    default: return 0;
  }
}

double QueueScore(const v1::TaskAssigned& a) {
  int priority = a.case_().priority() == v1::PRIORITY_UNSPECIFIED ? 5 : a.case_().priority();
  return static_cast<double>(priority) * 1e11 + static_cast<double>(a.case_().deadline().seconds());
}

absl::Status InMemoryTaskStore::PutAssigned(const v1::TaskAssigned& assigned, absl::Time at) {
  std::lock_guard<std::mutex> lock(mu_);
  StoredTask& t = tasks_[assigned.task_id()];
  if (!t.assigned.task_id().empty()) return absl::OkStatus();
  t.assigned = assigned;
  t.assigned_at = at;
  if (t.status == v1::TASK_STATUS_UNSPECIFIED) {
    t.status = v1::TASK_STATUS_QUEUED;
    t.updated_at = at;
  }
  return absl::OkStatus();
}

absl::StatusOr<ApplyResult> InMemoryTaskStore::Apply(const StatusChange& c) {
  std::lock_guard<std::mutex> lock(mu_);
  StoredTask& t = tasks_[c.task_id];
  if (StatusRank(c.status) <= StatusRank(t.status)) {
    return ApplyResult{false, t.status, t.claimed_by, t.closed_by};
  }
  t.status = c.status;
  t.updated_at = c.at;
  if (c.status == v1::TASK_STATUS_CLAIMED || c.status == v1::TASK_STATUS_IN_PROGRESS) {
    t.claimed_by = c.actor;
  }
  if (StatusRank(c.status) == 4) t.closed_by = c.actor;
  return ApplyResult{true, t.status, t.claimed_by, t.closed_by};
}

absl::StatusOr<std::optional<StoredTask>> InMemoryTaskStore::Get(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second.assigned.task_id().empty()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::vector<StoredTask>> InMemoryTaskStore::ListOpen(size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StoredTask> out;
  for (const auto& [id, t] : tasks_) {
    if (!t.assigned.task_id().empty() && StatusRank(t.status) < 4) out.push_back(t);
  }
  std::sort(out.begin(), out.end(), [](const StoredTask& a, const StoredTask& b) {
    return QueueScore(a.assigned) < QueueScore(b.assigned);
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

absl::StatusOr<int64_t> InMemoryTaskStore::CountOpen() {
  auto all = ListOpen(SIZE_MAX);
  if (!all.ok()) return all.status();
  return static_cast<int64_t>(all->size());
}

}  // namespace teksin::department_worker
