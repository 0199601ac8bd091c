// The call centre's read model of every case: by citizen key (the caller's history) and by place
// (open cases near a point). Kept current from the case topics; rebuilt by replaying them.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "teksin/v1/case.pb.h"

namespace teksin::channel_callcenter {

// A case as the index holds it. Times are Unix microseconds, 0 when unknown.
struct CaseRecord {
  std::string case_id, tracking_code, citizen_key, category;
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  v1::RequestType request_type = v1::REQUEST_TYPE_UNSPECIFIED;
  bool has_coordinates = false;
  double lat = 0, lon = 0;
  int64_t received_us = 0;
  // Current: replaced only by a later event.
  v1::CaseStatus status = v1::CASE_STATUS_UNSPECIFIED;
  std::string district, neighbourhood;
  std::string owner_id, owner_name;
  v1::OwnerKind owner_kind = v1::OWNER_KIND_UNSPECIFIED;
  int64_t deadline_us = 0;
  int64_t closed_us = 0;
  int64_t updated_us = 0;  // occurred_at of the latest event applied
};

// One event's view of a case. Identity fields (case_id .. received_us) are kept from the first
// event that carries them; status and the other current fields move only forward in time
// (at_us >= the stored updated_us), and empty values never erase known ones. RECEIVED (the
// channel's own first status) never replaces a later status, whatever the clocks say. Applying
// the same update twice changes nothing.
struct CaseUpdate {
  CaseRecord record;  // updated_us and closed_us are derived from at_us
  int64_t at_us = 0;
};

bool IsOpenStatus(v1::CaseStatus s);
// Open and past intake: what the nearby search shows (a received case may still be rejected).
bool IsGeoIndexedStatus(v1::CaseStatus s);

struct NearbyCase {
  CaseRecord record;
  double distance_m = 0;
};

class CaseIndex {
 public:
  virtual ~CaseIndex() = default;
  virtual absl::Status Apply(const CaseUpdate& update) = 0;
  // Apply for each update, in order (Redis: one script call for the whole batch). Applying a
  // batch again changes nothing, so a failed batch is simply retried.
  virtual absl::Status ApplyBatch(const std::vector<CaseUpdate>& updates) {
    for (const auto& u : updates) {
      if (absl::Status s = Apply(u); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  // The citizen's cases, newest received first.
  virtual absl::StatusOr<std::vector<CaseRecord>> ByCitizen(const std::string& citizen_key,
                                                            int limit) = 0;
  // Registered, still open cases with coordinates within radius_m of the point, nearest first;
  // of one category when category is not empty.
  virtual absl::StatusOr<std::vector<NearbyCase>> Nearby(double lat, double lon, double radius_m,
                                                         const std::string& category,
                                                         int limit) = 0;
};

// Great-circle distance as Redis GEO computes it (haversine, Earth radius 6372797.560856 m).
double GeoDistanceMeters(double lat1, double lon1, double lat2, double lon2);

// Applies an update to a stored record with the rules above; the in-memory index and tests use it.
void Merge(CaseRecord& stored, const CaseUpdate& update);

class InMemoryCaseIndex : public CaseIndex {
 public:
  absl::Status Apply(const CaseUpdate& update) override;
  absl::StatusOr<std::vector<CaseRecord>> ByCitizen(const std::string& citizen_key,
                                                    int limit) override;
  absl::StatusOr<std::vector<NearbyCase>> Nearby(double lat, double lon, double radius_m,
                                                 const std::string& category, int limit) override;

  std::optional<CaseRecord> Get(const std::string& case_id);
  // Case ids in the GEO index (all categories), for tests.
  std::set<std::string> GeoMembers();

 private:
  std::mutex mu_;
  std::map<std::string, CaseRecord> cases_;
  std::map<std::string, std::set<std::string>> by_citizen_;
  std::set<std::string> geo_;  // the GEO sets: case ids indexed for the nearby search
};

}  // namespace teksin::channel_callcenter
