#include "channel_open311/request_store.h"

#include <algorithm>

#include "absl/strings/numbers.h"

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

bool Matches(const RequestView& v, const RequestQuery& q) {
  auto get = [&](const char* k) {
    auto it = v.find(k);
    return it == v.end() ? std::string() : it->second;
  };
  if (!q.service_code.empty() && get("service_code") != q.service_code) return false;
  if (!q.status.empty() && get("status") != q.status) return false;
  int64_t at = RequestedUs(v);
  return at >= absl::ToUnixMicros(q.start) && at <= absl::ToUnixMicros(q.end);
}

int64_t RequestedUs(const RequestView& v) {
  auto it = v.find("requested_us");
  int64_t us = 0;
  if (it != v.end()) (void)absl::SimpleAtoi(it->second, &us);
  return us;
}

absl::Status InMemoryRequestStore::AddHistory(const std::string& id, const HistoryEntry& e) {
  std::lock_guard<std::mutex> lock(mu_);
  history_[id].emplace(e.event_id, e);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<HistoryEntry>> InMemoryRequestStore::History(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<HistoryEntry> out;
  for (const auto& [eid, e] : history_[id]) out.push_back(e);
  std::stable_sort(out.begin(), out.end(),
                   [](const HistoryEntry& a, const HistoryEntry& b) { return a.at_us < b.at_us; });
  return out;
}

absl::StatusOr<std::optional<std::string>> InMemoryRequestStore::FindByToken(
    const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, v] : views_) {
    auto it = v.first.find("case_id");
    if (it != v.first.end() && it->second == token) return id;
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<RequestView>> InMemoryRequestStore::Query(const RequestQuery& q) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RequestView> all;
  for (const auto& [id, v] : views_) {
    if (!q.ids.empty() && std::find(q.ids.begin(), q.ids.end(), id) == q.ids.end()) continue;
    if (Matches(v.first, q)) all.push_back(v.first);
  }
  std::stable_sort(all.begin(), all.end(), [](const RequestView& a, const RequestView& b) {
    return RequestedUs(a) > RequestedUs(b);
  });
  std::vector<RequestView> out;
  for (size_t i = q.offset; i < all.size() && out.size() < q.limit; ++i) out.push_back(all[i]);
  return out;
}

}  // namespace teksin::channel_open311
