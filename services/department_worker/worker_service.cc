#include "department_worker/worker_service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/log.h"
#include "events/envelope.h"

namespace teksin::department_worker {
namespace {

const char* Verb(v1::TaskStatus s) {
  switch (s) {
    case v1::TASK_STATUS_CLAIMED: return "claimed";
    case v1::TASK_STATUS_IN_PROGRESS: return "started";
    case v1::TASK_STATUS_RESOLVED: return "resolved";
    case v1::TASK_STATUS_REJECTED: return "rejected";
    default: return "changed";
  }
}

}  // namespace

v1::Task ToTask(const StoredTask& t) {
  const v1::Case& c = t.assigned.case_();
  v1::Task out;
  out.set_task_id(t.assigned.task_id());
  out.set_case_id(c.case_id());
  out.set_tracking_code(c.tracking_code());
  out.set_unit_id(c.owner().unit_id());
  out.set_status(t.status);
  out.set_priority(c.priority());
  *out.mutable_deadline() = c.deadline();
  *out.mutable_assigned_at() = common::ToProto(t.assigned_at);
  *out.mutable_updated_at() = common::ToProto(t.updated_at);
  out.set_category(c.category());
  out.set_district(c.location().district());
  out.set_neighbourhood(c.location().neighbourhood());
  out.set_text(c.text());
  out.set_claimed_by(t.claimed_by);
  out.set_rule_id(t.assigned.rule_id());
  out.set_attempt(t.assigned.attempt());
  out.set_request_type(c.request_type());
  out.set_channel(c.channel());
  return out;
}

absl::Status WorkerService::Handle(const events::ConsumedEvent& event) {
  const v1::Envelope& in = event.envelope;
  if (in.has_task_assigned()) {
    const auto& a = in.task_assigned();
    if (a.case_().owner().unit_id() != unit_) {
      return absl::InvalidArgumentError(absl::StrCat("task ", a.task_id(), " is for unit \"",
                                                     a.case_().owner().unit_id(),
                                                     "\", not this unit \"", unit_, "\""));
    }
    return store_.PutAssigned(a, common::FromProto(in.occurred_at()));
  }
  if (in.has_task_status_changed()) {
    const auto& ch = in.task_status_changed();
    if (ch.unit_id() != unit_) return absl::OkStatus();  // another unit's work
    StatusChange change{ch.task_id(), ch.status(), ch.actor(), ch.reason(),
                        ch.resolution_code(), ch.resolution_text(),
                        common::FromProto(in.occurred_at())};
    return store_.Apply(change).status();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("department_worker cannot handle \"", in.event_type(), "\" on ", event.topic));
}

absl::StatusOr<v1::ListTasksResponse> WorkerService::ListTasks(const v1::ListTasksRequest& req) {
  size_t limit = req.limit() <= 0 ? 100 : std::min(req.limit(), 1000);
  // Filters apply after the queue order; read a wider window so they still fill the page.
  bool filtered = !req.category().empty() || !req.district().empty() || req.statuses_size() > 0;
  auto open = store_.ListOpen(filtered ? 10000 : limit);
  if (!open.ok()) return open.status();
  v1::ListTasksResponse resp;
  for (const auto& t : *open) {
    if (!req.category().empty() && t.assigned.case_().category() != req.category()) continue;
    if (!req.district().empty() && t.assigned.case_().location().district() != req.district()) continue;
    if (req.statuses_size() > 0) {
      bool match = false;
      for (int s : req.statuses()) match = match || s == t.status;
      if (!match) continue;
    }
    *resp.add_tasks() = ToTask(t);
    if (static_cast<size_t>(resp.tasks_size()) >= limit) break;
  }
  auto total = store_.CountOpen();
  if (!total.ok()) return total.status();
  resp.set_total_open(*total);
  return resp;
}

absl::StatusOr<v1::Task> WorkerService::GetTask(const std::string& task_id) {
  auto t = store_.Get(task_id);
  if (!t.ok()) return t.status();
  if (!t->has_value()) return absl::NotFoundError(absl::StrCat("no task ", task_id, " in unit ", unit_));
  return ToTask(**t);
}

absl::StatusOr<v1::Task> WorkerService::Claim(const std::string& task_id,
                                              const std::string& staff_id) {
  return Transition(task_id, staff_id, v1::TASK_STATUS_CLAIMED, "", "", "");
}

absl::StatusOr<v1::Task> WorkerService::Resolve(const std::string& task_id,
                                                const std::string& staff_id,
                                                const std::string& code, const std::string& text) {
  if (absl::StripAsciiWhitespace(code).empty()) {
    return absl::InvalidArgumentError("resolution_code is required");
  }
  return Transition(task_id, staff_id, v1::TASK_STATUS_RESOLVED, "", code, text);
}

absl::StatusOr<v1::Task> WorkerService::Reject(const std::string& task_id,
                                               const std::string& staff_id,
                                               const std::string& reason) {
  if (absl::StripAsciiWhitespace(reason).empty()) {
    return absl::InvalidArgumentError("a reason is required to reject a task");
  }
  return Transition(task_id, staff_id, v1::TASK_STATUS_REJECTED, reason, "", "");
}

absl::StatusOr<v1::Task> WorkerService::Transition(const std::string& task_id,
                                                   const std::string& staff_id,
                                                   v1::TaskStatus to, const std::string& reason,
                                                   const std::string& code,
                                                   const std::string& text) {
  if (staff_id.empty()) return absl::InvalidArgumentError("staff_id is required");
  auto got = store_.Get(task_id);
  if (!got.ok()) return got.status();
  if (!got->has_value()) {
    return absl::NotFoundError(absl::StrCat("no task ", task_id, " in unit ", unit_));
  }
  StoredTask t = **got;
  const bool terminal = StatusRank(to) == 4;
  // A retry of a change this staff member already made (the answer was lost, or Kafka did not
  // acknowledge): publish the same event again, never a second, different fact.
  const bool retry = t.status == to && (terminal ? t.closed_by == staff_id : t.claimed_by == staff_id);
  if (!retry) {
    if (StatusRank(t.status) >= 4) {
      return absl::FailedPreconditionError(
          absl::StrCat("task ", task_id, " is already ", v1::TaskStatus_Name(t.status)));
    }
    if (to == v1::TASK_STATUS_CLAIMED && t.status != v1::TASK_STATUS_QUEUED) {
      return absl::FailedPreconditionError(
          absl::StrCat("task ", task_id, " is already claimed by ", t.claimed_by));
    }
    if (!t.claimed_by.empty() && t.claimed_by != staff_id) {
      return absl::FailedPreconditionError(
          absl::StrCat("task ", task_id, " is claimed by ", t.claimed_by));
    }
  }

  const absl::Time now = clock_.Now();
  const v1::Case& c = t.assigned.case_();
  events::EnvelopeMeta meta;
  // One event id per transition of a task: a retried call publishes the same event again.
  meta.event_id = common::DerivedId(task_id, Verb(to));
  meta.source = "department_worker";
  meta.correlation_id = c.case_id();
  meta.causation_id = task_id;
  meta.partition_key = c.case_id();
  meta.occurred_at = now;
  v1::Envelope env = events::NewEnvelope(meta);
  auto* ch = env.mutable_task_status_changed();
  ch->set_task_id(task_id);
  ch->set_case_id(c.case_id());
  ch->set_unit_id(unit_);
  ch->set_status(to);
  ch->set_previous(t.status);
  ch->set_actor(staff_id);
  ch->set_reason(reason);
  ch->set_resolution_code(code);
  ch->set_resolution_text(text);
  ch->set_attempt(t.assigned.attempt());
  *ch->mutable_case_() = c;
  v1::CaseStatus case_status = to == v1::TASK_STATUS_RESOLVED ? v1::CASE_STATUS_RESOLVED
                               : to == v1::TASK_STATUS_REJECTED ? v1::CASE_STATUS_REJECTED
                                                                : v1::CASE_STATUS_IN_PROGRESS;
  ch->mutable_case_()->set_status(case_status);
  auto* h = ch->mutable_case_()->add_history();
  h->set_status(case_status);
  *h->mutable_at() = common::ToProto(now);
  h->set_actor(staff_id);
  h->set_reason(reason);
  h->set_event_id(meta.event_id);
  events::StampType(env);

  if (!retry) {
    // The queue decides who wins a race (two staff claiming at once); only the winner's change
    // is published, so the record and the queue never tell different stories.
    auto applied = store_.Apply({task_id, to, staff_id, reason, code, text, now});
    if (!applied.ok()) return applied.status();
    if (!applied->applied) {
      return absl::FailedPreconditionError(absl::StrCat(
          "task ", task_id, " changed meanwhile: now ", v1::TaskStatus_Name(applied->status),
          applied->claimed_by.empty() ? "" : absl::StrCat(" by ", applied->claimed_by)));
    }
  }
  absl::Status s = publisher_.PublishOne({topics_.DepartmentUpdates(), c.case_id(), std::move(env)});
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "the change is kept but not yet recorded (", s.message(), "): send the same request again"));
  }
  common::LogInfo("task changed", {{"task_id", task_id}, {"status", v1::TaskStatus_Name(to)},
                                   {"staff_id", staff_id}});
  if (!retry) {
    t.status = to;
    t.updated_at = now;
    if (to == v1::TASK_STATUS_CLAIMED) t.claimed_by = staff_id;
    if (terminal) t.closed_by = staff_id;
  }
  return ToTask(t);
}

}  // namespace teksin::department_worker
