#include "routing/case_state.h"

namespace teksin::routing {

absl::StatusOr<std::optional<CaseState>> InMemoryCaseStateStore::Get(const std::string& case_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cases_.find(case_id);
  if (it == cases_.end()) return std::nullopt;
  return it->second;
}

absl::Status InMemoryCaseStateStore::Resolved(const std::string& case_id, const CaseState& state) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cases_.find(case_id);
  if (it != cases_.end() && (it->second.status == "closed" || state.attempt < it->second.attempt)) {
    return absl::OkStatus();
  }
  int reopens = it == cases_.end() ? 0 : it->second.reopen_count;
  CaseState& s = cases_[case_id];
  s = state;
  s.status = "resolved";
  s.reopen_count = reopens;
  return absl::OkStatus();
}

absl::Status InMemoryCaseStateStore::Reopened(const std::string& case_id, int attempt,
                                              const std::string& unit_id,
                                              const std::string& task_id) {
  std::lock_guard<std::mutex> lock(mu_);
  CaseState& s = cases_[case_id];
  if (s.status == "closed" || attempt <= s.attempt) return absl::OkStatus();
  s.status = "routed";
  s.attempt = attempt;
  s.unit_id = unit_id;
  s.task_id = task_id;
  ++s.reopen_count;
  return absl::OkStatus();
}

absl::Status InMemoryCaseStateStore::Closed(const std::string& case_id) {
  std::lock_guard<std::mutex> lock(mu_);
  cases_[case_id].status = "closed";
  return absl::OkStatus();
}

}  // namespace teksin::routing
