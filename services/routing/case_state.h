// What routing remembers about a case so that the citizen's feedback can act on it: who resolved
// it (to reopen it there), with which task and attempt, and the case as it was resolved. A read
// model rebuilt from Kafka: routing writes it while handling TaskStatusChanged(RESOLVED) and its
// own closing and reopening decisions; every write is idempotent and never moves a case back to
// an older attempt.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "teksin/v1/case.pb.h"

namespace teksin::routing {

struct CaseState {
  std::string status;  // "resolved", "routed" (reopened, being worked again) or "closed"
  int attempt = 0;     // the attempt of the task that resolved it, or of the reopened task
  std::string unit_id, task_id, resolved_by;
  v1::Case snapshot;   // the case as resolved
  int reopen_count = 0;
};

class CaseStateStore {
 public:
  virtual ~CaseStateStore() = default;
  virtual absl::StatusOr<std::optional<CaseState>> Get(const std::string& case_id) = 0;
  // Ignored when the case is closed or a later attempt is recorded.
  virtual absl::Status Resolved(const std::string& case_id, const CaseState& state) = 0;
  // The case went back to `unit_id` as `attempt`; ignored when closed or not newer.
  virtual absl::Status Reopened(const std::string& case_id, int attempt, const std::string& unit_id,
                                const std::string& task_id) = 0;
  virtual absl::Status Closed(const std::string& case_id) = 0;
};

class InMemoryCaseStateStore : public CaseStateStore {
 public:
  absl::StatusOr<std::optional<CaseState>> Get(const std::string& case_id) override;
  absl::Status Resolved(const std::string& case_id, const CaseState& state) override;
  absl::Status Reopened(const std::string& case_id, int attempt, const std::string& unit_id,
                        const std::string& task_id) override;
  absl::Status Closed(const std::string& case_id) override;

 private:
  std::mutex mu_;
  std::map<std::string, CaseState> cases_;
};

}  // namespace teksin::routing
