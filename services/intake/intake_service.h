// Intake: turns contacts into registered cases, or rejects them with a reason.
#pragma once

#include <string>

#include "catalogue/catalogue.h"
#include "common/time_util.h"
#include "events/events.h"
#include "events/topics.h"
#include "geo/district_locator.h"

namespace teksin::intake {

class IntakeService : public events::EventHandler {
 public:
  IntakeService(const catalogue::Catalogue& catalogue, const geo::DistrictLocator& districts,
                const events::Topics& topics, events::EventPublisher& publisher,
                const common::Clock& clock)
      : catalogue_(catalogue), districts_(districts), topics_(topics), publisher_(publisher),
        clock_(clock) {}

  // One contact event in, at most one case event out. Replaying a contact publishes the same
  // event id again, which every consumer downstream recognises.
  absl::Status Handle(const events::ConsumedEvent& event) override;

 private:
  const catalogue::Catalogue& catalogue_;
  const geo::DistrictLocator& districts_;
  const events::Topics& topics_;
  events::EventPublisher& publisher_;
  const common::Clock& clock_;
};

}  // namespace teksin::intake
