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
      return Route(in, in.case_registered().case_(), 1, nullptr, "");
    case v1::Envelope::kTaskStatusChanged:
      return OnTaskChanged(in, in.task_status_changed());
    case v1::Envelope::kCaseRejected:
    case v1::Envelope::kCaseLinked:
      return absl::OkStatus();  // nothing to route
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("routing cannot handle \"", in.event_type(), "\" on ", event.topic));
  }
}

absl::Status RoutingService::Route(const v1::Envelope& cause, v1::Case c, int attempt,
                                   const catalogue::OwnerDef* forced_owner,
                                   const std::string& previous_unit) {
  if (c.case_id().empty()) return absl::InvalidArgumentError("case without case_id");
  auto r = rules();
  catalogue::Decision decision;
  if (forced_owner != nullptr) {
    decision = {*forced_owner, "bounce-to-coordination"};
  } else {
    decision = r->Decide(c.category(), c.location().district());
  }
  const catalogue::OwnerDef& owner = decision.owner;
  const absl::Time now = clock_.Now();

  // Priority and deadline from the catalogue, counted from when the citizen reached us.
  const catalogue::ServiceDef* service = catalogue_.Find(c.category());
  absl::Time received = c.has_received_at() ? common::FromProto(c.received_at()) : now;
  calendar::Target target{calendar::Target::Kind::kWorkingDays, 5};
  calendar::LegalBasis basis = calendar::LegalBasis::kLaw3071;
  int priority = 3;
  if (service != nullptr) {
    target = service->target;
    basis = service->legal_basis;
    priority = service->priority;
  }
  c.set_priority(static_cast<v1::Priority>(priority));
  *c.mutable_deadline() = common::ToProto(calendar_.Deadline(received, target, basis));
  c.mutable_owner()->set_unit_id(owner.id);
  c.mutable_owner()->set_name(owner.name);
  c.mutable_owner()->set_kind(owner.kind);
  bool forwarded = IsForward(owner.kind);
  v1::CaseStatus status = forwarded ? v1::CASE_STATUS_FORWARDED : v1::CASE_STATUS_ROUTED;
  c.set_status(status);

  std::string purpose = absl::StrCat("route-", attempt);
  events::EnvelopeMeta task_meta = MetaFor(cause, purpose + "-task", c.case_id(), now);
  events::EnvelopeMeta decision_meta = MetaFor(cause, purpose + "-decision", c.case_id(), now);
  std::string task_id = common::DerivedId(cause.event_id(), purpose);

  auto* h = c.add_history();
  h->set_status(status);
  *h->mutable_at() = common::ToProto(now);
  h->set_actor("routing");
  h->set_reason(absl::StrCat("rule ", decision.rule_id, " -> ", owner.id));
  h->set_event_id(decision_meta.event_id);

  v1::Envelope task_env = events::NewEnvelope(task_meta);
  auto* task = task_env.mutable_task_assigned();
  task->set_task_id(task_id);
  *task->mutable_case_() = c;
  task->set_rule_id(decision.rule_id);
  task->set_attempt(attempt);
  task->set_rules_version(r->version());
  events::StampType(task_env);

  v1::Envelope decision_env = events::NewEnvelope(decision_meta);
  auto* routed = decision_env.mutable_case_routed();
  *routed->mutable_case_() = c;
  routed->set_task_id(task_id);
  routed->set_rule_id(decision.rule_id);
  routed->set_attempt(attempt);
  routed->set_forwarded(forwarded);
  routed->set_rules_version(r->version());
  routed->set_previous_unit_id(previous_unit);
  events::StampType(decision_env);

  std::vector<events::OutgoingEvent> out;
  out.push_back({topics_.RoutingTasks(owner.id), c.case_id(), std::move(task_env)});
  out.push_back({topics_.RoutingDecisions(), c.case_id(), std::move(decision_env)});
  return publisher_.Publish(std::move(out));
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
    events::StampType(env);
    return publisher_.PublishOne({topics_.RoutingDecisions(), change.case_id(), std::move(env)});
  }
  if (change.status() != v1::TASK_STATUS_REJECTED) return absl::OkStatus();

  auto r = rules();
  const catalogue::OwnerDef* centre = r->FindOwner(r->default_owner());
  int attempt = change.attempt() + 1;
  if (change.unit_id() == r->default_owner() || attempt > options_.max_attempts) {
    // The coordination centre says no municipal unit owns this: the case is closed with the
    // reason, which the citizen is told.
    events::EnvelopeMeta meta = MetaFor(cause, "closed", change.case_id(), now);
    v1::Envelope env = events::NewEnvelope(meta);
    auto* closed = env.mutable_case_closed();
    closed->set_case_id(change.case_id());
    *closed->mutable_case_() = c;
    closed->mutable_case_()->set_status(v1::CASE_STATUS_CLOSED);
    closed->set_reason(absl::StrCat("rejected by ", change.unit_id(), ": ", change.reason()));
    events::StampType(env);
    return publisher_.PublishOne({topics_.RoutingDecisions(), change.case_id(), std::move(env)});
  }
  common::LogInfo("task rejected, routing to the coordination centre",
                  {{"case_id", change.case_id()}, {"unit", change.unit_id()}, {"attempt", attempt}});
  return Route(cause, c, attempt, centre, change.unit_id());
}

}  // namespace teksin::routing
