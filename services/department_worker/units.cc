#include "department_worker/units.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "events/topics.h"

namespace teksin::department_worker {
namespace {

constexpr char kUnitVar[] = "DEPARTMENT_WORKER_UNIT";
constexpr char kUnitsVar[] = "DEPARTMENT_WORKER_UNITS";

// A value quoted in an error message, cut so that a pasted file does not flood the log.
std::string Quoted(absl::string_view v) {
  if (v.size() > 70) return absl::StrCat("\"", v.substr(0, 64), "…\"");
  return absl::StrCat("\"", v, "\"");
}

}  // namespace

std::vector<std::string> HostedUnitsFromEnv(common::EnvReader& env) {
  const std::string one = env.String(kUnitVar, "");
  const std::string many = env.String(kUnitsVar, "");
  std::vector<std::string> units;
  if (!one.empty() && !many.empty()) {
    env.Reject(kUnitVar, absl::StrCat("and ", kUnitsVar, " are both set: set exactly one (",
                                      kUnitVar, " for one unit, ", kUnitsVar,
                                      " for a comma-separated list)"));
    return units;
  }
  if (one.empty() && many.empty()) {
    env.Reject(kUnitVar,
               absl::StrCat("(one unit) or ", kUnitsVar,
                            " (a comma-separated list of units) is required; neither is set"));
    return units;
  }
  if (!one.empty()) {
    if (!events::IsValidUnitId(one)) {
      env.Reject(kUnitVar, "must be a unit id like \"meski\" ([a-z0-9-], 1-64 characters)");
    }
    units.push_back(one);
    return units;
  }
  std::set<std::string> seen;
  bool bad = false;
  for (absl::string_view part : absl::StrSplit(many, ',')) {
    std::string unit(absl::StripAsciiWhitespace(part));
    if (!events::IsValidUnitId(unit)) {
      env.Reject(kUnitsVar, absl::StrCat("has ", Quoted(unit),
                                         ", which is not a unit id like \"meski\" ([a-z0-9-], "
                                         "1-64 characters; units separated by commas)"));
      bad = true;
      continue;
    }
    if (!seen.insert(unit).second) {
      env.Reject(kUnitsVar, absl::StrCat("lists ", Quoted(unit), " more than once"));
      bad = true;
      continue;
    }
    units.push_back(unit);
  }
  if (bad) units.clear();
  return units;
}

void UnitRouter::Add(WorkerService& worker) { workers_[worker.unit()] = &worker; }

absl::StatusOr<WorkerService*> UnitRouter::Pick(const std::string& unit_id) const {
  if (unit_id.empty()) {
    if (workers_.size() == 1) return workers_.begin()->second;
    return absl::InvalidArgumentError(
        absl::StrCat("name the unit (unit_id; over HTTP ?unit=): this process hosts several (",
                     absl::StrJoin(units(), ", "), ")"));
  }
  auto it = workers_.find(unit_id);
  if (it == workers_.end()) {
    return absl::NotFoundError(absl::StrCat("unit ", Quoted(unit_id),
                                            " is not hosted here (hosted: ",
                                            absl::StrJoin(units(), ", "), ")"));
  }
  return it->second;
}

std::vector<std::string> UnitRouter::units() const {
  std::vector<std::string> out;
  out.reserve(workers_.size());
  for (const auto& [unit, w] : workers_) out.push_back(unit);
  return out;
}

}  // namespace teksin::department_worker
