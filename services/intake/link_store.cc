#include "intake/link_store.h"

#include <cmath>

namespace teksin::intake {

double GeoDistanceMeters(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadius = 6372797.560856;
  constexpr double kRad = M_PI / 180.0;
  const double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) *
                       std::sin(dlon / 2);
  return 2 * kEarthRadius * std::asin(std::sqrt(a));
}

absl::StatusOr<LinkDecision> LinkStore::DecideAndRecord(const DecideRequest& r) {
  LinkDecision link;
  auto stored = GetDecision(r.contact);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    link = **stored;
  } else {
    LinkDecision decided;
    if (r.search_repeat && !r.citizen_key.empty()) {
      auto mine = OpenOfCitizen(r.citizen_key, r.category);
      if (!mine.ok()) return mine.status();
      if (mine->has_value() && (*mine)->case_id != r.case_id) {
        decided = {LinkKind::kRepeat, (*mine)->case_id, (*mine)->tracking_code, 0};
      }
    }
    if (decided.kind == LinkKind::kNone && r.search_place) {
      auto near = FirstOpenNear(r.category, r.lat, r.lon, r.radius_m, r.since_us);
      if (!near.ok()) return near.status();
      if (near->has_value() && (*near)->open.case_id != r.case_id) {
        decided = {LinkKind::kDuplicate, (*near)->open.case_id, (*near)->open.tracking_code,
                   (*near)->distance_m};
      }
    }
    auto recorded = PutDecision(r.contact, decided, r.ttl);
    if (!recorded.ok()) return recorded.status();
    link = *recorded;
  }
  if (link.kind == LinkKind::kNone && r.register_open) {
    if (auto s = AddOpen(*r.register_open); !s.ok()) return s;
  }
  return link;
}

absl::StatusOr<std::vector<LinkDecision>> LinkStore::DecideAndRecordMany(
    const std::vector<DecideRequest>& requests) {
  std::vector<LinkDecision> out;
  out.reserve(requests.size());
  for (const auto& r : requests) {
    auto d = DecideAndRecord(r);
    if (!d.ok()) return d.status();
    out.push_back(std::move(*d));
  }
  return out;
}

absl::StatusOr<std::optional<LinkDecision>> InMemoryLinkStore::GetDecision(
    const std::string& contact) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = decisions_.find(contact);
  if (it == decisions_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<LinkDecision> InMemoryLinkStore::PutDecision(const std::string& contact,
                                                            const LinkDecision& decision,
                                                            absl::Duration) {
  std::lock_guard<std::mutex> lock(mu_);
  return decisions_.emplace(contact, decision).first->second;
}

absl::StatusOr<std::optional<OpenCase>> InMemoryLinkStore::OpenOfCitizen(
    const std::string& citizen_key, const std::string& category) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<OpenCase> best;
  for (const auto& [id, s] : cases_) {
    if (s.closed || s.open.citizen_key != citizen_key || s.open.category != category) continue;
    if (!best || s.open.registered_us < best->registered_us) best = s.open;
  }
  return best;
}

absl::StatusOr<std::optional<NearbyOpen>> InMemoryLinkStore::FirstOpenNear(
    const std::string& category, double lat, double lon, double radius_m, int64_t since_us) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<NearbyOpen> best;
  for (auto& [id, s] : cases_) {
    if (!s.in_place_index || s.open.category != category) continue;
    if (s.open.registered_us < since_us) {
      s.in_place_index = false;  // trimmed, as the Redis store does
      continue;
    }
    const double d = GeoDistanceMeters(lat, lon, s.open.lat, s.open.lon);
    if (d > radius_m) continue;
    if (!best || s.open.registered_us < best->open.registered_us) best = NearbyOpen{s.open, d};
  }
  return best;
}

absl::Status InMemoryLinkStore::AddOpen(const OpenCase& open) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = cases_.emplace(open.case_id, Stored{open, false, open.has_coordinates});
  (void)it;
  (void)inserted;  // present already (open or closed): nothing changes
  return absl::OkStatus();
}

absl::Status InMemoryLinkStore::Close(const std::string& case_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stored& s = cases_[case_id];
  if (s.open.case_id.empty()) s.open.case_id = case_id;
  s.closed = true;
  s.in_place_index = false;
  return absl::OkStatus();
}

absl::Status InMemoryLinkStore::Reopen(const std::string& case_id, int64_t at_us) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cases_.find(case_id);
  if (it == cases_.end() || it->second.open.citizen_key.empty()) return absl::OkStatus();
  it->second.closed = false;
  it->second.open.registered_us = at_us;
  it->second.in_place_index = it->second.open.has_coordinates;
  return absl::OkStatus();
}

size_t InMemoryLinkStore::decisions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return decisions_.size();
}

}  // namespace teksin::intake
