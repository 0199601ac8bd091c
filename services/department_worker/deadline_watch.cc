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

}  // namespace

absl::StatusOr<ScanResult> DeadlineWatch::ScanOnce() {
  const absl::Time now = clock_.Now();
  auto open = store_.ListOpen(options_.max_tasks);
  if (!open.ok()) return open.status();
  ScanResult result;
  absl::Status first_error;
  for (const StoredTask& t : *open) {
    const v1::Case& c = t.assigned.case_();
    if (!c.has_deadline() || c.deadline().seconds() <= 0) continue;
    ++result.open;
    const absl::Time deadline = common::FromProto(c.deadline());
    absl::Time start = c.has_received_at() ? common::FromProto(c.received_at()) : t.assigned_at;
    if (start >= deadline) start = t.assigned_at;
    const bool breached = now > deadline;
    const bool escalated = now > deadline + options_.escalation_grace;
    // The warning is skipped once the deadline has passed: the breach says more.
    const bool warn = !breached && start < deadline &&
                      now >= start + (deadline - start) * options_.warn_share;
    if (breached) ++result.overdue;
    std::vector<v1::DeadlineAlertKind> due;
    if (warn) due.push_back(v1::DEADLINE_ALERT_KIND_WARNING);
    if (breached) due.push_back(v1::DEADLINE_ALERT_KIND_BREACHED);
    if (escalated) due.push_back(v1::DEADLINE_ALERT_KIND_ESCALATED);
    for (auto kind : due) {
      auto sent = Send(t, kind, now);
      if (!sent.ok()) {
        if (first_error.ok()) first_error = sent.status();
        continue;
      }
      if (!*sent) continue;
      if (kind == v1::DEADLINE_ALERT_KIND_WARNING) ++result.warnings;
      if (kind == v1::DEADLINE_ALERT_KIND_BREACHED) ++result.breaches;
      if (kind == v1::DEADLINE_ALERT_KIND_ESCALATED) ++result.escalations;
    }
  }
  if (!first_error.ok()) return first_error;
  return result;
}

absl::StatusOr<bool> DeadlineWatch::Send(const StoredTask& t, v1::DeadlineAlertKind kind,
                                         absl::Time now) {
  const std::string& task_id = t.assigned.task_id();
  auto claimed = store_.TryClaimAlert(task_id, kind, options_.lease);
  if (!claimed.ok()) return claimed.status();
  if (!*claimed) return false;  // sent already, or another instance is sending it

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
