// Intake: turns contacts into registered cases, or rejects them with a reason. With the options
// below it also classifies texts that arrive without a category, flags emergencies (and hands
// them off before registering), and links repeats and duplicates to the open case they join.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "catalogue/catalogue.h"
#include "common/time_util.h"
#include "events/envelope.h"
#include "events/events.h"
#include "events/topics.h"
#include "geo/district_locator.h"
#include "intake/case_classifier.h"
#include "intake/contact_batcher.h"
#include "intake/emergency_rules.h"
#include "intake/link_store.h"
#include "metrics/registry.h"

namespace teksin::intake {

struct IntakeOptions {
  // Each optional: without a classifier a case needs its category (as before); without rules no
  // case is an emergency; without a link store nothing is linked.
  const CaseClassifier* classifier = nullptr;
  const EmergencyRules* emergencies = nullptr;
  LinkStore* links = nullptr;
  // With links: inside the consumer's deferred-ack scope, contacts that need a link decision are
  // decided in batches there (one Redis round trip per batch, ADR 0024), and their events are
  // published from its thread. Null: each contact is decided in Handle.
  ContactBatcher* batcher = nullptr;
  // Publishes the EmergencyHandoff; must return only once the broker acknowledged it (in
  // production a publisher that waits even inside the consumer's deferred-ack scope). Null: the
  // main publisher.
  events::EventPublisher* handoff_publisher = nullptr;
  double duplicate_radius_m = 150;
  absl::Duration duplicate_window = absl::Hours(72);
  absl::Duration decision_ttl = absl::Hours(24 * 14);
  // Service codes never linked as duplicates (a person's own need, not a problem at a place).
  std::set<std::string> no_duplicate_categories;
};

// Request types that are never linked: an information request, a suggestion, a wish or thanks
// is answered for its own sake, even when the same citizen sends another.
bool IsLinkable(v1::RequestType t);

// The default of INTAKE_NO_DUPLICATE_CATEGORIES: the catalogue's personal requests.
const char* DefaultNoDuplicateCategories();

class IntakeService : public events::EventHandler {
 public:
  IntakeService(const catalogue::Catalogue& catalogue, const geo::DistrictLocator& districts,
                const events::Topics& topics, events::EventPublisher& publisher,
                const common::Clock& clock)
      : IntakeService(catalogue, districts, topics, publisher, clock, own_registry_, {}) {}
  IntakeService(const catalogue::Catalogue& catalogue, const geo::DistrictLocator& districts,
                const events::Topics& topics, events::EventPublisher& publisher,
                const common::Clock& clock, metrics::Registry& registry, IntakeOptions options);

  // One contact event in, at most one case event out (CaseRegistered, CaseRejected or
  // CaseLinked), preceded by an EmergencyHandoff for an emergency. Replaying a contact publishes
  // the same event ids with the same decision, which every consumer downstream recognises.
  absl::Status Handle(const events::ConsumedEvent& event) override;

 private:
  // What is left to do for a contact once its link decision is known.
  struct Pending {
    v1::Case c;
    events::EnvelopeMeta meta;
    v1::Envelope out;
    std::string contact_id, in_event_id;
    std::optional<ClassifyResult> classified;
    bool triaged = false;
    std::optional<EmergencyMatch> emergency;
    absl::Time now;
  };
  absl::Status Finish(Pending p, const LinkDecision& link);

  const catalogue::Catalogue& catalogue_;
  const geo::DistrictLocator& districts_;
  const events::Topics& topics_;
  events::EventPublisher& publisher_;
  const common::Clock& clock_;
  metrics::Registry own_registry_;
  IntakeOptions options_;
  metrics::Family<metrics::Counter>& predictions_;
  metrics::Family<metrics::Counter>& triaged_;
  metrics::Family<metrics::Histogram>& confidence_;
  metrics::Family<metrics::Counter>& emergencies_;
  metrics::Family<metrics::Counter>& links_;
};

// Keeps the open-case indexes current from <p>.routing.decisions.v1 (its own group,
// <p>.intake.links): CaseResolved and CaseClosed close a case, CaseReopened opens it again.
// Every other payload is ignored.
class OpenCaseTracker : public events::EventHandler {
 public:
  explicit OpenCaseTracker(LinkStore& links) : links_(links) {}
  absl::Status Handle(const events::ConsumedEvent& event) override;

 private:
  LinkStore& links_;
};

}  // namespace teksin::intake
