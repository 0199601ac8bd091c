#include "channel_callcenter/case_index.h"

#include <algorithm>
#include <cmath>

namespace teksin::channel_callcenter {

bool IsOpenStatus(v1::CaseStatus s) {
  switch (s) {
    case v1::CASE_STATUS_RESOLVED:
    case v1::CASE_STATUS_REJECTED:
    case v1::CASE_STATUS_CLOSED:
    case v1::CASE_STATUS_UNSPECIFIED:
      return false;
    default:
      return true;
  }
}

bool IsGeoIndexedStatus(v1::CaseStatus s) {
  return IsOpenStatus(s) && s != v1::CASE_STATUS_RECEIVED;
}

double GeoDistanceMeters(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusM = 6372797.560856;  // Redis geohelper.c
  constexpr double kDeg = M_PI / 180.0;
  double u = std::sin((lat2 - lat1) * kDeg / 2);
  double v = std::sin((lon2 - lon1) * kDeg / 2);
  double a = u * u + std::cos(lat1 * kDeg) * std::cos(lat2 * kDeg) * v * v;
  return 2.0 * kEarthRadiusM * std::asin(std::sqrt(a));
}

void Merge(CaseRecord& s, const CaseUpdate& u) {
  const CaseRecord& r = u.record;
  auto keep = [](std::string& field, const std::string& v) {
    if (field.empty()) field = v;
  };
  keep(s.case_id, r.case_id);
  keep(s.tracking_code, r.tracking_code);
  keep(s.citizen_key, r.citizen_key);
  keep(s.category, r.category);
  if (s.channel == v1::CHANNEL_UNSPECIFIED) s.channel = r.channel;
  if (s.request_type == v1::REQUEST_TYPE_UNSPECIFIED) s.request_type = r.request_type;
  if (!s.has_coordinates && r.has_coordinates) {
    s.has_coordinates = true;
    s.lat = r.lat;
    s.lon = r.lon;
  }
  if (s.received_us == 0) s.received_us = r.received_us;

  const bool first = s.status == v1::CASE_STATUS_UNSPECIFIED;
  if (r.status == v1::CASE_STATUS_RECEIVED && !first) return;
  if (!first && u.at_us < s.updated_us) return;
  if (r.status != v1::CASE_STATUS_UNSPECIFIED) s.status = r.status;
  if (!r.district.empty()) s.district = r.district;
  if (!r.neighbourhood.empty()) s.neighbourhood = r.neighbourhood;
  if (!r.owner_id.empty()) {
    s.owner_id = r.owner_id;
    s.owner_name = r.owner_name;
    s.owner_kind = r.owner_kind;
  }
  if (r.deadline_us != 0) s.deadline_us = r.deadline_us;
  if (IsOpenStatus(s.status)) {
    s.closed_us = 0;
  } else if (s.closed_us == 0 || s.closed_us > u.at_us) {
    s.closed_us = u.at_us;  // the first closing counts
  }
  s.updated_us = u.at_us;
}

absl::Status InMemoryCaseIndex::Apply(const CaseUpdate& update) {
  if (update.record.case_id.empty()) {
    return absl::InvalidArgumentError("case update without a case id");
  }
  std::lock_guard<std::mutex> lock(mu_);
  CaseRecord& stored = cases_[update.record.case_id];
  Merge(stored, update);
  if (!stored.citizen_key.empty()) by_citizen_[stored.citizen_key].insert(stored.case_id);
  // Redis GEO holds latitudes within ±85.05112878° only.
  if (stored.has_coordinates && std::abs(stored.lat) <= 85.05112878 &&
      IsGeoIndexedStatus(stored.status)) {
    geo_.insert(stored.case_id);
  } else {
    geo_.erase(stored.case_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<CaseRecord>> InMemoryCaseIndex::ByCitizen(const std::string& citizen_key,
                                                                     int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CaseRecord> out;
  auto it = by_citizen_.find(citizen_key);
  if (it == by_citizen_.end()) return out;
  for (const auto& id : it->second) out.push_back(cases_.at(id));
  // Newest first; ties by case id descending, as ZREVRANGE orders equal scores.
  std::sort(out.begin(), out.end(), [](const CaseRecord& a, const CaseRecord& b) {
    if (a.received_us != b.received_us) return a.received_us > b.received_us;
    return a.case_id > b.case_id;
  });
  if (static_cast<int>(out.size()) > limit) out.resize(limit);
  return out;
}

absl::StatusOr<std::vector<NearbyCase>> InMemoryCaseIndex::Nearby(double lat, double lon,
                                                                 double radius_m,
                                                                 const std::string& category,
                                                                 int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<NearbyCase> out;
  for (const auto& id : geo_) {
    const CaseRecord& r = cases_.at(id);
    if (!category.empty() && r.category != category) continue;
    double d = GeoDistanceMeters(lat, lon, r.lat, r.lon);
    if (d <= radius_m) out.push_back({r, d});
  }
  std::sort(out.begin(), out.end(),
            [](const NearbyCase& a, const NearbyCase& b) { return a.distance_m < b.distance_m; });
  if (static_cast<int>(out.size()) > limit) out.resize(limit);
  return out;
}

std::optional<CaseRecord> InMemoryCaseIndex::Get(const std::string& case_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cases_.find(case_id);
  if (it == cases_.end()) return std::nullopt;
  return it->second;
}

std::set<std::string> InMemoryCaseIndex::GeoMembers() {
  std::lock_guard<std::mutex> lock(mu_);
  return geo_;
}

}  // namespace teksin::channel_callcenter
