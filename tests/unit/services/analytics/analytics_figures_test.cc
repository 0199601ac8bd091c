// The figures API over the day cubes (ADR 0019), with the in-memory counts store: new events of
// the case's life, filters and time ranges, rates, percentiles, rising topics, CSV, the bulletin,
// and that the figures depend only on which events were applied, never on their order.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "analytics/analytics_service.h"
#include "analytics/bulletin.h"
#include "analytics/counts_store.h"
#include "analytics/figures.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "support/envelopes.h"
#include "support/paths.h"
#include "support/reference_data.h"
#include "support/status.h"

namespace teksin::analytics {
namespace {

using ::teksin::testing::CaseClosedEnv;
using ::teksin::testing::CaseRegisteredEnv;
using ::teksin::testing::CaseResolvedEnv;
using ::teksin::testing::CaseRoutedEnv;
using ::teksin::testing::Consumed;
using ::teksin::testing::ContactReceivedEnv;
using ::teksin::testing::Header;
using ::teksin::testing::RegisteredCase;
using ::teksin::testing::SetOwner;
using ::teksin::testing::Stamped;
using ::teksin::testing::TrTime;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

const v1::Slice* Find(const google::protobuf::RepeatedPtrField<v1::Slice>& rows, const std::string& key) {
  for (const auto& r : rows) {
    if (r.key() == key) return &r;
  }
  return nullptr;
}

v1::Envelope LinkedEnv(const std::string& id, absl::Time at, const v1::Case& c, v1::LinkKind kind) {
  v1::Envelope e = Header(id, at, "intake", c.case_id());
  auto* l = e.mutable_case_linked();
  l->set_case_id(c.case_id());
  l->set_linked_to_case_id("case-first");
  l->set_kind(kind);
  *l->mutable_case_() = c;
  return Stamped(std::move(e));
}

v1::Envelope ReopenedEnv(const std::string& id, absl::Time at, const v1::Case& c) {
  v1::Envelope e = Header(id, at, "routing", c.case_id());
  *e.mutable_case_reopened()->mutable_case_() = c;
  e.mutable_case_reopened()->set_reopen_count(1);
  return Stamped(std::move(e));
}

v1::Envelope EmergencyEnv(const std::string& id, absl::Time at, const v1::Case& c) {
  v1::Envelope e = Header(id, at, "intake", c.case_id());
  *e.mutable_emergency_handoff()->mutable_case_() = c;
  e.mutable_emergency_handoff()->set_rule("yangın");
  e.mutable_emergency_handoff()->set_handed_to("itfaiye");
  return Stamped(std::move(e));
}

v1::Envelope AlertEnv(const std::string& id, absl::Time at, const v1::Case& c, const std::string& unit,
                      v1::DeadlineAlertKind kind) {
  v1::Envelope e = Header(id, at, "department_worker", c.case_id());
  auto* a = e.mutable_deadline_alert();
  a->set_task_id("task-" + c.case_id());
  a->set_case_id(c.case_id());
  a->set_unit_id(unit);
  a->set_kind(kind);
  *a->mutable_at() = common::ToProto(at);
  *a->mutable_case_() = c;
  return Stamped(std::move(e));
}

v1::Envelope FeedbackEnv(const std::string& id, absl::Time at, const std::string& case_id,
                         v1::FeedbackKind kind, int rating) {
  v1::Envelope e = Header(id, at, "channel_whatsapp", case_id);
  auto* f = e.mutable_citizen_feedback();
  f->set_case_id(case_id);
  f->set_kind(kind);
  f->set_rating(rating);
  f->set_channel(v1::CHANNEL_WHATSAPP);
  f->set_citizen_key("k-1");
  return Stamped(std::move(e));
}

v1::Envelope NoteEnv(const std::string& id, absl::Time at, const std::string& case_id) {
  v1::Envelope e = Header(id, at, "department_worker", case_id);
  e.mutable_task_note_added()->set_case_id(case_id);
  e.mutable_task_note_added()->set_note("ekip yolda");
  return Stamped(std::move(e));
}

v1::Envelope NotificationEnv(const std::string& id, absl::Time at, const std::string& case_id) {
  v1::Envelope e = Header(id, at, "notifier", case_id);
  e.mutable_notification_sent()->set_case_id(case_id);
  e.mutable_notification_sent()->set_status(v1::NOTIFICATION_STATUS_SENT);
  return Stamped(std::move(e));
}

class FiguresTest : public ::testing::Test {
 protected:
  FiguresTest() {
    population_.district = {{"Akdeniz", 260879}, {"Tarsus", 353049}};
    population_.neighbourhood = {{"Tarsus/Kızılmurat", 5000}};
  }

  // A case of `category` in `district` received at `at` (channel: the app).
  v1::Case Case(const std::string& id, const std::string& category, const std::string& district,
                absl::Time at, const std::string& neighbourhood = "") {
    v1::Case c = RegisteredCase(id, category, district, at);
    c.mutable_location()->set_neighbourhood(neighbourhood);
    return c;
  }
  // Contact, registration, routing to `owner` (forwarded when outside) at `at`.
  void Open(const v1::Case& c, absl::Time at, const std::string& owner, bool forwarded = false) {
    v1::Case routed = c;
    SetOwner(routed, owner, forwarded ? v1::OWNER_KIND_EXTERNAL_INSTITUTION : v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
    Feed({ContactReceivedEnv("contact-" + c.case_id(), at, c),
          CaseRegisteredEnv("registered-" + c.case_id(), at + absl::Seconds(1), c),
          CaseRoutedEnv("routed-" + c.case_id(), at + absl::Seconds(2), routed, "task-" + c.case_id(), 1, forwarded)});
  }
  void Resolve(v1::Case c, const std::string& owner, absl::Time at) {
    SetOwner(c, owner, v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
    Feed({CaseResolvedEnv("resolved-" + c.case_id(), at, c, "task-" + c.case_id())});
  }
  void Feed(const std::vector<v1::Envelope>& events) {
    for (const auto& e : events) {
      fed_.push_back(e);
      ASSERT_OK(service_.Handle(Consumed("any-topic", e)));
    }
  }
  v1::Figures Run(v1::FiguresRequest req = {}) {
    auto f = query_.Run(req);
    EXPECT_OK(f);
    return f.ok() ? *f : v1::Figures();
  }

  absl::Time day1_ = TrTime(2026, 5, 20, 10, 0);  // a Wednesday
  Population population_;
  InMemoryCountsStore store_;
  AnalyticsService service_{store_};
  FiguresQuery query_{store_, population_, RisingOptions{}};
  std::vector<v1::Envelope> fed_;
};

TEST_F(FiguresTest, EveryNewEventOfTheCaseLifeIsCountedNotDeadLettered) {
  v1::Case c = Case("case-1", "su-ariza", "Tarsus", day1_);
  Open(c, day1_, "meski");
  v1::Case owned = c;
  SetOwner(owned, "meski", v1::OWNER_KIND_UTILITY);
  Feed({LinkedEnv("linked-1", day1_ + absl::Minutes(5), Case("case-2", "su-ariza", "Tarsus", day1_), v1::LINK_KIND_REPEAT),
        LinkedEnv("linked-2", day1_ + absl::Minutes(6), Case("case-3", "su-ariza", "Tarsus", day1_), v1::LINK_KIND_DUPLICATE),
        EmergencyEnv("emergency-1", day1_, Case("case-4", "su-ariza", "Tarsus", day1_)),
        AlertEnv("alert-1", day1_ + absl::Hours(30), owned, "meski", v1::DEADLINE_ALERT_KIND_WARNING),
        AlertEnv("alert-2", day1_ + absl::Hours(50), owned, "meski", v1::DEADLINE_ALERT_KIND_BREACHED),
        AlertEnv("alert-3", day1_ + absl::Hours(51), owned, "meski", v1::DEADLINE_ALERT_KIND_ESCALATED),
        NoteEnv("note-1", day1_ + absl::Hours(2), "case-1"),
        NotificationEnv("notified-1", day1_ + absl::Hours(2), "case-1")});
  Resolve(c, "meski", day1_ + absl::Hours(52));
  Feed({ReopenedEnv("reopened-1", day1_ + absl::Hours(60), owned),
        FeedbackEnv("feedback-1", day1_ + absl::Hours(70), "case-1", v1::FEEDBACK_KIND_RATE, 4),
        FeedbackEnv("feedback-2", day1_ + absl::Hours(71), "case-9", v1::FEEDBACK_KIND_RATE, 2),
        FeedbackEnv("feedback-3", day1_ + absl::Hours(72), "case-9", v1::FEEDBACK_KIND_CONFIRM, 0),
        CaseClosedEnv("closed-1", day1_ + absl::Hours(72), owned, "confirmed by citizen")});

  auto s = service_.Summary();
  ASSERT_OK(s);
  EXPECT_EQ(s->repeats(), 1);
  EXPECT_EQ(s->duplicates(), 1);
  EXPECT_EQ(s->emergencies(), 1);
  EXPECT_EQ(s->deadline_breaches(), 1);
  EXPECT_EQ(s->cases_reopened(), 1);
  EXPECT_EQ(s->ratings(), 2);
  EXPECT_EQ(s->rating_sum(), 6);
  EXPECT_EQ(s->events_counted(), static_cast<int64_t>(fed_.size()));
  EXPECT_EQ(s->by_status().at("closed"), 1);

  v1::FiguresRequest all;
  all.set_from("2026-05-01");
  all.set_to("2026-05-31");
  v1::Figures f = Run(all);
  const auto& t = f.totals();
  EXPECT_EQ(t.contacts(), 1);
  EXPECT_EQ(t.cases(), 1);
  EXPECT_EQ(t.routed(), 1);
  EXPECT_EQ(t.resolved(), 1);
  EXPECT_EQ(t.repeats(), 1);
  EXPECT_EQ(t.duplicates(), 1);
  EXPECT_EQ(t.emergencies(), 1);
  EXPECT_EQ(t.deadline_warnings(), 1);
  EXPECT_EQ(t.deadline_breaches(), 1);
  EXPECT_EQ(t.escalations(), 1);
  EXPECT_EQ(t.reopened(), 1);
  EXPECT_EQ(t.closed(), 1);
  EXPECT_EQ(t.confirmed(), 1);
  EXPECT_EQ(t.ratings(), 2);
  EXPECT_THAT(f.satisfaction_distribution(), UnorderedElementsAre(Pair(2, 1), Pair(4, 1)));
  EXPECT_DOUBLE_EQ(f.rates().mean_satisfaction(), 3.0);
  EXPECT_DOUBLE_EQ(f.rates().repeat_rate(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(f.rates().duplicate_rate(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(f.rates().reopen_rate(), 1.0);
  const v1::Slice* meski = Find(f.by_owner(), "meski");
  ASSERT_NE(meski, nullptr);
  EXPECT_EQ(meski->m().deadline_breaches(), 1);
  EXPECT_EQ(meski->m().resolved(), 1);
}

TEST_F(FiguresTest, DaysRangesAndFilters) {
  absl::Time day2 = day1_ + absl::Hours(24);
  Open(Case("a1", "su-ariza", "Akdeniz", day1_), day1_, "meski");
  Open(Case("a2", "yol-ana-arter", "Akdeniz", day2), day2, "yol-yapim");
  Open(Case("t1", "su-ariza", "Tarsus", day2, "Kızılmurat"), day2, "meski");
  // 21:30 UTC on day 2 is already day 3 in Türkiye.
  absl::Time late = absl::FromCivil(absl::CivilSecond(2026, 5, 21, 21, 30, 0), absl::UTCTimeZone());
  Open(Case("t2", "elektrik", "Tarsus", late), late, "toroslar-edas", /*forwarded=*/true);

  v1::FiguresRequest req;
  req.set_from("2026-05-20");
  req.set_to("2026-05-22");
  v1::Figures f = Run(req);
  EXPECT_EQ(f.totals().cases(), 4);
  EXPECT_EQ(f.totals().forwarded(), 1);
  ASSERT_EQ(f.series_size(), 3);
  EXPECT_EQ(f.series(0).key(), "2026-05-20");
  EXPECT_EQ(f.series(0).m().cases(), 1);
  EXPECT_EQ(f.series(1).m().cases(), 2);
  EXPECT_EQ(f.series(2).key(), "2026-05-22");
  EXPECT_EQ(f.series(2).m().cases(), 1);
  ASSERT_EQ(f.forwards_by_institution_size(), 1);
  EXPECT_EQ(f.forwards_by_institution(0).key(), "toroslar-edas");

  // Population rates and the neighbourhood of the drill-down.
  const v1::Slice* tarsus = Find(f.by_district(), "Tarsus");
  ASSERT_NE(tarsus, nullptr);
  EXPECT_EQ(tarsus->population(), 353049);
  EXPECT_DOUBLE_EQ(tarsus->cases_per_10k(), 2 * 10000.0 / 353049);
  const v1::Slice* nb = Find(f.by_neighbourhood(), "Tarsus/Kızılmurat");
  ASSERT_NE(nb, nullptr);
  EXPECT_EQ(nb->m().cases(), 1);
  EXPECT_DOUBLE_EQ(nb->cases_per_10k(), 2.0);

  // One day only.
  req.set_from("2026-05-21");
  req.set_to("2026-05-21");
  EXPECT_EQ(Run(req).totals().cases(), 2);

  req.set_from("2026-05-20");
  req.set_to("2026-05-22");
  req.set_district("Akdeniz");
  f = Run(req);
  EXPECT_EQ(f.totals().cases(), 2);
  EXPECT_EQ(f.totals().contacts(), 2);
  req.set_category("su-ariza");
  EXPECT_EQ(Run(req).totals().cases(), 1);
  req.clear_district();
  req.clear_category();
  req.set_channel("call_center");
  EXPECT_EQ(Run(req).totals().cases(), 0);
  req.set_channel("mobile_app");
  EXPECT_EQ(Run(req).totals().cases(), 4);
  // The owner filter matches only measures that have an owner.
  req.clear_channel();
  req.set_owner("meski");
  f = Run(req);
  EXPECT_EQ(f.totals().routed(), 2);
  EXPECT_EQ(f.totals().cases(), 0);

  // Weeks start on Monday; months are calendar months.
  v1::FiguresRequest weekly;
  weekly.set_from("2026-05-20");
  weekly.set_to("2026-06-02");
  weekly.set_granularity("week");
  f = Run(weekly);
  ASSERT_EQ(f.series_size(), 3);
  EXPECT_EQ(f.series(0).key(), "2026-05-18");
  EXPECT_EQ(f.series(0).m().cases(), 4);
  EXPECT_EQ(f.series(2).key(), "2026-06-01");
  weekly.set_granularity("month");
  f = Run(weekly);
  ASSERT_EQ(f.series_size(), 2);
  EXPECT_EQ(f.series(0).key(), "2026-05");

  // Without a range: the 30 days up to the latest day with events.
  f = Run();
  EXPECT_EQ(f.to(), "2026-05-22");
  EXPECT_EQ(f.from(), "2026-04-23");
  EXPECT_EQ(f.totals().cases(), 4);
}

TEST_F(FiguresTest, RatesAndResolutionPercentiles) {
  // Answered on the spot (a contact without a case) counts for the same-day rate.
  v1::Case spot = Case("spot", "bilgi", "Akdeniz", day1_);
  spot.set_channel(v1::CHANNEL_CALL_CENTER);
  Feed({ContactReceivedEnv("contact-spot", day1_, spot, v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT)});
  // Three cases: one resolved within the day and its deadline, one late after 3 days, one open.
  for (const char* id : {"c1", "c2", "c3"}) {
    v1::Case c = Case(id, "su-ariza", "Tarsus", day1_);
    *c.mutable_deadline() = common::ToProto(day1_ + absl::Hours(48));
    Open(c, day1_, "meski");
    if (std::string(id) == "c1") Resolve(c, "meski", day1_ + absl::Hours(2));
    if (std::string(id) == "c2") Resolve(c, "meski", day1_ + absl::Hours(72));
  }
  v1::FiguresRequest req;
  req.set_from("2026-05-20");
  req.set_to("2026-05-31");
  v1::Figures f = Run(req);
  EXPECT_EQ(f.totals().contacts(), 4);
  EXPECT_EQ(f.totals().cases(), 3);
  EXPECT_DOUBLE_EQ(f.rates().contact_to_case(), 0.75);
  EXPECT_EQ(f.totals().resolved_same_day(), 1);
  EXPECT_DOUBLE_EQ(f.rates().same_day_answer_rate(), 2.0 / 4);  // (1 on the spot + 1) / (1 + 3)
  EXPECT_EQ(f.totals().resolved_in_time(), 1);
  EXPECT_EQ(f.totals().resolved_late(), 1);
  EXPECT_DOUBLE_EQ(f.rates().deadline_compliance(), 0.5);
  EXPECT_DOUBLE_EQ(f.rates().mean_days_to_resolve(), (2.0 + 72.0) / 2 / 24);
  ASSERT_EQ(f.resolution_by_owner_size(), 1);
  EXPECT_EQ(f.resolution_by_owner(0).key(), "meski");
  EXPECT_EQ(f.resolution_by_owner(0).count(), 2);
  EXPECT_LE(f.resolution_by_owner(0).p50_seconds(), 2 * 3600);
  EXPECT_GT(f.resolution_by_owner(0).p99_seconds(), 48 * 3600);
  ASSERT_EQ(f.resolution_by_category_size(), 1);
  EXPECT_EQ(f.resolution_by_category(0).key(), "su-ariza");
  EXPECT_EQ(f.resolution_overall().count(), 2);
  // A range that holds only the late resolution.
  req.set_from("2026-05-23");
  f = Run(req);
  EXPECT_EQ(f.totals().resolved(), 1);
  EXPECT_EQ(f.resolution_overall().count(), 1);
}

TEST_F(FiguresTest, AJumpAgainstItsOwnBaselineIsARisingTopic) {
  // Two weeks of one water report a day in Kızılmurat and one road report a day in Akdeniz ...
  for (int d = 0; d < 14; ++d) {
    absl::Time at = day1_ + absl::Hours(24 * d);
    Open(Case(absl::StrCat("w", d), "su-ariza", "Tarsus", at, "Kızılmurat"), at, "meski");
    Open(Case(absl::StrCat("r", d), "yol-ana-arter", "Akdeniz", at), at, "yol-yapim");
  }
  // ... then a water outage: 9 cases and 3 duplicates in one day; roads stay as they were.
  absl::Time outage = day1_ + absl::Hours(24 * 14);
  for (int i = 0; i < 9; ++i) {
    Open(Case(absl::StrCat("o", i), "su-ariza", "Tarsus", outage, "Kızılmurat"), outage, "meski");
  }
  for (int i = 0; i < 3; ++i) {
    Feed({LinkedEnv(absl::StrCat("dup-", i), outage, Case(absl::StrCat("d", i), "su-ariza", "Tarsus", outage, "Kızılmurat"),
                    v1::LINK_KIND_DUPLICATE)});
  }
  Open(Case("r-last", "yol-ana-arter", "Akdeniz", outage), outage, "yol-yapim");
  v1::Figures f = Run();
  EXPECT_EQ(f.to(), "2026-06-03");
  std::vector<std::string> flagged;
  for (const auto& r : f.rising()) flagged.push_back(r.dimension() + ":" + r.key());
  EXPECT_THAT(flagged, UnorderedElementsAre("category:su-ariza", "district:Tarsus",
                                            "neighbourhood:Tarsus/Kızılmurat"));
  const auto& top = f.rising(0);
  EXPECT_EQ(top.recent(), 12);
  EXPECT_DOUBLE_EQ(top.baseline_per_day(), 1.0);  // one a day for the 14 days before
  // The day before the outage nothing was rising.
  v1::FiguresRequest before;
  before.set_to("2026-06-02");
  EXPECT_EQ(Run(before).rising_size(), 0);
}

TEST_F(FiguresTest, FiguresDependOnlyOnTheEventsNotOnTheirOrderOrRedelivery) {
  for (int i = 0; i < 6; ++i) {
    absl::Time at = day1_ + absl::Hours(7 * i);
    v1::Case c = Case(absl::StrCat("c", i), i % 2 ? "su-ariza" : "yol-ana-arter", i % 3 ? "Tarsus" : "Akdeniz", at);
    *c.mutable_deadline() = common::ToProto(at + absl::Hours(30));
    Open(c, at, i % 2 ? "meski" : "yol-yapim");
    if (i % 3 != 2) Resolve(c, i % 2 ? "meski" : "yol-yapim", at + absl::Hours(5 * i + 1));
  }
  Feed({FeedbackEnv("fb", day1_ + absl::Hours(40), "c1", v1::FEEDBACK_KIND_RATE, 5)});
  v1::Figures live = Run();

  std::vector<v1::Envelope> shuffled = fed_;
  std::mt19937 rng(7);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  InMemoryCountsStore other;
  AnalyticsService replay(other);
  for (const auto& e : shuffled) ASSERT_OK(replay.Handle(Consumed("t", e)));
  for (const auto& e : shuffled) ASSERT_OK(replay.Handle(Consumed("t", e)));  // redelivered
  FiguresQuery q(other, population_, RisingOptions{});
  auto rebuilt = q.Run({});
  ASSERT_OK(rebuilt);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*rebuilt, live))
      << rebuilt->ShortDebugString() << "\n" << live.ShortDebugString();
  EXPECT_EQ(replay.duplicates(), static_cast<int64_t>(fed_.size()));
}

TEST_F(FiguresTest, AContactWithOnlyCoordinatesCountsInTheDistrictThePointIsIn) {
  // Open311 contacts carry a point; intake places the case, analytics places the contact the same way.
  InMemoryCountsStore store;
  AnalyticsService placed(store, &::teksin::testing::RealDistricts());
  v1::Case c = ::teksin::testing::CaseAt("case-p", "su-ariza", 36.9180, 34.8950);  // Tarsus centre
  ASSERT_OK(placed.Handle(Consumed("t", ContactReceivedEnv("contact-p", day1_, c))));
  FiguresQuery q(store, population_, RisingOptions{});
  v1::FiguresRequest req;
  req.set_district("Tarsus");
  auto f = q.Run(req);
  ASSERT_OK(f);
  EXPECT_EQ(f->totals().contacts(), 1);
}

TEST_F(FiguresTest, BadFiltersAreRefusedWithAReason) {
  auto expect_bad = [&](v1::FiguresRequest r, const std::string& why) {
    auto f = query_.Run(r);
    ASSERT_FALSE(f.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(f.status()));
    EXPECT_THAT(std::string(f.status().message()), HasSubstr(why));
  };
  v1::FiguresRequest r;
  r.set_from("2026-13-01");
  expect_bad(r, "is not a date");
  r.set_from("20.05.2026");
  expect_bad(r, "is not a date");
  r.set_from("2026-05-22");
  r.set_to("2026-05-20");
  expect_bad(r, "is after");
  r.set_from("2020-01-01");
  r.set_to("2026-01-01");
  expect_bad(r, "longer than");
  v1::FiguresRequest c;
  c.set_channel("fax");
  expect_bad(c, "is not a channel");
  v1::FiguresRequest g;
  g.set_granularity("hour");
  expect_bad(g, "day, week or month");
  v1::FiguresRequest a;
  a.set_age_group("young");
  expect_bad(a, "not an age group");

  auto params = FiguresRequestFromParams({{"distrct", "Tarsus"}});
  ASSERT_FALSE(params.ok());
  EXPECT_THAT(std::string(params.status().message()), HasSubstr("unknown parameter 'distrct'"));
  params = FiguresRequestFromParams({{"district", "Tarsus"}, {"from", "2026-05-01"}});
  ASSERT_OK(params);
  EXPECT_EQ(params->district(), "Tarsus");
  EXPECT_EQ(params->from(), "2026-05-01");
}

TEST_F(FiguresTest, CsvExportAndMonthlyBulletin) {
  Open(Case("a1", "su-ariza", "Akdeniz", day1_), day1_, "meski");
  Open(Case("t1", "su-ariza", "Tarsus", day1_), day1_, "meski");
  Open(Case("t2", "yol-ana-arter", "Tarsus", day1_), day1_, "yol-yapim");
  Resolve(Case("t1", "su-ariza", "Tarsus", day1_), "meski", day1_ + absl::Hours(3));
  v1::FiguresRequest req;
  req.set_from("2026-05-01");
  req.set_to("2026-05-31");
  v1::Figures f = Run(req);

  auto csv = FiguresCsv(f, "district");
  ASSERT_OK(csv);
  std::vector<std::string> lines = absl::StrSplit(*csv, "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], ::testing::StartsWith("district,contacts,answered_on_spot,cases,"));
  EXPECT_THAT(lines[0], ::testing::EndsWith(",population,cases_per_10k"));
  EXPECT_THAT(lines[2], ::testing::StartsWith("Tarsus,2,0,2,"));
  EXPECT_THAT(lines[2], ::testing::EndsWith(",353049,0.06"));
  auto series = FiguresCsv(f, "series");
  ASSERT_OK(series);
  EXPECT_THAT(*series, HasSubstr("2026-05-20,3,0,3,"));
  EXPECT_FALSE(FiguresCsv(f, "weather").ok());

  Labels labels;
  labels.category["su-ariza"] = {"Su arızası", "Water failure"};
  labels.owner["meski"] = {"Mersin Su ve Kanalizasyon İdaresi (MESKİ)", "UTILITY"};
  std::string tr = BulletinHtml("2026-05", f, labels, "tr");
  EXPECT_THAT(tr, HasSubstr("Mayıs 2026"));
  EXPECT_THAT(tr, HasSubstr("Aylık Başvuru Bülteni"));
  EXPECT_THAT(tr, HasSubstr("Su arızası"));
  EXPECT_THAT(tr, HasSubstr("MESKİ"));
  EXPECT_THAT(tr, HasSubstr("<td>Tarsus</td><td>2</td>"));
  EXPECT_THAT(tr, HasSubstr("Aynı gün cevaplama oranı"));
  EXPECT_THAT(tr, HasSubstr("Ortalama çözüm süresi"));
  std::string en = BulletinHtml("2026-05", f, labels, "en");
  EXPECT_THAT(en, HasSubstr("May 2026"));
  EXPECT_THAT(en, HasSubstr("Water failure"));
  EXPECT_THAT(en, HasSubstr("By district"));
}

}  // namespace
}  // namespace teksin::analytics
