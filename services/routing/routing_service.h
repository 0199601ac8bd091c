// Routing: decides who owns a registered case (rules as data; low-confidence classifications go
// to the coordination centre's triage), sets priority and deadline, and publishes the task on
// that owner's topic. Handles what the units send back: a resolved task resolves the case; a
// rejected task ("not ours") goes to the unit the staff named, or to the coordination centre, and
// always there once it has bounced more than max_bounces times; a case the coordination centre
// rejects without naming a unit is closed. Citizen feedback on a resolved case reopens it at the
// owner that resolved it, or closes it (ADR 0015).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

#include "calendar/working_calendar.h"
#include "catalogue/catalogue.h"
#include "catalogue/routing_rules.h"
#include "common/time_util.h"
#include "events/events.h"
#include "events/topics.h"
#include "routing/case_state.h"

namespace teksin::routing {

struct RoutingOptions {
  int max_attempts = 10;     // routings of one case; a rejection beyond them closes the case
  int max_bounces = 2;       // unit rejections before the case goes to the coordination centre
  int emergency_hours = 24;  // P1 target when the category's target is not in hours (24/7)
};

// What routing counts, for /metrics (read by app.cc).
struct RoutingStats {
  std::atomic<int64_t> feedback_ignored_not_resolved{0};
  std::atomic<int64_t> feedback_reopened{0};
  std::atomic<int64_t> feedback_closed{0};
  std::atomic<int64_t> triaged{0};
  std::atomic<int64_t> bounced{0};
  std::atomic<int64_t> rerouted{0};
};

class RoutingService : public events::EventHandler {
 public:
  RoutingService(const catalogue::Catalogue& catalogue,
                 std::shared_ptr<const catalogue::RoutingRules> rules,
                 const calendar::WorkingCalendar& calendar, const events::Topics& topics,
                 events::EventPublisher& publisher, const common::Clock& clock,
                 CaseStateStore& cases, RoutingOptions options = {})
      : catalogue_(catalogue), rules_(std::move(rules)), calendar_(calendar), topics_(topics),
        publisher_(publisher), clock_(clock), cases_(cases), options_(options) {}

  absl::Status Handle(const events::ConsumedEvent& event) override;
  // Swaps in newly loaded rules; decisions already made keep the rule id that fired.
  void ReplaceRules(std::shared_ptr<const catalogue::RoutingRules> rules);
  std::shared_ptr<const catalogue::RoutingRules> rules() const;
  const RoutingStats& stats() const { return stats_; }

 private:
  // How one routing is made. Without a forced owner, the rules decide.
  struct RouteSpec {
    int attempt = 1;
    const catalogue::OwnerDef* forced_owner = nullptr;
    std::string rule_id;         // with a forced owner
    std::string reason = "rule";  // CaseRouted.reason
    std::string previous_unit;
    int bounces = 0;
    std::optional<absl::Time> deadline_from;  // default: the case's received_at
    std::vector<events::OutgoingEvent> also;   // published in the same call, after the routing
  };
  absl::Status Route(const v1::Envelope& cause, v1::Case c, RouteSpec spec,
                     std::string* task_id_out = nullptr);
  absl::Status OnRegistered(const v1::Envelope& cause, const v1::CaseRegistered& registered);
  absl::Status OnTaskChanged(const v1::Envelope& cause, const v1::TaskStatusChanged& change);
  absl::Status OnFeedback(const v1::Envelope& cause, const v1::CitizenFeedback& feedback);
  absl::Status Close(const v1::Envelope& cause, const std::string& case_id, v1::Case c,
                     const std::string& reason);

  const catalogue::Catalogue& catalogue_;
  mutable std::mutex mu_;
  std::shared_ptr<const catalogue::RoutingRules> rules_;
  const calendar::WorkingCalendar& calendar_;
  const events::Topics& topics_;
  events::EventPublisher& publisher_;
  const common::Clock& clock_;
  CaseStateStore& cases_;
  RoutingOptions options_;
  RoutingStats stats_;
};

// Whether routing to this owner is a forward to a body outside the metropolitan municipality's
// own departments (district municipality, MESKİ, outside institution).
bool IsForward(v1::OwnerKind kind);

// Unit rejections recorded in the case's history (the workers add one per rejection).
int CountBounces(const v1::Case& c);

}  // namespace teksin::routing
