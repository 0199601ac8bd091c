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
    case v1::TASK_STATUS_WAITING_FOR_CITIZEN: return "asked";
    case v1::TASK_STATUS_ACKNOWLEDGED: return "acknowledged";
    default: return "changed";
  }
}

// Claims, acknowledgements and the two endings happen at most once per task, so their event id
// names only the verb (as before changes were numbered). Starting and asking can repeat (the
// citizen answers, staff start again), so their ids also carry the change number.
std::string EventIdFor(const std::string& task_id, v1::TaskStatus to, int64_t seq) {
  if (to == v1::TASK_STATUS_IN_PROGRESS || to == v1::TASK_STATUS_WAITING_FOR_CITIZEN) {
    return common::DerivedId(task_id, absl::StrCat(Verb(to), "-", seq));
  }
  return common::DerivedId(task_id, Verb(to));
}

v1::CaseStatus CaseStatusFor(v1::TaskStatus to) {
  switch (to) {
    case v1::TASK_STATUS_RESOLVED: return v1::CASE_STATUS_RESOLVED;
    case v1::TASK_STATUS_REJECTED: return v1::CASE_STATUS_REJECTED;
    case v1::TASK_STATUS_WAITING_FOR_CITIZEN: return v1::CASE_STATUS_WAITING_FOR_CITIZEN;
    case v1::TASK_STATUS_ACKNOWLEDGED: return v1::CASE_STATUS_FORWARDED;
    default: return v1::CASE_STATUS_IN_PROGRESS;
  }
}

bool Blank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

constexpr size_t kMaxText = 4000;  // bytes of a note, question, reason or resolution text

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
  out.set_owner_kind(c.owner().kind());
  out.set_closed_by(t.closed_by);
  out.set_reason(t.reason);
  out.set_resolution_code(t.resolution_code);
  out.set_resolution_text(t.resolution_text);
  out.set_seq(t.seq);
  return out;
}

v1::Envelope TaskEnvelope(const std::string& event_id, const std::string& task_id,
                          const v1::Case& c, absl::Time at) {
  events::EnvelopeMeta meta;
  meta.event_id = event_id;
  meta.source = "department_worker";
  meta.correlation_id = c.case_id();
  meta.causation_id = task_id;
  meta.partition_key = c.case_id();
  meta.occurred_at = at;
  return events::NewEnvelope(meta);
}

v1::TaskHistoryEntry HistoryOf(const v1::Envelope& e) {
  v1::TaskHistoryEntry h;
  h.set_event_id(e.event_id());
  *h.mutable_at() = e.occurred_at();
  if (e.has_task_status_changed()) {
    const auto& ch = e.task_status_changed();
    h.set_kind("status");
    h.set_actor(ch.actor());
    h.set_status(ch.status());
    h.set_text(ch.status() == v1::TASK_STATUS_RESOLVED ? ch.resolution_text() : ch.reason());
  } else if (e.has_task_note_added()) {
    const auto& n = e.task_note_added();
    h.set_kind("note");
    h.set_actor(n.actor());
    h.set_text(n.note());
    h.set_visible_to_citizen(n.visible_to_citizen());
  } else if (e.has_deadline_alert()) {
    const auto& a = e.deadline_alert();
    h.set_kind("alert");
    h.set_actor("deadline-watch");
    h.set_alert(a.kind());
    h.set_escalated_to(a.escalated_to());
  }
  return h;
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
    StatusChange change{ch.task_id(),          ch.status(),
                        ch.actor(),            ch.reason(),
                        ch.resolution_code(),  ch.resolution_text(),
                        common::FromProto(in.occurred_at()), ch.seq()};
    auto applied = store_.Apply(change);
    if (!applied.ok()) return applied.status();
    return store_.AddHistory(ch.task_id(), HistoryOf(in));
  }
  if (in.has_task_note_added()) {
    const auto& n = in.task_note_added();
    if (n.unit_id() != unit_) return absl::OkStatus();
    return store_.AddHistory(n.task_id(), HistoryOf(in));
  }
  if (in.has_deadline_alert()) {
    const auto& a = in.deadline_alert();
    if (a.unit_id() != unit_) return absl::OkStatus();
    return store_.AddHistory(a.task_id(), HistoryOf(in));
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

absl::StatusOr<StoredTask> WorkerService::Load(const std::string& task_id) {
  if (task_id.empty()) return absl::InvalidArgumentError("task_id is required");
  auto t = store_.Get(task_id);
  if (!t.ok()) return t.status();
  if (!t->has_value()) return absl::NotFoundError(absl::StrCat("no task ", task_id, " in unit ", unit_));
  return std::move(**t);
}

absl::StatusOr<v1::Task> WorkerService::GetTask(const std::string& task_id) {
  auto t = Load(task_id);
  if (!t.ok()) return t.status();
  v1::Task out = ToTask(*t);
  auto history = store_.History(task_id);
  if (!history.ok()) return history.status();
  for (auto& h : *history) *out.add_history() = std::move(h);
  return out;
}

absl::StatusOr<v1::Task> WorkerService::Claim(const std::string& task_id,
                                              const std::string& staff_id) {
  return Transition(task_id, staff_id, Change(v1::TASK_STATUS_CLAIMED));
}

absl::StatusOr<v1::Task> WorkerService::Start(const std::string& task_id,
                                              const std::string& staff_id) {
  return Transition(task_id, staff_id, Change(v1::TASK_STATUS_IN_PROGRESS));
}

absl::StatusOr<v1::Task> WorkerService::AskCitizen(const std::string& task_id,
                                                   const std::string& staff_id,
                                                   const std::string& question) {
  if (Blank(question)) return absl::InvalidArgumentError("a question is required");
  if (question.size() > kMaxText) return absl::InvalidArgumentError("the question is too long");
  Change c(v1::TASK_STATUS_WAITING_FOR_CITIZEN);
  c.reason = question;
  return Transition(task_id, staff_id, c);
}

absl::StatusOr<v1::Task> WorkerService::Acknowledge(const std::string& task_id,
                                                    const std::string& staff_id,
                                                    const std::string& reference) {
  if (reference.size() > 200) return absl::InvalidArgumentError("the reference is too long");
  Change c(v1::TASK_STATUS_ACKNOWLEDGED);
  c.reason = reference.empty() ? "acknowledged by the institution"
                               : absl::StrCat("acknowledged by the institution, reference ",
                                              reference);
  return Transition(task_id, staff_id, c);
}

absl::StatusOr<v1::Task> WorkerService::Resolve(const std::string& task_id,
                                                const std::string& staff_id,
                                                const std::string& code, const std::string& text) {
  if (Blank(code)) return absl::InvalidArgumentError("resolution_code is required");
  if (text.size() > kMaxText) return absl::InvalidArgumentError("resolution_text is too long");
  Change c(v1::TASK_STATUS_RESOLVED);
  c.code = code;
  c.text = text;
  return Transition(task_id, staff_id, c);
}

absl::StatusOr<v1::Task> WorkerService::Reject(const std::string& task_id,
                                               const std::string& staff_id,
                                               const std::string& reason,
                                               const std::string& suggested_unit_id) {
  if (Blank(reason)) return absl::InvalidArgumentError("a reason is required to reject a task");
  if (reason.size() > kMaxText) return absl::InvalidArgumentError("the reason is too long");
  if (!suggested_unit_id.empty() && !events::IsValidUnitId(suggested_unit_id)) {
    return absl::InvalidArgumentError("suggested_unit_id must be a unit id like \"meski\"");
  }
  if (suggested_unit_id == unit_) {
    return absl::InvalidArgumentError("suggested_unit_id names this unit");
  }
  Change c(v1::TASK_STATUS_REJECTED);
  c.reason = reason;
  c.suggested_unit = suggested_unit_id;
  return Transition(task_id, staff_id, c);
}

absl::StatusOr<v1::Task> WorkerService::Transition(const std::string& task_id,
                                                   const std::string& staff_id,
                                                   const Change& change) {
  if (staff_id.empty()) return absl::InvalidArgumentError("staff_id is required");
  auto loaded = Load(task_id);
  if (!loaded.ok()) return loaded.status();
  StoredTask t = std::move(*loaded);
  const v1::TaskStatus to = change.to;
  const bool terminal = IsTerminal(to);
  // A retry of a change this staff member already made (the answer was lost, or Kafka did not
  // acknowledge): publish the same event again, never a second, different fact.
  const std::string& last_by =
      !t.last_actor.empty() ? t.last_actor : (terminal ? t.closed_by : t.claimed_by);
  const bool retry = t.status == to && last_by == staff_id;
  if (!retry) {
    auto refuse = [&](const std::string& why) {
      return absl::FailedPreconditionError(absl::StrCat("task ", task_id, " ", why));
    };
    if (IsTerminal(t.status)) return refuse(absl::StrCat("is already ", v1::TaskStatus_Name(t.status)));
    switch (to) {
      case v1::TASK_STATUS_CLAIMED:
        if (!t.claimed_by.empty()) return refuse(absl::StrCat("is already claimed by ", t.claimed_by));
        if (t.status != v1::TASK_STATUS_QUEUED && t.status != v1::TASK_STATUS_ACKNOWLEDGED) {
          return refuse(absl::StrCat("cannot be claimed while ", v1::TaskStatus_Name(t.status)));
        }
        break;
      case v1::TASK_STATUS_IN_PROGRESS:
        if (t.status == v1::TASK_STATUS_IN_PROGRESS) return refuse("is already in progress");
        break;
      case v1::TASK_STATUS_WAITING_FOR_CITIZEN:
        if (t.status == v1::TASK_STATUS_QUEUED) return refuse("must be claimed before asking the citizen");
        if (t.status == v1::TASK_STATUS_WAITING_FOR_CITIZEN) return refuse("is already waiting for the citizen");
        break;
      case v1::TASK_STATUS_ACKNOWLEDGED:
        if (t.assigned.case_().owner().kind() != v1::OWNER_KIND_EXTERNAL_INSTITUTION) {
          return refuse("is not a forward to an outside institution; only forward desks acknowledge");
        }
        if (t.status != v1::TASK_STATUS_QUEUED && t.status != v1::TASK_STATUS_CLAIMED) {
          return refuse(absl::StrCat("cannot be acknowledged while ", v1::TaskStatus_Name(t.status)));
        }
        break;
      default:
        break;
    }
    if (to != v1::TASK_STATUS_CLAIMED && !t.claimed_by.empty() && t.claimed_by != staff_id) {
      return refuse(absl::StrCat("is claimed by ", t.claimed_by));
    }
  }

  const int64_t seq = retry ? t.seq : t.seq + 1;
  const absl::Time now = clock_.Now();
  const v1::Case& c = t.assigned.case_();
  // One event id per transition of a task: a retried call publishes the same event again.
  v1::Envelope env = TaskEnvelope(EventIdFor(task_id, to, seq), task_id, c, now);
  auto* ch = env.mutable_task_status_changed();
  ch->set_task_id(task_id);
  ch->set_case_id(c.case_id());
  ch->set_unit_id(unit_);
  ch->set_status(to);
  ch->set_previous(retry ? v1::TASK_STATUS_UNSPECIFIED : t.status);
  ch->set_actor(staff_id);
  ch->set_reason(change.reason);
  ch->set_resolution_code(change.code);
  ch->set_resolution_text(change.text);
  ch->set_attempt(t.assigned.attempt());
  ch->set_seq(seq);
  ch->set_suggested_unit_id(change.suggested_unit);
  *ch->mutable_case_() = c;
  v1::CaseStatus case_status = CaseStatusFor(to);
  ch->mutable_case_()->set_status(case_status);
  auto* h = ch->mutable_case_()->add_history();
  h->set_status(case_status);
  *h->mutable_at() = common::ToProto(now);
  h->set_actor(staff_id);
  h->set_reason(change.reason);
  h->set_event_id(env.event_id());
  events::StampType(env);
  v1::TaskHistoryEntry entry = HistoryOf(env);

  if (!retry) {
    // The queue decides who wins a race (two staff changing a task at once): the change applies
    // only if the task is still at the change number read above. Only the winner's change is
    // published, so the record and the queue never tell different stories.
    auto applied = store_.Apply(
        {task_id, to, staff_id, change.reason, change.code, change.text, now, seq});
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
  if (auto hs = store_.AddHistory(task_id, entry); !hs.ok()) {
    // The consumer adds it when it reads the change back; the change itself is recorded.
    common::LogWarn("task history not written", {{"task_id", task_id}, {"error", hs.ToString()}});
  }
  common::LogInfo("task changed", {{"task_id", task_id}, {"status", v1::TaskStatus_Name(to)},
                                   {"staff_id", staff_id}, {"seq", seq}});
  auto after = Load(task_id);
  if (after.ok()) return ToTask(*after);
  return ToTask(t);
}

absl::StatusOr<v1::Task> WorkerService::AddNote(const std::string& task_id,
                                                const std::string& staff_id,
                                                const std::string& note, bool visible_to_citizen) {
  if (staff_id.empty()) return absl::InvalidArgumentError("staff_id is required");
  if (Blank(note)) return absl::InvalidArgumentError("a note is required");
  if (note.size() > kMaxText) return absl::InvalidArgumentError("the note is too long");
  auto loaded = Load(task_id);
  if (!loaded.ok()) return loaded.status();
  const v1::Case& c = loaded->assigned.case_();
  // The same note from the same member of staff is the same event: a retried call republishes
  // it, a different note is a new one.
  v1::Envelope env = TaskEnvelope(
      common::DerivedId(task_id, absl::StrCat("note/", staff_id, "/",
                                              visible_to_citizen ? "citizen/" : "internal/", note)),
      task_id, c, clock_.Now());
  auto* n = env.mutable_task_note_added();
  n->set_task_id(task_id);
  n->set_case_id(c.case_id());
  n->set_unit_id(unit_);
  n->set_actor(staff_id);
  n->set_note(note);
  n->set_visible_to_citizen(visible_to_citizen);
  events::StampType(env);
  v1::TaskHistoryEntry entry = HistoryOf(env);
  absl::Status s = publisher_.PublishOne({topics_.DepartmentUpdates(), c.case_id(), std::move(env)});
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the note is not recorded (", s.message(), "): send the same request again"));
  }
  if (auto hs = store_.AddHistory(task_id, entry); !hs.ok()) {
    common::LogWarn("task history not written", {{"task_id", task_id}, {"error", hs.ToString()}});
  }
  common::LogInfo("task note added", {{"task_id", task_id}, {"staff_id", staff_id},
                                      {"visible_to_citizen", visible_to_citizen}});
  return GetTask(task_id);
}

}  // namespace teksin::department_worker
