// Analytics: consumes every event of the case's life and keeps the figures the mayor's office
// and the coordination centre read: contacts, cases, routings, resolutions, by owner, district,
// category, channel, age group and status, and resolution times.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analytics/batcher.h"
#include "analytics/counts_store.h"
#include "events/events.h"
#include "geo/district_locator.h"
#include "teksin/v1/analytics_service.pb.h"

namespace teksin::analytics {

class AnalyticsService : public events::EventHandler {
 public:
  // `districts` (optional) places a contact that carries coordinates but no district, as intake
  // places cases, so that contacts and cases count under the same district.
  explicit AnalyticsService(CountsStore& store, const geo::DistrictLocator* districts = nullptr)
      : store_(store), districts_(districts) {}

  ~AnalyticsService() override { StopBatching(); }

  // From now on, an event handled inside a consumer's DeferredAcks scope is applied in a batch
  // with others (one store call) and completed asynchronously (ADR 0023); outside a scope (e.g.
  // TEKSIN_KAFKA_MAX_IN_FLIGHT=1) Handle still applies it before returning.
  void StartBatching(BatchOptions options);
  // Applies what is queued and stops batching; call after the consumer stopped.
  void StopBatching();
  const EffectsBatcher* batcher() const { return batcher_.get(); }

  absl::Status Handle(const events::ConsumedEvent& event) override;
  absl::StatusOr<v1::Summary> Summary();

  // What one event changes; empty when it changes nothing (pure, for tests and replay tools).
  static absl::StatusOr<Effects> EffectsOf(const v1::Envelope& envelope,
                                           const geo::DistrictLocator* districts = nullptr);

  int64_t counted() const { return counted_; }
  int64_t duplicates() const { return duplicates_; }

 private:
  CountsStore& store_;
  const geo::DistrictLocator* districts_;
  std::atomic<int64_t> counted_{0}, duplicates_{0};
  std::unique_ptr<EffectsBatcher> batcher_;
};

// The calendar day of `t` in Türkiye (UTC+3, no DST), "YYYY-MM-DD": the day an event counts on.
std::string DayOf(absl::Time t);

// Count, mean and interpolated p50/p90/p99 of a resolution histogram ("b<i>", "count", "sum_ms").
v1::ResolutionTime ResolutionOf(const std::string& key, const std::map<std::string, int64_t>& histogram);

// Upper bounds (seconds) of the resolution-time histogram buckets; the last bucket is open.
const std::vector<double>& ResolutionBuckets();

}  // namespace teksin::analytics
