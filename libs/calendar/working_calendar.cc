#include "calendar/working_calendar.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace teksin::calendar {
namespace {

absl::StatusOr<int> ParseHhMm(const std::string& s) {
  int h = 0, m = 0;
  if (s.size() != 5 || s[2] != ':' || std::sscanf(s.c_str(), "%d:%d", &h, &m) != 2 || h > 23 ||
      m > 59) {
    return absl::InvalidArgumentError(absl::StrCat("bad time of day \"", s, "\" (want HH:MM)"));
  }
  return h * 60 + m;
}

int IsoWeekday(absl::CivilDay d) {
  switch (absl::GetWeekday(d)) {
    case absl::Weekday::monday: return 1;
    case absl::Weekday::tuesday: return 2;
    case absl::Weekday::wednesday: return 3;
    case absl::Weekday::thursday: return 4;
    case absl::Weekday::friday: return 5;
    case absl::Weekday::saturday: return 6;
    case absl::Weekday::sunday: return 7;
  }
  return 1;
}

}  // namespace

absl::StatusOr<WorkingCalendar> WorkingCalendar::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open holiday file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto cal = LoadJson(ss.str());
  if (!cal.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", cal.status().message()));
  }
  return cal;
}

absl::StatusOr<WorkingCalendar> WorkingCalendar::LoadJson(const std::string& text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return absl::InvalidArgumentError("not JSON");
  WorkingCalendar c;
  try {
    int offset = doc.value("timezone_offset_minutes", 180);
    c.zone_ = absl::FixedTimeZone(offset * 60);
    if (doc.contains("workday")) {
      const auto& w = doc["workday"];
      auto start = ParseHhMm(w.value("start", "08:30"));
      auto end = ParseHhMm(w.value("end", "17:30"));
      if (!start.ok()) return start.status();
      if (!end.ok()) return end.status();
      if (*end <= *start) return absl::InvalidArgumentError("workday ends before it starts");
      c.start_minutes_ = *start;
      c.end_minutes_ = *end;
      if (w.contains("weekdays")) {
        c.weekdays_.clear();
        for (int d : w["weekdays"]) {
          if (d < 1 || d > 7) return absl::InvalidArgumentError("weekdays are 1 (Mon) .. 7 (Sun)");
          c.weekdays_.insert(d);
        }
      }
    }
    auto half = ParseHhMm(doc.value("half_day_end", "13:00"));
    if (!half.ok()) return half.status();
    c.half_day_end_minutes_ = *half;
    c.last_covered_ = absl::CivilDay(1970, 1, 1);
    for (const auto& h : doc.at("holidays")) {
      std::string date = h.at("date").get<std::string>();
      absl::CivilDay day;
      if (!absl::ParseCivilTime(date, &day)) {
        return absl::InvalidArgumentError(absl::StrCat("bad holiday date \"", date, "\""));
      }
      std::string kind = h.value("kind", "full");
      if (kind == "full") c.full_holidays_.insert(day);
      else if (kind == "half") c.half_days_.insert(day);
      else return absl::InvalidArgumentError(absl::StrCat("holiday kind must be full|half: ", date));
      c.last_covered_ = std::max(c.last_covered_, absl::CivilDay(absl::CivilYear(day.year()) + 1) - 1);
    }
    // Administrative leave (idari izin) closes public offices like a holiday; it is decided
    // year by year, so it is listed apart from the holidays of Law 2429.
    for (const auto& h : doc.value("administrative_leave", nlohmann::json::array())) {
      std::string date = h.is_string() ? h.get<std::string>() : h.at("date").get<std::string>();
      absl::CivilDay day;
      if (!absl::ParseCivilTime(date, &day)) {
        return absl::InvalidArgumentError(absl::StrCat("bad administrative leave date \"", date, "\""));
      }
      std::string kind = h.is_object() ? h.value("kind", "full") : "full";
      if (kind == "half") c.half_days_.insert(day);
      else c.full_holidays_.insert(day);
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
  return c;
}

bool WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  return weekdays_.count(IsoWeekday(day)) > 0 && full_holidays_.count(day) == 0;
}

absl::Time WorkingCalendar::CloseOf(absl::CivilDay day) const {
  int minutes = half_days_.count(day) ? half_day_end_minutes_ : end_minutes_;
  return absl::FromCivil(absl::CivilMinute(day) + minutes, zone_);
}

absl::Time WorkingCalendar::AddWorkingDays(absl::Time from, int n) const {
  absl::CivilDay day = absl::ToCivilDay(from, zone_);
  int counted = 0;
  while (counted < n) {
    day += 1;
    if (IsWorkingDay(day)) ++counted;
  }
  return CloseOf(day);
}

absl::Time WorkingCalendar::RollForward(absl::Time t) const {
  absl::CivilDay day = absl::ToCivilDay(t, zone_);
  if (IsWorkingDay(day)) return t;
  while (!IsWorkingDay(day)) day += 1;
  return CloseOf(day);
}

absl::Time WorkingCalendar::Deadline(absl::Time received, const Target& target,
                                     LegalBasis basis) const {
  absl::Time due;
  switch (target.kind) {
    case Target::Kind::kHours:
      due = received + absl::Hours(target.value);  // operational SLA: 24/7, calendar hours
      break;
    case Target::Kind::kWorkingDays:
      due = AddWorkingDays(received, target.value);
      break;
    case Target::Kind::kCalendarDays:
      due = RollForward(received + absl::Hours(24 * target.value));
      break;
  }
  absl::Time cap = absl::InfiniteFuture();
  if (basis == LegalBasis::kLaw3071) cap = RollForward(received + absl::Hours(24 * 30));
  if (basis == LegalBasis::kLaw4982) cap = AddWorkingDays(received, 15);
  // Whatever the target, no petition waits past 30 days (3071 m.7).
  cap = std::min(cap, RollForward(received + absl::Hours(24 * 30)));
  return std::min(due, cap);
}

bool WorkingCalendar::Covers(absl::Time t) const {
  return absl::ToCivilDay(t, zone_) <= last_covered_;
}

}  // namespace teksin::calendar
