// Repeat and duplicate detection state: the open cases intake registered (by citizen and
// category, and by place per category) and the link decision taken for each contact, so that a
// redelivered contact gets the same answer. Redis in production (redis_link_store.h), in memory
// for unit tests. Times are Unix microseconds.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace teksin::intake {

struct OpenCase {
  std::string case_id, tracking_code, citizen_key, category;
  bool has_coordinates = false;
  double lat = 0, lon = 0;
  int64_t registered_us = 0;  // for the duplicate window (reset when the case is reopened)
};

enum class LinkKind { kNone, kRepeat, kDuplicate };

// What intake decided for one contact. kNone: register a case of its own.
struct LinkDecision {
  LinkKind kind = LinkKind::kNone;
  std::string case_id, tracking_code;  // the open case the contact joins
  double distance_m = 0;               // duplicates only
  bool operator==(const LinkDecision&) const = default;
};

struct NearbyOpen {
  OpenCase open;
  double distance_m = 0;
};

// Everything intake needs to decide one contact and record the decision (ADR 0013), in one call
// so that a store can do it in one round trip (ADR 0024).
struct DecideRequest {
  std::string contact;   // the contact's event id: the decision is recorded under it
  std::string case_id;   // the contact's own case, never linked to itself
  std::string category;
  std::string citizen_key;  // empty: no repeat search
  bool search_repeat = false;  // the citizen's open case of the category
  bool search_place = false;   // an open case of the category near the point
  double lat = 0, lon = 0, radius_m = 0;
  int64_t since_us = 0;        // the duplicate window's start
  absl::Duration ttl;          // how long the decision is kept
  // Indexed as open (AddOpen) when the recorded decision is kNone: the case is registered.
  std::optional<OpenCase> register_open;
};

class LinkStore {
 public:
  virtual ~LinkStore() = default;
  // The decision recorded for a contact (its event id), if any.
  virtual absl::StatusOr<std::optional<LinkDecision>> GetDecision(const std::string& contact) = 0;
  // Records the decision unless one is recorded already; returns the recorded one (the first
  // writer wins, so two deliveries racing still agree). Kept for `ttl`.
  virtual absl::StatusOr<LinkDecision> PutDecision(const std::string& contact,
                                                   const LinkDecision& decision,
                                                   absl::Duration ttl) = 0;
  // The citizen's earliest registered open case of the category.
  virtual absl::StatusOr<std::optional<OpenCase>> OpenOfCitizen(const std::string& citizen_key,
                                                                const std::string& category) = 0;
  // The earliest registered open case of the category within radius_m of the point, registered
  // at or after since_us (older entries leave the place index: trimmed by time).
  virtual absl::StatusOr<std::optional<NearbyOpen>> FirstOpenNear(const std::string& category,
                                                                  double lat, double lon,
                                                                  double radius_m,
                                                                  int64_t since_us) = 0;
  // Indexes a registered case as open; nothing when it was closed already (a replay after the
  // close) or is indexed already.
  virtual absl::Status AddOpen(const OpenCase& open) = 0;
  // The recorded decision for the contact if there is one; otherwise decides (repeat first, then
  // duplicate: the earliest open case in the radius and window; never the contact's own case)
  // and records it. When the decision is kNone, indexes register_open. The default composes the
  // calls above; RedisLinkStore does it all in one script.
  virtual absl::StatusOr<LinkDecision> DecideAndRecord(const DecideRequest& request);
  // DecideAndRecord for each request, in order (a later one sees what an earlier one recorded and
  // indexed). RedisLinkStore sends the scripts in one pipeline. Failing, some may have been
  // recorded: deciding them again gives the same answers.
  virtual absl::StatusOr<std::vector<LinkDecision>> DecideAndRecordMany(
      const std::vector<DecideRequest>& requests);
  // Resolved or closed: out of the open indexes, remembered as closed.
  virtual absl::Status Close(const std::string& case_id) = 0;
  // Reopened: back into the open indexes (place index with registered_us = at_us); nothing when
  // intake never indexed the case.
  virtual absl::Status Reopen(const std::string& case_id, int64_t at_us) = 0;
};

// Great-circle distance as Redis GEO computes it (haversine, Earth radius 6372797.560856 m).
double GeoDistanceMeters(double lat1, double lon1, double lat2, double lon2);

class InMemoryLinkStore : public LinkStore {
 public:
  absl::StatusOr<std::optional<LinkDecision>> GetDecision(const std::string& contact) override;
  absl::StatusOr<LinkDecision> PutDecision(const std::string& contact,
                                           const LinkDecision& decision,
                                           absl::Duration ttl) override;
  absl::StatusOr<std::optional<OpenCase>> OpenOfCitizen(const std::string& citizen_key,
                                                        const std::string& category) override;
  absl::StatusOr<std::optional<NearbyOpen>> FirstOpenNear(const std::string& category, double lat,
                                                          double lon, double radius_m,
                                                          int64_t since_us) override;
  absl::Status AddOpen(const OpenCase& open) override;
  absl::Status Close(const std::string& case_id) override;
  absl::Status Reopen(const std::string& case_id, int64_t at_us) override;

  size_t decisions() const;

 private:
  struct Stored {
    OpenCase open;
    bool closed = false;
    bool in_place_index = false;
  };
  mutable std::mutex mu_;
  std::map<std::string, LinkDecision> decisions_;
  std::map<std::string, Stored> cases_;
};

}  // namespace teksin::intake
