// Analytics: consumes every event of the case's life and keeps the figures the mayor's office
// and the coordination centre read: contacts, cases, routings, resolutions, by owner, district,
// category, channel, age group and status, and resolution times.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "analytics/counts_store.h"
#include "events/events.h"
#include "teksin/v1/analytics_service.pb.h"

namespace teksin::analytics {

class AnalyticsService : public events::EventHandler {
 public:
  explicit AnalyticsService(CountsStore& store) : store_(store) {}

  absl::Status Handle(const events::ConsumedEvent& event) override;
  absl::StatusOr<v1::Summary> Summary();

  // What one event changes; empty when it changes nothing (pure, for tests and replay tools).
  static absl::StatusOr<Effects> EffectsOf(const v1::Envelope& envelope);

  int64_t counted() const { return counted_; }
  int64_t duplicates() const { return duplicates_; }

 private:
  CountsStore& store_;
  std::atomic<int64_t> counted_{0}, duplicates_{0};
};

// Upper bounds (seconds) of the resolution-time histogram buckets; the last bucket is open.
const std::vector<double>& ResolutionBuckets();

}  // namespace teksin::analytics
