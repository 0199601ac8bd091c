#include "department_worker/deadline_watch.h"

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/log.h"
#include "department_worker/worker_service.h"
#include "events/envelope.h"

namespace teksin::department_worker {
namespace {

const char* KindName(v1::DeadlineAlertKind k) {
  switch (k) {
    case v1::DEADLINE_ALERT_KIND_WARNING: return "warning";
    case v1::DEADLINE_ALERT_KIND_BREACHED: return "breached";
    case v1::DEADLINE_ALERT_KIND_ESCALATED: return "escalated";
    default: return "unknown";
  }
}

int KindIndex(v1::DeadlineAlertKind k) {
  switch (k) {
    case v1::DEADLINE_ALERT_KIND_WARNING: return 0;
    case v1::DEADLINE_ALERT_KIND_BREACHED: return 1;
    default: return 2;
  }
}

}  // namespace

void DeadlineWatch::Remember(const StoredTask& t) {
  Watched w;
  const v1::Case& c = t.assigned.case_();
  w.has_deadline = c.has_deadline() && c.deadline().seconds() > 0;
  if (w.has_deadline) {
    w.deadline = common::FromProto(c.deadline());
    w.start = c.has_received_at() ? common::FromProto(c.received_at()) : t.assigned_at;
    if (w.start >= w.deadline) w.start = t.assigned_at;
  }
  watched_[t.assigned.task_id()] = w;
}

absl::StatusOr<ScanResult> DeadlineWatch::ScanOnce() {
  const absl::Time now = clock_.Now();
  auto ids = store_.ListOpenIds(options_.max_tasks);
  if (!ids.ok()) return ids.status();
  // Forget the tasks that left the queue; read the ones not seen yet.
  std::unordered_map<std::string, Watched> still;
  std::vector<std::string> unseen;
  for (const std::string& id : *ids) {
    auto it = watched_.find(id);
    if (it != watched_.end()) {
      still.emplace(id, std::move(it->second));
    } else {
      unseen.push_back(id);
    }
  }
  watched_ = std::move(still);
  if (!unseen.empty()) {
    auto fresh = store_.GetOpen(unseen);
    if (!fresh.ok()) return fresh.status();
    for (const StoredTask& t : *fresh) Remember(t);
  }

  ScanResult result;
  absl::Status first_error;
  for (const std::string& id : *ids) {
    auto it = watched_.find(id);
    if (it == watched_.end() || !it->second.has_deadline) continue;
    Watched& w = it->second;
    ++result.open;
    const bool breached = now > w.deadline;
    const bool escalated = now > w.deadline + options_.escalation_grace;
    // The warning is skipped once the deadline has passed: the breach says more.
    const bool warn = !breached && w.start < w.deadline &&
                      now >= w.start + (w.deadline - w.start) * options_.warn_share;
    if (breached) ++result.overdue;
    std::vector<v1::DeadlineAlertKind> due;
    if (warn) due.push_back(v1::DEADLINE_ALERT_KIND_WARNING);
    if (breached) due.push_back(v1::DEADLINE_ALERT_KIND_BREACHED);
    if (escalated) due.push_back(v1::DEADLINE_ALERT_KIND_ESCALATED);
    for (auto kind : due) {
      const int k = KindIndex(kind);
      if (w.done[k] || now < w.retry_at[k]) continue;
      auto sent = Send(id, kind, now);
      if (!sent.ok()) {
        if (first_error.ok()) first_error = sent.status();
        continue;  // the next scan tries again
      }
      if (!*sent) {
        // Sent already (by this unit's other instance, or before a restart), or being sent by
        // another instance whose lease may still lapse: ask again after the lease.
        w.retry_at[k] = now + options_.lease;
        continue;
      }
      w.done[k] = true;
      if (kind == v1::DEADLINE_ALERT_KIND_WARNING) ++result.warnings;
      if (kind == v1::DEADLINE_ALERT_KIND_BREACHED) ++result.breaches;
      if (kind == v1::DEADLINE_ALERT_KIND_ESCALATED) ++result.escalations;
    }
  }
  if (!first_error.ok()) return first_error;
  return result;
}

absl::StatusOr<bool> DeadlineWatch::Send(const std::string& task_id, v1::DeadlineAlertKind kind,
                                         absl::Time now) {
  auto claimed = store_.TryClaimAlert(task_id, kind, options_.lease);
  if (!claimed.ok()) return claimed.status();
  if (!*claimed) return false;  // sent already, or another instance is sending it

  // The task as it is now: it may have closed since it was listed.
  auto current = store_.GetOpen({task_id});
  if (!current.ok() || current->empty()) {
    (void)store_.ReleaseAlert(task_id, kind);
    if (!current.ok()) return current.status();
    return false;
  }
  const StoredTask& t = current->front();
  const v1::Case& c = t.assigned.case_();
  v1::Envelope env = TaskEnvelope(
      common::DerivedId(task_id, absl::StrCat("deadline-", KindName(kind))), task_id, c, now);
  auto* a = env.mutable_deadline_alert();
  a->set_task_id(task_id);
  a->set_case_id(c.case_id());
  a->set_unit_id(unit_);
  a->set_kind(kind);
  *a->mutable_deadline() = c.deadline();
  *a->mutable_at() = common::ToProto(now);
  if (kind == v1::DEADLINE_ALERT_KIND_ESCALATED) {
    a->set_escalated_to(absl::StrCat("unit-head:", unit_, ",", options_.coordination_unit));
  }
  *a->mutable_case_() = c;
  events::StampType(env);
  v1::TaskHistoryEntry entry = HistoryOf(env);
  absl::Status s = publisher_.PublishOne({topics_.DepartmentUpdates(), c.case_id(), std::move(env)});
  if (!s.ok()) {
    (void)store_.ReleaseAlert(task_id, kind);  // the next scan tries again
    return s;
  }
  if (auto m = store_.MarkAlertSent(task_id, kind); !m.ok()) {
    // The lease expires and a later scan republishes the same event id: consumers dedupe.
    common::LogWarn("deadline alert sent but not marked", {{"task_id", task_id}, {"error", m.ToString()}});
  }
  (void)store_.AddHistory(task_id, entry);
  common::LogInfo("deadline alert", {{"task_id", task_id}, {"case_id", c.case_id()},
                                     {"unit", unit_}, {"kind", KindName(kind)}});
  return true;
}

}  // namespace teksin::department_worker
