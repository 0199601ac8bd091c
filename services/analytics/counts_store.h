// Where analytics keeps its figures. Applying an event is atomic and happens once per event id,
// so a redelivered or replayed event is never counted twice.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace teksin::analytics {

struct Increment {
  std::string hash;   // e.g. "dim:district"; "cube:<YYYY-MM-DD>" for a day's cube (ADR 0019)
  std::string field;  // e.g. "Tarsus|cases"
  int64_t delta = 1;
};

// The case's current status moves only forward in time (events of one case arrive on several
// topics, so their order is not guaranteed).
struct StatusUpdate {
  std::string case_id;
  std::string status;
  int64_t at_us = 0;
};

struct Effects {
  std::vector<Increment> increments;
  std::optional<StatusUpdate> status;
};

// One event's effects, for CountsStore::ApplyBatch.
struct EventEffects {
  std::string event_id;
  Effects effects;
};

using Figures = std::map<std::string, std::map<std::string, int64_t>>;  // hash -> field -> value
// One day's cube: "<measure>|<district>|<neighbourhood>|<category>|<request type>|<channel>|
// <age group>|<owner>" -> count.
using DayCube = std::map<std::string, int64_t>;

inline constexpr char kCubePrefix[] = "cube:";

class CountsStore {
 public:
  virtual ~CountsStore() = default;
  // False when the event id was applied before (nothing changes).
  virtual absl::StatusOr<bool> Apply(const std::string& event_id, const Effects& effects) = 0;
  // Applies the events in order with exactly the result of one Apply each (an id repeated in the
  // batch counts once): element i is false when event i's id was applied before. The default
  // calls Apply per event; RedisCountsStore does the whole batch in one atomic script (ADR 0023).
  virtual absl::StatusOr<std::vector<bool>> ApplyBatch(const std::vector<EventEffects>& batch);
  // Every hash except the day cubes.
  virtual absl::StatusOr<Figures> Read() = 0;
  // The days that have a cube, sorted.
  virtual absl::StatusOr<std::vector<std::string>> Days() = 0;
  // The cubes of these days (a day without events maps to an empty cube).
  virtual absl::StatusOr<std::map<std::string, DayCube>> ReadDays(
      const std::vector<std::string>& days) = 0;
};

class InMemoryCountsStore : public CountsStore {
 public:
  absl::StatusOr<bool> Apply(const std::string& event_id, const Effects& effects) override;
  absl::StatusOr<Figures> Read() override;
  absl::StatusOr<std::vector<std::string>> Days() override;
  absl::StatusOr<std::map<std::string, DayCube>> ReadDays(const std::vector<std::string>& days) override;

 private:
  std::mutex mu_;
  std::set<std::string> seen_;
  Figures figures_;
  std::map<std::string, DayCube> cubes_;
  std::map<std::string, std::pair<std::string, int64_t>> case_status_;
};

}  // namespace teksin::analytics
