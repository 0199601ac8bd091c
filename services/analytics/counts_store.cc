#include "analytics/counts_store.h"

namespace teksin::analytics {

absl::StatusOr<bool> InMemoryCountsStore::Apply(const std::string& event_id,
                                                const Effects& effects) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!seen_.insert(event_id).second) return false;
  for (const auto& i : effects.increments) figures_[i.hash][i.field] += i.delta;
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

absl::StatusOr<Figures> InMemoryCountsStore::Read() {
  std::lock_guard<std::mutex> lock(mu_);
  return figures_;
}

}  // namespace teksin::analytics
