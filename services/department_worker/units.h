// The units one department_worker process hosts (ADR 0025): which ones, from the environment,
// and which hosted unit a staff request is for.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/env.h"
#include "department_worker/worker_service.h"

namespace teksin::department_worker {

// DEPARTMENT_WORKER_UNIT (one unit) or DEPARTMENT_WORKER_UNITS (a comma-separated list): exactly
// one of the two. Every problem (both set, neither set, an invalid id, a duplicate, an empty
// list) is recorded on `env` (EnvReader::Reject), so env.Finish() reports it with the rest; the
// result is then meaningless. Otherwise the units in the order given.
std::vector<std::string> HostedUnitsFromEnv(common::EnvReader& env);

// Picks the WorkerService a staff request names by its unit id. The workers are not owned.
class UnitRouter {
 public:
  // A unit may be added once.
  void Add(WorkerService& worker);

  // `unit_id` empty: the only hosted unit, or InvalidArgument listing the hosted units when there
  // are several. A unit this process does not host: NotFound.
  absl::StatusOr<WorkerService*> Pick(const std::string& unit_id) const;

  // The hosted unit ids, sorted.
  std::vector<std::string> units() const;
  size_t size() const { return workers_.size(); }

 private:
  std::map<std::string, WorkerService*> workers_;
};

}  // namespace teksin::department_worker
