#include "routing/routing_service.h"

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/log.h"
#include "events/envelope.h"

namespace teksin::routing {
namespace {

events::EnvelopeMeta MetaFor(const v1::Envelope& cause, const std::string& purpose,
                             const std::string& case_id, absl::Time now) {
  events::EnvelopeMeta m;
  m.event_id = common::DerivedId(cause.event_id(), purpose);
  m.source = "routing";
  m.correlation_id = case_id;
  m.causation_id = cause.event_id();
  m.partition_key = case_id;
  m.traceparent = cause.traceparent();
  m.occurred_at = now;
  return m;
}

}  // namespace

bool IsForward(v1::OwnerKind kind) {
  // MESKİ is a separate legal entity (a general directorate affiliated to the metropolitan
  // municipality): like district municipalities and outside institutions, a case sent there is a
  // tracked forward (3071 m.5).
  return kind == v1::OWNER_KIND_DISTRICT_MUNICIPALITY || kind == v1::OWNER_KIND_UTILITY ||
         kind == v1::OWNER_KIND_EXTERNAL_INSTITUTION;
}

int CountBounces(const v1::Case& c) {
  int n = 0;
  for (const auto& h : c.history()) n += h.status() == v1::CASE_STATUS_REJECTED ? 1 : 0;
  return n;
}

void RoutingService::ReplaceRules(std::shared_ptr<const catalogue::RoutingRules> rules) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_ = std::move(rules);
}

std::shared_ptr<const catalogue::RoutingRules> RoutingService::rules() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rules_;
}

absl::Status RoutingService::Handle(const events::ConsumedEvent& event) {
  const v1::Envelope& in = event.envelope;
  switch (in.payload_case()) {
    case v1::Envelope::kCaseRegistered:
      return OnRegistered(in, in.case_registered());
    case v1::Envelope::kTaskStatusChanged:
      return OnTaskChanged(in, in.task_status_changed());
    case v1::Envelope::kCitizenFeedback:
      return OnFeedback(in, in.citizen_feedback());
    case v1::Envelope::kCaseRejected:
    case v1::Envelope::kCaseLinked:      // the contact joined an open case: nothing to route
    case v1::Envelope::kTaskNoteAdded:   // notes and deadline alerts share department.updates
    case v1::Envelope::kDeadlineAlert:
      return absl::OkStatus();
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("routing cannot handle \"", in.event_type(), "\" on ", event.topic));
  }
}

absl::Status RoutingService::OnRegistered(const v1::Envelope& cause,
                                          const v1::CaseRegistered& registered) {
  RouteSpec spec;
  const v1::Case& c = registered.case_();
  if (registered.classification().triaged() && c.category().empty()) {
    // The classifier was not sure: a person at the coordination centre decides (triage).
    auto r = rules();
    spec.forced_owner = r->FindOwner(r->default_owner());
    spec.rule_id = "triage";
    spec.reason = "triage";
  }
  const bool triage = spec.reason == "triage";
  absl::Status s = Route(cause, c, std::move(spec));
  if (s.ok() && triage) ++stats_.triaged;
  return s;
}

absl::Status RoutingService::Route(const v1::Envelope& cause, v1::Case c, RouteSpec spec,
                                   std::string* task_id_out) {
  if (c.case_id().empty()) return absl::InvalidArgumentError("case without case_id");
  auto r = rules();
  catalogue::Decision decision;
  if (spec.forced_owner != nullptr) {
    decision = {*spec.forced_owner, spec.rule_id, 0};
  } else {
    decision = r->Decide(c.category(), c.location().district());
  }
  const catalogue::OwnerDef& owner = decision.owner;
  const absl::Time now = clock_.Now();

  // Priority and deadline from the catalogue, counted from when the citizen reached us (or
  // reopened the case).
  const catalogue::ServiceDef* service = catalogue_.Find(c.category());
  absl::Time from = spec.deadline_from.has_value() ? *spec.deadline_from
                    : c.has_received_at()          ? common::FromProto(c.received_at())
                                                   : now;
  calendar::Target target{calendar::Target::Kind::kWorkingDays, 5};
  calendar::LegalBasis basis = calendar::LegalBasis::kLaw3071;
  int priority = 3;
  if (service != nullptr) {
    target = service->target;
    basis = service->legal_basis;
    priority = service->priority;
  }
  // An emergency (intake set P1) stays P1 whatever the category says, and its deadline runs
  // around the clock: emergencies do not wait for Monday.
  if (c.priority() == v1::PRIORITY_P1) {
    priority = 1;
    if (target.kind != calendar::Target::Kind::kHours) {
      target = {calendar::Target::Kind::kHours, options_.emergency_hours};
    }
  }
  c.set_priority(static_cast<v1::Priority>(priority));
  absl::Time deadline = decision.deadline_seconds > 0
                            ? from + absl::Seconds(decision.deadline_seconds)
                            : calendar_.Deadline(from, target, basis);
  *c.mutable_deadline() = common::ToProto(deadline);
  c.mutable_owner()->set_unit_id(owner.id);
  c.mutable_owner()->set_name(owner.name);
  c.mutable_owner()->set_kind(owner.kind);
  bool forwarded = IsForward(owner.kind);
  v1::CaseStatus status = forwarded ? v1::CASE_STATUS_FORWARDED : v1::CASE_STATUS_ROUTED;
  c.set_status(status);

  std::string purpose = absl::StrCat("route-", spec.attempt);
  events::EnvelopeMeta task_meta = MetaFor(cause, purpose + "-task", c.case_id(), now);
  events::EnvelopeMeta decision_meta = MetaFor(cause, purpose + "-decision", c.case_id(), now);
  std::string task_id = common::DerivedId(cause.event_id(), purpose);
  if (task_id_out != nullptr) *task_id_out = task_id;

  auto* h = c.add_history();
  h->set_status(status);
  *h->mutable_at() = common::ToProto(now);
  h->set_actor("routing");
  h->set_reason(absl::StrCat(spec.reason, ": rule ", decision.rule_id, " -> ", owner.id));
  h->set_event_id(decision_meta.event_id);

  v1::Envelope task_env = events::NewEnvelope(task_meta);
  auto* task = task_env.mutable_task_assigned();
  task->set_task_id(task_id);
  *task->mutable_case_() = c;
  task->set_rule_id(decision.rule_id);
  task->set_attempt(spec.attempt);
  task->set_rules_version(r->version());
  events::StampType(task_env);

  v1::Envelope decision_env = events::NewEnvelope(decision_meta);
  auto* routed = decision_env.mutable_case_routed();
  *routed->mutable_case_() = c;
  routed->set_task_id(task_id);
  routed->set_rule_id(decision.rule_id);
  routed->set_attempt(spec.attempt);
  routed->set_forwarded(forwarded);
  routed->set_rules_version(r->version());
  routed->set_previous_unit_id(spec.previous_unit);
  routed->set_bounces(spec.bounces);
  routed->set_reason(spec.reason);
  events::StampType(decision_env);

  std::vector<events::OutgoingEvent> out;
  for (auto& e : spec.also) {
    // Events that go with this routing (CaseReopened) learn the new task's id.
    if (e.envelope.has_case_reopened()) e.envelope.mutable_case_reopened()->set_task_id(task_id);
    out.push_back(std::move(e));
  }
  out.push_back({topics_.RoutingTasks(owner.id), c.case_id(), std::move(task_env)});
  out.push_back({topics_.RoutingDecisions(), c.case_id(), std::move(decision_env)});
  return publisher_.Publish(std::move(out));
}

absl::Status RoutingService::Close(const v1::Envelope& cause, const std::string& case_id,
                                   v1::Case c, const std::string& reason) {
  events::EnvelopeMeta meta = MetaFor(cause, "closed", case_id, clock_.Now());
  v1::Envelope env = events::NewEnvelope(meta);
  auto* closed = env.mutable_case_closed();
  closed->set_case_id(case_id);
  c.set_status(v1::CASE_STATUS_CLOSED);
  auto* h = c.add_history();
  h->set_status(v1::CASE_STATUS_CLOSED);
  *h->mutable_at() = common::ToProto(meta.occurred_at);
  h->set_actor("routing");
  h->set_reason(reason);
  h->set_event_id(meta.event_id);
  *closed->mutable_case_() = std::move(c);
  closed->set_reason(reason);
  events::StampType(env);
  if (auto s = publisher_.PublishOne({topics_.RoutingDecisions(), case_id, std::move(env)}); !s.ok()) {
    return s;
  }
  return cases_.Closed(case_id);
}

absl::Status RoutingService::OnTaskChanged(const v1::Envelope& cause,
                                           const v1::TaskStatusChanged& change) {
  const absl::Time now = clock_.Now();
  const v1::Case& c = change.case_();
  if (change.status() == v1::TASK_STATUS_RESOLVED) {
    events::EnvelopeMeta meta = MetaFor(cause, "resolved", change.case_id(), now);
    v1::Envelope env = events::NewEnvelope(meta);
    auto* res = env.mutable_case_resolved();
    *res->mutable_case_() = c;
    res->mutable_case_()->set_status(v1::CASE_STATUS_RESOLVED);
    res->mutable_case_()->set_resolution_code(change.resolution_code());
    res->mutable_case_()->set_resolution_text(change.resolution_text());
    res->set_task_id(change.task_id());
    *res->mutable_resolved_at() = cause.occurred_at();
    res->set_resolution_code(change.resolution_code());
    res->set_resolution_text(change.resolution_text());
    res->set_resolved_by(change.actor());
    CaseState state;
    state.attempt = change.attempt();
    state.unit_id = change.unit_id();
    state.task_id = change.task_id();
    state.resolved_by = change.actor();
    state.snapshot = res->case_();
    events::StampType(env);
    if (auto s = publisher_.PublishOne({topics_.RoutingDecisions(), change.case_id(), std::move(env)});
        !s.ok()) {
      return s;
    }
    // Remembered for the citizen's feedback (reopen goes back to this unit).
    return cases_.Resolved(change.case_id(), state);
  }
  if (change.status() != v1::TASK_STATUS_REJECTED) return absl::OkStatus();

  auto r = rules();
  const catalogue::OwnerDef* centre = r->FindOwner(r->default_owner());
  const int attempt = change.attempt() + 1;
  const int bounces = std::max(1, CountBounces(c));
  const catalogue::OwnerDef* suggested =
      change.suggested_unit_id().empty() ? nullptr : r->FindOwner(change.suggested_unit_id());
  if (suggested == centre || change.suggested_unit_id() == change.unit_id()) suggested = nullptr;
  if (!change.suggested_unit_id().empty() && suggested == nullptr) {
    common::LogWarn("suggested unit unknown, the coordination centre decides",
                    {{"case_id", change.case_id()}, {"suggested_unit", change.suggested_unit_id()}});
  }
  const std::string closing = absl::StrCat("rejected by ", change.unit_id(), ": ", change.reason());
  if (attempt > options_.max_attempts) return Close(cause, change.case_id(), c, closing);

  RouteSpec spec;
  spec.attempt = attempt;
  spec.previous_unit = change.unit_id();
  spec.bounces = bounces;
  if (change.unit_id() == r->default_owner()) {
    // The coordination centre either hands the case to the unit it names, or says no municipal
    // unit owns it: the case is closed with the reason, which the citizen is told.
    if (suggested == nullptr) return Close(cause, change.case_id(), c, closing);
    spec.forced_owner = suggested;
    spec.rule_id = "coordination-centre";
    spec.reason = "rerouted";
  } else if (bounces > options_.max_bounces || suggested == nullptr) {
    spec.forced_owner = centre;
    spec.rule_id = "bounce-to-coordination";
    spec.reason = "bounced";
  } else {
    spec.forced_owner = suggested;
    spec.rule_id = "suggested-by-unit";
    spec.reason = "rerouted";
  }
  common::LogInfo("task rejected, routing again",
                  {{"case_id", change.case_id()}, {"unit", change.unit_id()},
                   {"to", spec.forced_owner->id}, {"attempt", attempt}, {"bounces", bounces},
                   {"reason", spec.reason}});
  const bool bounced = spec.reason == "bounced";
  absl::Status s = Route(cause, c, std::move(spec));
  if (s.ok()) ++(bounced ? stats_.bounced : stats_.rerouted);
  return s;
}

absl::Status RoutingService::OnFeedback(const v1::Envelope& cause,
                                        const v1::CitizenFeedback& fb) {
  if (fb.case_id().empty()) return absl::InvalidArgumentError("feedback without case_id");
  switch (fb.kind()) {
    case v1::FEEDBACK_KIND_REOPEN:
      if (fb.rating() != 0) return absl::InvalidArgumentError("REOPEN feedback carries no rating");
      break;
    case v1::FEEDBACK_KIND_RATE:
      if (fb.rating() < 1 || fb.rating() > 5) {
        return absl::InvalidArgumentError("RATE feedback needs a rating from 1 to 5");
      }
      break;
    case v1::FEEDBACK_KIND_CONFIRM:
      if (fb.rating() < 0 || fb.rating() > 5) {
        return absl::InvalidArgumentError("a rating must be from 1 to 5");
      }
      break;
    default:
      return absl::InvalidArgumentError("feedback without a kind");
  }
  auto got = cases_.Get(fb.case_id());
  if (!got.ok()) return got.status();
  if (!got->has_value() || (*got)->status != "resolved") {
    // Legitimate races: the resolution is not here yet, the case was already reopened or
    // closed, or this very feedback was handled before a redelivery.
    ++stats_.feedback_ignored_not_resolved;
    common::LogInfo("feedback on a case that is not resolved, ignored",
                    {{"case_id", fb.case_id()},
                     {"kind", v1::FeedbackKind_Name(fb.kind())},
                     {"case_status", got->has_value() ? (*got)->status : std::string("unknown")},
                     {"event_id", cause.event_id()}});
    return absl::OkStatus();
  }
  const CaseState& state = **got;
  if (state.snapshot.citizen_key() != fb.citizen_key()) {
    return absl::InvalidArgumentError("feedback citizen_key does not match the case's");
  }
  if (fb.kind() != v1::FEEDBACK_KIND_REOPEN) {
    v1::Case c = state.snapshot;
    if (fb.rating() > 0) c.set_satisfaction(fb.rating());
    absl::Status s = Close(cause, fb.case_id(), std::move(c), "confirmed by citizen");
    if (s.ok()) ++stats_.feedback_closed;
    return s;
  }

  // Back to the owner that resolved it, as a new task (attempt + 1).
  auto r = rules();
  const catalogue::OwnerDef* owner = r->FindOwner(state.unit_id);
  if (owner == nullptr) owner = r->FindOwner(r->default_owner());  // the unit left the rules
  const absl::Time now = clock_.Now();
  v1::Case c = state.snapshot;
  c.clear_resolution_code();
  c.clear_resolution_text();
  c.set_status(v1::CASE_STATUS_REOPENED);
  events::EnvelopeMeta meta = MetaFor(cause, "reopened", fb.case_id(), now);
  auto* h = c.add_history();
  h->set_status(v1::CASE_STATUS_REOPENED);
  *h->mutable_at() = common::ToProto(now);
  h->set_actor("citizen");
  h->set_reason("reopened by the citizen");
  h->set_event_id(meta.event_id);

  v1::Envelope reopened_env = events::NewEnvelope(meta);
  auto* reopened = reopened_env.mutable_case_reopened();
  *reopened->mutable_case_() = c;
  reopened->set_reopen_count(state.reopen_count + 1);
  reopened->set_reason(fb.comment());
  reopened->set_feedback_event_id(cause.event_id());
  events::StampType(reopened_env);

  RouteSpec spec;
  spec.attempt = state.attempt + 1;
  spec.forced_owner = owner;
  spec.rule_id = "reopen";
  spec.reason = "reopened";
  spec.bounces = CountBounces(c);
  spec.deadline_from = cause.has_occurred_at() ? common::FromProto(cause.occurred_at()) : now;
  spec.also.push_back({topics_.RoutingDecisions(), fb.case_id(), std::move(reopened_env)});
  std::string task_id;
  if (auto s = Route(cause, c, std::move(spec), &task_id); !s.ok()) return s;
  ++stats_.feedback_reopened;
  common::LogInfo("case reopened by the citizen",
                  {{"case_id", fb.case_id()}, {"unit", owner->id}, {"task_id", task_id},
                   {"attempt", state.attempt + 1}});
  return cases_.Reopened(fb.case_id(), state.attempt + 1, owner->id, task_id);
}

}  // namespace teksin::routing
