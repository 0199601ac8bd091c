// Building the events services consume, as the upstream service would publish them. Header-only.
#pragma once

#include <string>
#include <utility>

#include "absl/time/time.h"
#include "common/time_util.h"
#include "events/envelope.h"
#include "events/events.h"
#include "teksin/v1/envelope.pb.h"

namespace teksin::testing {

// A case as a channel hands it over: ids, category, text, and where.
inline v1::Case CaseAt(const std::string& case_id, const std::string& category, double lat,
                       double lon, const std::string& text = "Sokağımızda büyük bir çukur var") {
  v1::Case c;
  c.set_case_id(case_id);
  c.set_tracking_code("7KQ2M-X9D4F");
  c.set_channel(v1::CHANNEL_MOBILE_APP);
  c.set_category(category);
  c.set_text(text);
  c.mutable_location()->set_has_coordinates(true);
  c.mutable_location()->set_lat(lat);
  c.mutable_location()->set_lon(lon);
  c.set_status(v1::CASE_STATUS_RECEIVED);
  return c;
}

// A registered case: district known, as intake leaves it.
inline v1::Case RegisteredCase(const std::string& case_id, const std::string& category,
                               const std::string& district, absl::Time received_at) {
  v1::Case c;
  c.set_case_id(case_id);
  c.set_tracking_code("7KQ2M-X9D4F");
  c.set_channel(v1::CHANNEL_MOBILE_APP);
  c.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  c.set_category(category);
  c.set_text("Sokağımızda büyük bir çukur var");
  c.mutable_location()->set_district(district);
  c.set_age_group(v1::AGE_GROUP_30_44);
  *c.mutable_received_at() = common::ToProto(received_at);
  c.set_status(v1::CASE_STATUS_REGISTERED);
  return c;
}

inline void SetOwner(v1::Case& c, const std::string& unit_id, v1::OwnerKind kind,
                     const std::string& name = "") {
  c.mutable_owner()->set_unit_id(unit_id);
  c.mutable_owner()->set_kind(kind);
  c.mutable_owner()->set_name(name.empty() ? unit_id : name);
}

inline v1::Envelope Header(const std::string& event_id, absl::Time at, const std::string& source,
                           const std::string& case_id) {
  events::EnvelopeMeta m;
  m.event_id = event_id;
  m.source = source;
  m.correlation_id = case_id;
  m.partition_key = case_id;
  m.occurred_at = at;
  return events::NewEnvelope(m);
}

inline v1::Envelope Stamped(v1::Envelope e) {
  events::StampType(e);
  return e;
}

inline v1::Envelope ContactReceivedEnv(
    const std::string& event_id, absl::Time at, const v1::Case& c,
    v1::ContactOutcome outcome = v1::CONTACT_OUTCOME_CASE_REQUESTED) {
  v1::Envelope e = Header(event_id, at, "channel_open311", c.case_id());
  auto* contact = e.mutable_contact_received();
  contact->set_contact_id("contact-" + event_id);
  contact->set_channel(c.channel());
  contact->set_outcome(outcome);
  if (outcome == v1::CONTACT_OUTCOME_CASE_REQUESTED) *contact->mutable_requested_case() = c;
  return Stamped(std::move(e));
}

inline v1::Envelope CaseRegisteredEnv(const std::string& event_id, absl::Time at,
                                      const v1::Case& c) {
  v1::Envelope e = Header(event_id, at, "intake", c.case_id());
  *e.mutable_case_registered()->mutable_case_() = c;
  e.mutable_case_registered()->set_contact_id("contact-1");
  return Stamped(std::move(e));
}

inline v1::Envelope CaseRejectedEnv(const std::string& event_id, absl::Time at, const v1::Case& c,
                                    v1::RejectionCode code) {
  v1::Envelope e = Header(event_id, at, "intake", c.case_id());
  auto* r = e.mutable_case_rejected();
  r->set_case_id(c.case_id());
  r->set_tracking_code(c.tracking_code());
  r->set_code(code);
  r->set_reason("rejected by the test");
  r->set_channel(c.channel());
  *r->mutable_case_() = c;
  return Stamped(std::move(e));
}

inline v1::Envelope TaskAssignedEnv(const std::string& event_id, absl::Time at,
                                    const std::string& task_id, const v1::Case& c,
                                    const std::string& rule_id = "R-test", int attempt = 1) {
  v1::Envelope e = Header(event_id, at, "routing", c.case_id());
  auto* t = e.mutable_task_assigned();
  t->set_task_id(task_id);
  *t->mutable_case_() = c;
  t->set_rule_id(rule_id);
  t->set_attempt(attempt);
  t->set_rules_version("test");
  return Stamped(std::move(e));
}

inline v1::Envelope CaseRoutedEnv(const std::string& event_id, absl::Time at, const v1::Case& c,
                                  const std::string& task_id, int attempt, bool forwarded,
                                  const std::string& previous_unit = "") {
  v1::Envelope e = Header(event_id, at, "routing", c.case_id());
  auto* r = e.mutable_case_routed();
  *r->mutable_case_() = c;
  r->mutable_case_()->set_status(forwarded ? v1::CASE_STATUS_FORWARDED : v1::CASE_STATUS_ROUTED);
  r->set_task_id(task_id);
  r->set_rule_id("R-test");
  r->set_attempt(attempt);
  r->set_forwarded(forwarded);
  r->set_previous_unit_id(previous_unit);
  return Stamped(std::move(e));
}

// What a department worker publishes when staff act on a task.
struct TaskChange {
  std::string task_id = "task-1";
  std::string unit_id;
  v1::TaskStatus status = v1::TASK_STATUS_CLAIMED;
  v1::TaskStatus previous = v1::TASK_STATUS_QUEUED;
  int attempt = 1;
  std::string actor = "staff-1";
  std::string reason, resolution_code, resolution_text;
};

inline v1::Envelope TaskStatusChangedEnv(const std::string& event_id, absl::Time at,
                                         const v1::Case& c, const TaskChange& change) {
  v1::Envelope e = Header(event_id, at, "department_worker", c.case_id());
  auto* t = e.mutable_task_status_changed();
  t->set_task_id(change.task_id);
  t->set_case_id(c.case_id());
  t->set_unit_id(change.unit_id);
  t->set_status(change.status);
  t->set_previous(change.previous);
  t->set_actor(change.actor);
  t->set_reason(change.reason);
  t->set_resolution_code(change.resolution_code);
  t->set_resolution_text(change.resolution_text);
  t->set_attempt(change.attempt);
  *t->mutable_case_() = c;
  return Stamped(std::move(e));
}

inline v1::Envelope CaseResolvedEnv(const std::string& event_id, absl::Time at, const v1::Case& c,
                                    const std::string& task_id,
                                    const std::string& resolution_text = "Çukur onarıldı") {
  v1::Envelope e = Header(event_id, at, "routing", c.case_id());
  auto* r = e.mutable_case_resolved();
  *r->mutable_case_() = c;
  r->mutable_case_()->set_status(v1::CASE_STATUS_RESOLVED);
  r->mutable_case_()->set_resolution_code("repaired");
  r->mutable_case_()->set_resolution_text(resolution_text);
  r->set_task_id(task_id);
  *r->mutable_resolved_at() = common::ToProto(at);
  r->set_resolution_code("repaired");
  r->set_resolution_text(resolution_text);
  r->set_resolved_by("staff-1");
  return Stamped(std::move(e));
}

inline v1::Envelope CaseClosedEnv(const std::string& event_id, absl::Time at, const v1::Case& c,
                                  const std::string& reason) {
  v1::Envelope e = Header(event_id, at, "routing", c.case_id());
  auto* r = e.mutable_case_closed();
  r->set_case_id(c.case_id());
  *r->mutable_case_() = c;
  r->mutable_case_()->set_status(v1::CASE_STATUS_CLOSED);
  r->set_reason(reason);
  return Stamped(std::move(e));
}

// The record a consumer hands its handler.
inline events::ConsumedEvent Consumed(const std::string& topic, v1::Envelope envelope) {
  events::ConsumedEvent c;
  c.topic = topic;
  c.key = envelope.partition_key();
  c.envelope = std::move(envelope);
  return c;
}

}  // namespace teksin::testing
