// Routing: decides who owns a registered case (rules as data), sets priority and deadline, and
// publishes the task on that owner's topic. Handles what the units send back: a resolved task
// resolves the case; a rejected task ("not ours") goes to the coordination centre, and a case
// the coordination centre itself rejects is closed.
#pragma once

#include <memory>
#include <mutex>

#include "calendar/working_calendar.h"
#include "catalogue/catalogue.h"
#include "catalogue/routing_rules.h"
#include "common/time_util.h"
#include "events/events.h"
#include "events/topics.h"

namespace teksin::routing {

struct RoutingOptions {
  int max_attempts = 3;  // routings of one case; a rejection beyond them closes the case
};

class RoutingService : public events::EventHandler {
 public:
  RoutingService(const catalogue::Catalogue& catalogue,
                 std::shared_ptr<const catalogue::RoutingRules> rules,
                 const calendar::WorkingCalendar& calendar, const events::Topics& topics,
                 events::EventPublisher& publisher, const common::Clock& clock,
                 RoutingOptions options = {})
      : catalogue_(catalogue), rules_(std::move(rules)), calendar_(calendar), topics_(topics),
        publisher_(publisher), clock_(clock), options_(options) {}

  absl::Status Handle(const events::ConsumedEvent& event) override;
  // Swaps in newly loaded rules; decisions already made keep the rule id that fired.
  void ReplaceRules(std::shared_ptr<const catalogue::RoutingRules> rules);

 private:
  absl::Status Route(const v1::Envelope& cause, v1::Case c, int attempt,
                     const catalogue::OwnerDef* forced_owner, const std::string& previous_unit);
  absl::Status OnTaskChanged(const v1::Envelope& cause, const v1::TaskStatusChanged& change);
  std::shared_ptr<const catalogue::RoutingRules> rules() const;

  const catalogue::Catalogue& catalogue_;
  mutable std::mutex mu_;
  std::shared_ptr<const catalogue::RoutingRules> rules_;
  const calendar::WorkingCalendar& calendar_;
  const events::Topics& topics_;
  events::EventPublisher& publisher_;
  const common::Clock& clock_;
  RoutingOptions options_;
};

// Whether routing to this owner is a forward to a body outside the metropolitan municipality's
// own departments (district municipality, MESKİ, outside institution).
bool IsForward(v1::OwnerKind kind);

}  // namespace teksin::routing
