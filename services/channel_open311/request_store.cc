#include "channel_open311/request_store.h"

namespace teksin::channel_open311 {

absl::Status InMemoryRequestStore::Upsert(const std::string& id, const RequestView& fixed,
                                          const RequestView& current, int64_t at_us) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& [view, updated] = views_[id];
  for (const auto& [k, v] : fixed) view.emplace(k, v);
  if (at_us >= updated) {
    for (const auto& [k, v] : current) view[k] = v;
    updated = at_us;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RequestView>> InMemoryRequestStore::Get(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = views_.find(id);
  if (it == views_.end()) return std::nullopt;
  return it->second.first;
}

}  // namespace teksin::channel_open311
