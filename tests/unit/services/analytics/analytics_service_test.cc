// Analytics with the in-memory counts store: the figures the mayor's office reads after a
// realistic life of a case, replays, reroutes and out-of-order delivery.
#include "analytics/analytics_service.h"

#include <string>
#include <vector>

#include "analytics/counts_store.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/envelopes.h"
#include "support/paths.h"
#include "support/status.h"

namespace teksin::analytics {
namespace {

using ::teksin::testing::CaseRegisteredEnv;
using ::teksin::testing::CaseResolvedEnv;
using ::teksin::testing::CaseRoutedEnv;
using ::teksin::testing::Consumed;
using ::teksin::testing::ContactReceivedEnv;
using ::teksin::testing::RegisteredCase;
using ::teksin::testing::SetOwner;
using ::teksin::testing::TaskChange;
using ::teksin::testing::TaskStatusChangedEnv;
using ::teksin::testing::TrTime;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

const v1::DimensionCount* Row(const google::protobuf::RepeatedPtrField<v1::DimensionCount>& rows,
                              const std::string& key) {
  for (const auto& r : rows) {
    if (r.key() == key) return &r;
  }
  return nullptr;
}

class AnalyticsServiceTest : public ::testing::Test {
 protected:
  AnalyticsServiceTest() {
    case_ = RegisteredCase("case-1", "yol-ana-arter", "Akdeniz", t0_);
    routed_case_ = case_;
    SetOwner(routed_case_, "yol-yapim", v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
  }

  // A pothole reported in Akdeniz from the app, routed to Yol Yapım, claimed and repaired two
  // hours after the citizen reported it.
  std::vector<v1::Envelope> LifeOfACase() {
    TaskChange claim;
    claim.task_id = "task-1";
    claim.unit_id = "yol-yapim";
    claim.status = v1::TASK_STATUS_CLAIMED;
    return {ContactReceivedEnv("contact-1", t0_, case_),
            CaseRegisteredEnv("registered-1", t0_ + absl::Seconds(1), case_),
            CaseRoutedEnv("routed-1", t0_ + absl::Seconds(2), routed_case_, "task-1", 1, false),
            TaskStatusChangedEnv("claimed-1", t0_ + absl::Hours(1), routed_case_, claim),
            CaseResolvedEnv("resolved-1", t0_ + absl::Hours(2), routed_case_, "task-1")};
  }
  void Feed(const std::vector<v1::Envelope>& events) {
    for (const auto& e : events) ASSERT_OK(service_.Handle(Consumed("any-topic", e)));
  }
  v1::Summary Summary() {
    auto s = service_.Summary();
    EXPECT_OK(s);
    return s.ok() ? *s : v1::Summary();
  }

  absl::Time t0_ = TrTime(2026, 5, 22, 10, 0);
  v1::Case case_, routed_case_;
  InMemoryCountsStore store_;
  AnalyticsService service_{store_};
};

TEST_F(AnalyticsServiceTest, LifeOfACaseInFigures) {
  Feed(LifeOfACase());
  v1::Summary s = Summary();
  EXPECT_EQ(s.contacts(), 1);
  EXPECT_EQ(s.cases_registered(), 1);
  EXPECT_EQ(s.cases_rejected(), 0);
  EXPECT_EQ(s.cases_routed(), 1);
  EXPECT_EQ(s.reroutes(), 0);
  EXPECT_EQ(s.forwarded(), 0);
  EXPECT_EQ(s.cases_resolved(), 1);
  EXPECT_EQ(s.events_counted(), 5);

  ASSERT_EQ(s.by_owner_size(), 1);
  EXPECT_EQ(s.by_owner(0).key(), "yol-yapim");
  EXPECT_EQ(s.by_owner(0).routed(), 1);
  EXPECT_EQ(s.by_owner(0).resolved(), 1);

  ASSERT_EQ(s.by_district_size(), 1);
  EXPECT_EQ(s.by_district(0).key(), "Akdeniz");
  EXPECT_EQ(s.by_district(0).cases(), 1);
  EXPECT_EQ(s.by_district(0).routed(), 1);
  EXPECT_EQ(s.by_district(0).resolved(), 1);

  const v1::DimensionCount* app = Row(s.by_channel(), "mobile_app");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->contacts(), 1);
  EXPECT_EQ(app->cases(), 1);
  const v1::DimensionCount* age = Row(s.by_age_group(), "30-44");
  ASSERT_NE(age, nullptr);
  EXPECT_EQ(age->cases(), 1);
  const v1::DimensionCount* cat = Row(s.by_category(), "yol-ana-arter");
  ASSERT_NE(cat, nullptr);
  EXPECT_EQ(cat->resolved(), 1);

  EXPECT_THAT(s.by_status(), UnorderedElementsAre(Pair("resolved", 1)));

  EXPECT_EQ(s.resolution_overall().key(), "all");
  EXPECT_EQ(s.resolution_overall().count(), 1);
  EXPECT_DOUBLE_EQ(s.resolution_overall().mean_seconds(), 7200);
  // One observation in the (1 h, 2 h] bucket: the quantiles are estimated inside it.
  EXPECT_GT(s.resolution_overall().p50_seconds(), 3600);
  EXPECT_LE(s.resolution_overall().p50_seconds(), 7200);
  ASSERT_EQ(s.resolution_by_owner_size(), 1);
  EXPECT_EQ(s.resolution_by_owner(0).key(), "yol-yapim");
  EXPECT_EQ(s.resolution_by_owner(0).count(), 1);
}

TEST_F(AnalyticsServiceTest, ReplayedEventsCountOnce) {
  Feed(LifeOfACase());
  v1::Summary once = Summary();
  Feed(LifeOfACase());
  v1::Summary twice = Summary();
  EXPECT_EQ(twice.SerializeAsString(), once.SerializeAsString());
  EXPECT_EQ(service_.counted(), 5);
  EXPECT_EQ(service_.duplicates(), 5);
}

TEST_F(AnalyticsServiceTest, RerouteCountsForTheOwnerButNotAsANewCase) {
  v1::Case bounced = case_;
  SetOwner(bounced, "koordinasyon", v1::OWNER_KIND_COORDINATION_CENTRE);
  Feed({CaseRegisteredEnv("registered-1", t0_, case_),
        CaseRoutedEnv("routed-1", t0_ + absl::Seconds(1), routed_case_, "task-1", 1, false),
        CaseRoutedEnv("routed-2", t0_ + absl::Hours(3), bounced, "task-2", 2, false, "yol-yapim")});
  v1::Summary s = Summary();
  EXPECT_EQ(s.cases_routed(), 1);
  EXPECT_EQ(s.reroutes(), 1);
  const v1::DimensionCount* first = Row(s.by_owner(), "yol-yapim");
  const v1::DimensionCount* second = Row(s.by_owner(), "koordinasyon");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->routed(), 1);
  EXPECT_EQ(second->routed(), 1);
  // The district counts the case once.
  EXPECT_EQ(Row(s.by_district(), "Akdeniz")->routed(), 1);
  EXPECT_THAT(s.by_status(), UnorderedElementsAre(Pair("routed", 1)));
}

TEST_F(AnalyticsServiceTest, ForwardedRoutingsAreCounted) {
  v1::Case tarsus = RegisteredCase("case-2", "yol-sokak", "Tarsus", t0_);
  SetOwner(tarsus, "ilce-tarsus", v1::OWNER_KIND_DISTRICT_MUNICIPALITY);
  Feed({CaseRoutedEnv("routed-2", t0_, tarsus, "task-2", 1, true)});
  v1::Summary s = Summary();
  EXPECT_EQ(s.forwarded(), 1);
  EXPECT_THAT(s.by_status(), UnorderedElementsAre(Pair("forwarded", 1)));
}

TEST_F(AnalyticsServiceTest, StatusOnlyMovesForwardInTimeWhateverTheArrivalOrder) {
  auto life = LifeOfACase();
  // Resolution first, then the older routing and claim arrive from their own topics.
  Feed({life[4], life[2], life[3], life[1], life[0]});
  v1::Summary s = Summary();
  EXPECT_THAT(s.by_status(), UnorderedElementsAre(Pair("resolved", 1)));
  EXPECT_EQ(s.cases_registered(), 1);
  EXPECT_EQ(s.cases_routed(), 1);
  EXPECT_EQ(s.cases_resolved(), 1);
}

TEST_F(AnalyticsServiceTest, StatusOfEveryCaseIsCounted) {
  v1::Case other = RegisteredCase("case-2", "yol-sokak", "Tarsus", t0_);
  auto life = LifeOfACase();
  Feed({life[1], life[2], CaseRegisteredEnv("registered-2", t0_, other)});
  TaskChange claim;
  claim.unit_id = "yol-yapim";
  Feed({TaskStatusChangedEnv("claimed-1", t0_ + absl::Hours(1), routed_case_, claim)});
  EXPECT_THAT(Summary().by_status(),
              UnorderedElementsAre(Pair("in_progress", 1), Pair("registered", 1)));
}

TEST_F(AnalyticsServiceTest, ContactAnsweredOnTheSpotIsAContactNotACase) {
  Feed({ContactReceivedEnv("contact-9", t0_, case_, v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT)});
  v1::Summary s = Summary();
  EXPECT_EQ(s.contacts(), 1);
  EXPECT_EQ(s.cases_registered(), 0);
  EXPECT_THAT(s.by_status(), IsEmpty());
  EXPECT_EQ(Row(s.by_channel(), "mobile_app")->contacts(), 1);
}

TEST_F(AnalyticsServiceTest, RejectedAndClosedCases) {
  v1::Case adana = RegisteredCase("case-3", "yol-sokak", "", t0_);
  Feed({teksin::testing::CaseRejectedEnv("rejected-3", t0_, adana,
                                          v1::REJECTION_CODE_OUTSIDE_JURISDICTION),
        teksin::testing::CaseClosedEnv("closed-1", t0_ + absl::Hours(5), routed_case_,
                                       "rejected by koordinasyon")});
  v1::Summary s = Summary();
  EXPECT_EQ(s.cases_rejected(), 1);
  EXPECT_EQ(Row(s.by_channel(), "mobile_app")->rejected(), 1);
  EXPECT_THAT(s.by_status(), UnorderedElementsAre(Pair("rejected", 1), Pair("closed", 1)));
}

TEST_F(AnalyticsServiceTest, MeanResolutionTimeOverTwoOwners) {
  v1::Case c2 = RegisteredCase("case-2", "yol-sokak", "Tarsus", t0_);
  SetOwner(c2, "ilce-tarsus", v1::OWNER_KIND_DISTRICT_MUNICIPALITY);
  Feed({CaseResolvedEnv("resolved-1", t0_ + absl::Hours(2), routed_case_, "task-1"),
        CaseResolvedEnv("resolved-2", t0_ + absl::Hours(4), c2, "task-2")});
  v1::Summary s = Summary();
  EXPECT_EQ(s.resolution_overall().count(), 2);
  EXPECT_DOUBLE_EQ(s.resolution_overall().mean_seconds(), 3 * 3600);
  ASSERT_EQ(s.resolution_by_owner_size(), 2);
  EXPECT_EQ(s.resolution_by_owner(0).key(), "ilce-tarsus");
  EXPECT_DOUBLE_EQ(s.resolution_by_owner(0).mean_seconds(), 4 * 3600);
  EXPECT_EQ(s.resolution_by_owner(1).key(), "yol-yapim");
  EXPECT_DOUBLE_EQ(s.resolution_by_owner(1).mean_seconds(), 2 * 3600);
}

TEST_F(AnalyticsServiceTest, EmptyEnvelopeIsAPermanentError) {
  v1::Envelope empty;
  empty.set_event_id("e-1");
  absl::Status s = service_.Handle(Consumed("any-topic", empty));
  EXPECT_TRUE(common::IsPermanent(s)) << s;
  EXPECT_EQ(Summary().events_counted(), 0);
}

TEST_F(AnalyticsServiceTest, TaskAssignmentsCountOnlyAsEvents) {
  Feed({teksin::testing::TaskAssignedEnv("assigned-1", t0_, "task-1", routed_case_)});
  v1::Summary s = Summary();
  EXPECT_EQ(s.events_counted(), 1);
  EXPECT_EQ(s.cases_routed(), 0);
  EXPECT_THAT(s.by_owner(), IsEmpty());
}

}  // namespace
}  // namespace teksin::analytics
