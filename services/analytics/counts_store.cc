#include "analytics/counts_store.h"

namespace teksin::analytics {

absl::StatusOr<bool> InMemoryCountsStore::Apply(const std::string& event_id,
                                                const Effects& effects) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!seen_.insert(event_id).second) return false;
  for (const auto& i : effects.increments) {
    if (i.hash.rfind(kCubePrefix, 0) == 0) {
      cubes_[i.hash.substr(sizeof(kCubePrefix) - 1)][i.field] += i.delta;
    } else {
      figures_[i.hash][i.field] += i.delta;
    }
  }
  if (effects.status) {
    auto& cur = case_status_[effects.status->case_id];
    if (effects.status->at_us >= cur.second) {
      if (!cur.first.empty()) figures_["status"][cur.first] -= 1;
      figures_["status"][effects.status->status] += 1;
      cur = {effects.status->status, effects.status->at_us};
    }
  }
  return true;
}

absl::StatusOr<std::vector<bool>> CountsStore::ApplyBatch(const std::vector<EventEffects>& batch) {
  std::vector<bool> out;
  out.reserve(batch.size());
  for (const auto& e : batch) {
    auto applied = Apply(e.event_id, e.effects);
    if (!applied.ok()) return applied.status();
    out.push_back(*applied);
  }
  return out;
}

absl::StatusOr<Figures> InMemoryCountsStore::Read() {
  std::lock_guard<std::mutex> lock(mu_);
  return figures_;
}

absl::StatusOr<std::vector<std::string>> InMemoryCountsStore::Days() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [day, cube] : cubes_) out.push_back(day);
  return out;
}

absl::StatusOr<std::map<std::string, DayCube>> InMemoryCountsStore::ReadDays(
    const std::vector<std::string>& days) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, DayCube> out;
  for (const auto& d : days) {
    auto it = cubes_.find(d);
    out[d] = it == cubes_.end() ? DayCube{} : it->second;
  }
  return out;
}

}  // namespace teksin::analytics
