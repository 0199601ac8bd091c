// Deadlines on the real holiday table (deploy/config/holidays-tr.json). Every expected date below
// was worked out by hand from that file; Türkiye is UTC+3, offices close 17:30, 13:00 on eves.
#include "calendar/working_calendar.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/paths.h"
#include "support/status.h"

namespace teksin::calendar {
namespace {

using ::teksin::testing::ConfigFile;
using ::teksin::testing::OrDie;
using ::teksin::testing::TrFormat;
using ::teksin::testing::TrTime;
using ::testing::HasSubstr;

const WorkingCalendar& RealCalendar() {
  static const WorkingCalendar kCalendar =
      OrDie(WorkingCalendar::LoadFile(ConfigFile("holidays-tr.json")), "holidays");
  return kCalendar;
}

Target WorkingDays(int n) { return {Target::Kind::kWorkingDays, n}; }
Target CalendarDays(int n) { return {Target::Kind::kCalendarDays, n}; }
Target Hours(int n) { return {Target::Kind::kHours, n}; }

// Deadlines compared as Mersin wall-clock text, so a failure reads like a calendar.
#define EXPECT_SAME_TIME(actual, expected) EXPECT_EQ(TrFormat(actual), TrFormat(expected))

TEST(WorkingCalendarTest, KurbanBayrami2026IsInTheTable) {
  const auto& cal = RealCalendar();
  EXPECT_TRUE(cal.IsWorkingDay(absl::CivilDay(2026, 5, 25)));   // Monday
  EXPECT_TRUE(cal.IsWorkingDay(absl::CivilDay(2026, 5, 26)));   // arife: a half day, still worked
  for (int d = 27; d <= 30; ++d) EXPECT_FALSE(cal.IsWorkingDay(absl::CivilDay(2026, 5, d))) << d;
  EXPECT_FALSE(cal.IsWorkingDay(absl::CivilDay(2026, 5, 31)));  // Sunday
  EXPECT_TRUE(cal.IsWorkingDay(absl::CivilDay(2026, 6, 1)));    // Monday
}

TEST(WorkingCalendarTest, OfficesCloseAt1730AndAt1300OnAnEve) {
  const auto& cal = RealCalendar();
  EXPECT_SAME_TIME(cal.CloseOf(absl::CivilDay(2026, 5, 25)), TrTime(2026, 5, 25, 17, 30));
  EXPECT_SAME_TIME(cal.CloseOf(absl::CivilDay(2026, 5, 26)), TrTime(2026, 5, 26, 13, 0));
}

// Friday 22 May 2026 + 3 working days: Mon 25 (1), Tue 26 half-day eve (2), Wed 27 - Sat 30
// Kurban Bayramı, Sun 31, Mon 1 June (3) -> Monday 1 June 2026, 17:30.
TEST(WorkingCalendarTest, ThreeWorkingDaysFromTheFridayBeforeKurbanBayrami) {
  absl::Time received = TrTime(2026, 5, 22, 10, 15);
  EXPECT_SAME_TIME(RealCalendar().Deadline(received, WorkingDays(3), LegalBasis::kNone),
                   TrTime(2026, 6, 1, 17, 30));
}

TEST(WorkingCalendarTest, ADeadlineOnTheEveClosesAt1300) {
  absl::Time received = TrTime(2026, 5, 22, 10, 15);
  EXPECT_SAME_TIME(RealCalendar().Deadline(received, WorkingDays(2), LegalBasis::kNone),
                   TrTime(2026, 5, 26, 13, 0));
}

TEST(WorkingCalendarTest, WorkingDaysCountFromTheNextDayEvenAfterHours) {
  // Received Friday evening: Monday is still the first working day.
  EXPECT_SAME_TIME(RealCalendar().AddWorkingDays(TrTime(2026, 6, 5, 23, 0), 1),
                   TrTime(2026, 6, 8, 17, 30));
}

// 30 calendar days from Tuesday 28 April 2026 is Thursday 28 May (Kurban Bayramı 2. gün); the
// holiday lasts to Saturday 30, then Sunday: the limit rolls to Monday 1 June, 17:30.
TEST(WorkingCalendarTest, Law3071CapsAtThirtyDaysRolledPastTheHoliday) {
  absl::Time received = TrTime(2026, 4, 28, 10, 0);
  EXPECT_SAME_TIME(RealCalendar().Deadline(received, CalendarDays(60), LegalBasis::kLaw3071),
                   TrTime(2026, 6, 1, 17, 30));
  EXPECT_SAME_TIME(RealCalendar().Deadline(received, CalendarDays(30), LegalBasis::kLaw3071),
                   TrTime(2026, 6, 1, 17, 30));
}

TEST(WorkingCalendarTest, NoTargetWaitsPastThirtyDaysEvenWithoutLegalBasis) {
  // 40 working days would be 30 June; no petition waits past 30 days (3071 m.7).
  absl::Time received = TrTime(2026, 4, 28, 10, 0);
  EXPECT_SAME_TIME(RealCalendar().Deadline(received, WorkingDays(40), LegalBasis::kNone),
                   TrTime(2026, 6, 1, 17, 30));
}

// Monday 19 October 2026 + 15 working days, skipping Thursday 29 October (Cumhuriyet Bayramı;
// Wednesday 28 is a half-day eve and counts): Tuesday 10 November 2026, 17:30.
TEST(WorkingCalendarTest, Law4982IsFifteenWorkingDays) {
  absl::Time received = TrTime(2026, 10, 19, 11, 0);
  EXPECT_SAME_TIME(RealCalendar().Deadline(received, WorkingDays(15), LegalBasis::kLaw4982),
                   TrTime(2026, 11, 10, 17, 30));
  // A longer target is capped at the legal 15 working days.
  EXPECT_SAME_TIME(RealCalendar().Deadline(received, WorkingDays(20), LegalBasis::kLaw4982),
                   TrTime(2026, 11, 10, 17, 30));
  // A shorter one stands.
  EXPECT_SAME_TIME(RealCalendar().Deadline(received, WorkingDays(5), LegalBasis::kLaw4982),
                   TrTime(2026, 10, 26, 17, 30));
}

TEST(WorkingCalendarTest, RollForwardFromASundayToMondaysClose) {
  EXPECT_SAME_TIME(RealCalendar().RollForward(TrTime(2026, 6, 7, 10, 0)),
                   TrTime(2026, 6, 8, 17, 30));
}

TEST(WorkingCalendarTest, RollForwardFromAHolidayToTheFirstWorkingDay) {
  EXPECT_SAME_TIME(RealCalendar().RollForward(TrTime(2026, 5, 28, 9, 0)),
                   TrTime(2026, 6, 1, 17, 30));
  EXPECT_SAME_TIME(RealCalendar().RollForward(TrTime(2026, 10, 29, 9, 0)),  // Cumhuriyet Bayramı
                   TrTime(2026, 10, 30, 17, 30));
}

TEST(WorkingCalendarTest, RollForwardLeavesAWorkingDayAlone) {
  absl::Time t = TrTime(2026, 6, 3, 20, 0);
  EXPECT_SAME_TIME(RealCalendar().RollForward(t), t);
}

TEST(WorkingCalendarTest, CalendarDayTargetOnASundayRollsToMonday) {
  // agac: 3 calendar days. Thursday 4 June 10:00 + 3 days = Sunday 7 June -> Monday 17:30.
  EXPECT_SAME_TIME(
      RealCalendar().Deadline(TrTime(2026, 6, 4, 10, 0), CalendarDays(3), LegalBasis::kNone),
      TrTime(2026, 6, 8, 17, 30));
}

TEST(WorkingCalendarTest, HourTargetsAreCalendarHoursThroughWeekendsAndHolidays) {
  const auto& cal = RealCalendar();
  // Friday 16:00 + 24 h = Saturday 16:00, not Monday.
  EXPECT_SAME_TIME(cal.Deadline(TrTime(2026, 5, 22, 16, 0), Hours(24), LegalBasis::kNone),
                   TrTime(2026, 5, 23, 16, 0));
  // In the middle of Kurban Bayramı, at night: one hour later.
  EXPECT_SAME_TIME(cal.Deadline(TrTime(2026, 5, 28, 3, 0), Hours(1), LegalBasis::kNone),
                   TrTime(2026, 5, 28, 4, 0));
}

TEST(WorkingCalendarTest, CoversTheYearsOfTheTable) {
  const auto& cal = RealCalendar();
  EXPECT_TRUE(cal.Covers(TrTime(2025, 1, 2, 12)));
  EXPECT_TRUE(cal.Covers(TrTime(2028, 12, 31, 12)));
  EXPECT_FALSE(cal.Covers(TrTime(2029, 1, 1, 12)));
}

TEST(WorkingCalendarLoadTest, RejectsBadFiles) {
  EXPECT_CODE(WorkingCalendar::LoadJson("not json"), absl::StatusCode::kInvalidArgument);
  auto bad_date = WorkingCalendar::LoadJson(R"({"holidays":[{"date":"2026-13-01"}]})");
  EXPECT_CODE(bad_date, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_date.status().message()), HasSubstr("2026-13-01"));
  auto bad_kind =
      WorkingCalendar::LoadJson(R"({"holidays":[{"date":"2026-05-01","kind":"quarter"}]})");
  EXPECT_CODE(bad_kind, absl::StatusCode::kInvalidArgument);
  auto backwards = WorkingCalendar::LoadJson(
      R"({"workday":{"start":"17:00","end":"08:00"},"holidays":[]})");
  EXPECT_CODE(backwards, absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(WorkingCalendar::LoadFile("/nonexistent/holidays.json"),
              absl::StatusCode::kNotFound);
}

TEST(WorkingCalendarLoadTest, WorkdayAndHalfDayAreConfigurable) {
  auto cal = WorkingCalendar::LoadJson(R"({
    "workday": {"start": "08:00", "end": "17:00", "weekdays": [1, 2, 3, 4, 5, 6]},
    "half_day_end": "12:30",
    "holidays": [{"date": "2026-06-05", "kind": "half"}]})");
  ASSERT_OK(cal);
  EXPECT_TRUE(cal->IsWorkingDay(absl::CivilDay(2026, 6, 6)));  // Saturday worked here
  EXPECT_SAME_TIME(cal->CloseOf(absl::CivilDay(2026, 6, 4)), TrTime(2026, 6, 4, 17, 0));
  EXPECT_SAME_TIME(cal->CloseOf(absl::CivilDay(2026, 6, 5)), TrTime(2026, 6, 5, 12, 30));
}

// Regression: administrative leave (idari izin) days close offices like holidays.
TEST(WorkingCalendarLoadTest, AdministrativeLeaveIsNotAWorkingDay) {
  auto cal = WorkingCalendar::LoadJson(R"({
    "administrative_leave": [{"date": "2026-06-01", "name": "idari izin"}],
    "holidays": [{"date": "2026-05-27", "kind": "full"}]})");
  ASSERT_OK(cal);
  EXPECT_FALSE(cal->IsWorkingDay(absl::CivilDay(2026, 6, 1)));
}

}  // namespace
}  // namespace teksin::calendar
