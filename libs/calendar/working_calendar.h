// Deadlines on Türkiye's working calendar: weekends, public holidays (half-day eves close at
// 13:00), office hours, and the legal limits of Law 3071 (30 days) and Law 4982 (15 working days).
#pragma once

#include <map>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace teksin::calendar {

struct Target {
  enum class Kind { kHours, kWorkingDays, kCalendarDays };
  Kind kind = Kind::kWorkingDays;
  int value = 0;
};

enum class LegalBasis { kNone, kLaw3071, kLaw4982 };

class WorkingCalendar {
 public:
  // Reads deploy/config/holidays-tr.json.
  static absl::StatusOr<WorkingCalendar> LoadFile(const std::string& path);
  static absl::StatusOr<WorkingCalendar> LoadJson(const std::string& text);

  bool IsWorkingDay(absl::CivilDay day) const;
  // Office closing time of a working day (13:00 on a half-day eve).
  absl::Time CloseOf(absl::CivilDay day) const;
  // The end of office hours on the n-th working day after the day of `from` (n >= 1).
  absl::Time AddWorkingDays(absl::Time from, int n) const;
  // A calendar deadline that falls on a non-working day moves to the close of the next working
  // day (the roll-forward courts apply, 2577 m.8).
  absl::Time RollForward(absl::Time t) const;
  // The deadline of a target counted from `received`, never beyond the legal limit.
  absl::Time Deadline(absl::Time received, const Target& target, LegalBasis basis) const;

  const absl::TimeZone& zone() const { return zone_; }
  // False when `t` is past the last year the holiday table covers: deadlines are then computed
  // with weekends only, and the service should warn.
  bool Covers(absl::Time t) const;

 private:
  absl::TimeZone zone_ = absl::FixedTimeZone(3 * 3600);
  int start_minutes_ = 8 * 60 + 30;
  int end_minutes_ = 17 * 60 + 30;
  int half_day_end_minutes_ = 13 * 60;
  std::set<int> weekdays_{1, 2, 3, 4, 5};  // ISO: Monday = 1
  std::set<absl::CivilDay> full_holidays_;
  std::set<absl::CivilDay> half_days_;
  absl::CivilDay last_covered_;
};

}  // namespace teksin::calendar
