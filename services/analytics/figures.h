// The figures API: sums the day cubes (ADR 0019) over a time range with filters, into totals,
// rates, a time series, breakdowns by every dimension, resolution-time percentiles and rising
// topics. Everything comes from the cubes, which come from event content and event time only, so a
// replay gives the same figures.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "analytics/counts_store.h"
#include "teksin/v1/analytics_service.pb.h"

namespace teksin::analytics {

// Residents per district ("Tarsus") and per neighbourhood ("Tarsus/Kızılmurat"), for rates per
// 10,000 residents.
struct Population {
  std::map<std::string, int64_t> district;
  std::map<std::string, int64_t> neighbourhood;
};

// Reads the 2023 district and neighbourhood population files of shared/data/mersin-population/.
absl::StatusOr<Population> LoadPopulation(const std::string& district_csv,
                                          const std::string& neighbourhood_csv);

struct RisingOptions {
  int recent_days = 1;     // the window that is compared ...
  int baseline_days = 14;  // ... against the days just before it
  double ratio = 3.0;      // flagged when recent >= ratio x max(expected, 1) ...
  int64_t min_reports = 5;  // ... and recent >= min_reports
};

// The longest range one request may ask for.
inline constexpr int kMaxRangeDays = 1100;

class FiguresQuery {
 public:
  FiguresQuery(CountsStore& store, const Population& population, RisingOptions rising)
      : store_(store), population_(population), rising_(rising) {}

  // InvalidArgument for a bad date, range, granularity or filter value.
  absl::StatusOr<v1::Figures> Run(const v1::FiguresRequest& request);

 private:
  CountsStore& store_;
  const Population& population_;
  RisingOptions rising_;
};

// Validates and fills a FiguresRequest from HTTP query parameters (unknown parameters are an
// error, so that a typo does not silently return unfiltered figures).
absl::StatusOr<v1::FiguresRequest> FiguresRequestFromParams(
    const std::multimap<std::string, std::string>& params);

// One CSV table of the figures: "series" or a dimension ("district", "neighbourhood", "category",
// "request_type", "channel", "age_group", "owner"); InvalidArgument for anything else.
absl::StatusOr<std::string> FiguresCsv(const v1::Figures& figures, const std::string& table);

}  // namespace teksin::analytics
