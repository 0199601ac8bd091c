#include "department_worker/task_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace teksin::department_worker {

int StatusRank(v1::TaskStatus s) {
  switch (s) {
    case v1::TASK_STATUS_QUEUED: return 1;
    case v1::TASK_STATUS_CLAIMED:
    case v1::TASK_STATUS_ACKNOWLEDGED: return 2;
    case v1::TASK_STATUS_IN_PROGRESS:
    case v1::TASK_STATUS_WAITING_FOR_CITIZEN: return 3;
    case v1::TASK_STATUS_RESOLVED:
    case v1::TASK_STATUS_REJECTED: return 4;
    default: return 0;
  }
}

bool IsTerminal(v1::TaskStatus s) {
  return s == v1::TASK_STATUS_RESOLVED || s == v1::TASK_STATUS_REJECTED;
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
  bool ok = !IsTerminal(t.status) &&
            (c.seq > 0 ? c.seq > t.seq : StatusRank(c.status) > StatusRank(t.status));
  if (!ok) return ApplyResult{false, t.status, t.claimed_by, t.closed_by, t.seq};
  t.status = c.status;
  t.updated_at = c.at;
  if (c.seq > t.seq) t.seq = c.seq;
  t.last_actor = c.actor;
  t.reason = c.reason;
  if (c.status == v1::TASK_STATUS_CLAIMED || c.status == v1::TASK_STATUS_IN_PROGRESS ||
      (c.status == v1::TASK_STATUS_ACKNOWLEDGED && t.claimed_by.empty())) {
    t.claimed_by = c.actor;
  }
  if (IsTerminal(c.status)) {
    t.closed_by = c.actor;
    t.resolution_code = c.resolution_code;
    t.resolution_text = c.resolution_text;
  }
  return ApplyResult{true, t.status, t.claimed_by, t.closed_by, t.seq};
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

absl::StatusOr<std::vector<std::string>> InMemoryTaskStore::ListOpenIds(size_t limit) {
  auto open = ListOpen(limit);
  if (!open.ok()) return open.status();
  std::vector<std::string> ids;
  for (const auto& t : *open) ids.push_back(t.assigned.task_id());
  return ids;
}

absl::StatusOr<std::vector<StoredTask>> InMemoryTaskStore::GetOpen(const std::vector<std::string>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StoredTask> out;
  for (const auto& id : ids) {
    auto it = tasks_.find(id);
    if (it != tasks_.end() && !it->second.assigned.task_id().empty() && StatusRank(it->second.status) < 4) {
      out.push_back(it->second);
    }
  }
  return out;
}

absl::StatusOr<int64_t> InMemoryTaskStore::CountOpen() {
  auto all = ListOpen(SIZE_MAX);
  if (!all.ok()) return all.status();
  return static_cast<int64_t>(all->size());
}

}  // namespace teksin::department_worker

namespace teksin::department_worker {

absl::Status InMemoryTaskStore::AddHistory(const std::string& task_id,
                                           const v1::TaskHistoryEntry& e) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& list = history_[task_id];
  for (const auto& have : list) {
    if (have.event_id() == e.event_id()) return absl::OkStatus();
  }
  list.push_back(e);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::TaskHistoryEntry>> InMemoryTaskStore::History(
    const std::string& task_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::TaskHistoryEntry> out = history_[task_id];
  SortHistory(out);
  return out;
}

absl::StatusOr<bool> InMemoryTaskStore::TryClaimAlert(const std::string& task_id,
                                                      v1::DeadlineAlertKind kind, absl::Duration) {
  std::lock_guard<std::mutex> lock(mu_);
  return alerts_.emplace(absl::StrCat(task_id, "/", kind), false).second;
}

absl::Status InMemoryTaskStore::MarkAlertSent(const std::string& task_id,
                                              v1::DeadlineAlertKind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  alerts_[absl::StrCat(task_id, "/", kind)] = true;
  return absl::OkStatus();
}

absl::Status InMemoryTaskStore::ReleaseAlert(const std::string& task_id,
                                             v1::DeadlineAlertKind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  alerts_.erase(absl::StrCat(task_id, "/", kind));
  return absl::OkStatus();
}

void SortHistory(std::vector<v1::TaskHistoryEntry>& h) {
  std::stable_sort(h.begin(), h.end(), [](const v1::TaskHistoryEntry& a, const v1::TaskHistoryEntry& b) {
    if (a.at().seconds() != b.at().seconds()) return a.at().seconds() < b.at().seconds();
    return a.at().nanos() < b.at().nanos();
  });
}

}  // namespace teksin::department_worker
