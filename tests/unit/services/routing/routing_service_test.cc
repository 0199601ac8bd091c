// Routing over the real catalogue, rules and holiday table, with a fake clock: who gets the task,
// with which priority and deadline, and what happens when a unit answers.
#include "routing/routing_service.h"

#include <fstream>
#include <memory>
#include <string>

#include "common/status.h"
#include "events/in_memory.h"
#include "events/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "support/envelopes.h"
#include "support/reference_data.h"
#include "support/status.h"

namespace teksin::routing {
namespace {

using ::teksin::testing::CaseRegisteredEnv;
using ::teksin::testing::Consumed;
using ::teksin::testing::RegisteredCase;
using ::teksin::testing::TaskChange;
using ::teksin::testing::TaskStatusChangedEnv;
using ::teksin::testing::TrFormat;
using ::teksin::testing::TrTime;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kCasesTopic[] = "teksin.intake.cases.v1";
constexpr char kUpdatesTopic[] = "teksin.department.updates.v1";
constexpr char kDecisionsTopic[] = "teksin.routing.decisions.v1";

class RoutingServiceTest : public ::testing::Test {
 protected:
  // A case received Friday 22 May 2026 10:00, the last working Friday before Kurban Bayramı.
  absl::Status Register(const std::string& event_id, const v1::Case& c) {
    return service_.Handle(Consumed(kCasesTopic, CaseRegisteredEnv(event_id, clock_.Now(), c)));
  }
  absl::Status TaskChanged(const std::string& event_id, const v1::Case& c, const TaskChange& t) {
    return service_.Handle(Consumed(kUpdatesTopic, TaskStatusChangedEnv(event_id, clock_.Now(), c, t)));
  }
  // The (only) TaskAssigned on a unit's topic and the (only) CaseRouted.
  v1::Envelope TaskOn(const std::string& unit) {
    auto out = publisher_.Published("teksin.routing.tasks." + unit + ".v1");
    EXPECT_THAT(out, SizeIs(1)) << unit;
    return out.empty() ? v1::Envelope() : out.back().envelope;
  }
  v1::Envelope Decision() {
    auto out = publisher_.Published(kDecisionsTopic);
    EXPECT_THAT(out, SizeIs(1));
    return out.empty() ? v1::Envelope() : out.back().envelope;
  }

  absl::Time received_ = TrTime(2026, 5, 22, 10, 0);
  common::FakeClock clock_{TrTime(2026, 5, 22, 10, 0, 5)};
  events::Topics topics_{"teksin"};
  events::InMemoryEventPublisher publisher_;
  RoutingService service_{teksin::testing::RealCatalogue(), teksin::testing::RealRules(),
                          teksin::testing::RealCalendar(), topics_, publisher_, clock_};
};

TEST_F(RoutingServiceTest, ArterialRoadGoesToYolYapimWithAWorkingDayDeadline) {
  ASSERT_OK(Register("reg-1", RegisteredCase("case-1", "yol-ana-arter", "Akdeniz", received_)));
  ASSERT_THAT(publisher_.All(), SizeIs(2));

  auto tasks = publisher_.Published("teksin.routing.tasks.yol-yapim.v1");
  ASSERT_THAT(tasks, SizeIs(1));
  EXPECT_EQ(tasks[0].key, "case-1");
  const v1::Envelope& te = tasks[0].envelope;
  EXPECT_EQ(te.event_type(), "teksin.v1.TaskAssigned");
  EXPECT_EQ(te.causation_id(), "reg-1");
  const v1::TaskAssigned& task = te.task_assigned();
  EXPECT_EQ(task.rule_id(), "R-yol-ana-arter");
  EXPECT_EQ(task.attempt(), 1);
  EXPECT_EQ(task.rules_version(), "2026-11-28.1");
  EXPECT_EQ(task.case_().owner().unit_id(), "yol-yapim");
  EXPECT_EQ(task.case_().owner().kind(), v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
  EXPECT_FALSE(task.case_().owner().name().empty());

  auto decisions = publisher_.Published(kDecisionsTopic);
  ASSERT_THAT(decisions, SizeIs(1));
  EXPECT_EQ(decisions[0].key, "case-1");
  const v1::CaseRouted& routed = decisions[0].envelope.case_routed();
  EXPECT_EQ(decisions[0].envelope.event_type(), "teksin.v1.CaseRouted");
  EXPECT_EQ(routed.task_id(), task.task_id());
  EXPECT_EQ(routed.rule_id(), "R-yol-ana-arter");
  EXPECT_EQ(routed.attempt(), 1);
  EXPECT_FALSE(routed.forwarded());
  EXPECT_EQ(routed.previous_unit_id(), "");
  EXPECT_EQ(routed.case_().owner().unit_id(), "yol-yapim");
  EXPECT_EQ(routed.case_().status(), v1::CASE_STATUS_ROUTED);
  EXPECT_EQ(routed.case_().priority(), v1::PRIORITY_P3);
  // 3 working days from Friday 22 May 2026: Mon 25, Tue 26 (eve), [27-30 Kurban Bayramı],
  // Mon 1 June -> 1 June 2026 17:30 Mersin time.
  EXPECT_EQ(TrFormat(common::FromProto(routed.case_().deadline())),
            TrFormat(TrTime(2026, 6, 1, 17, 30)));
  EXPECT_EQ(routed.case_().deadline().seconds(), task.case_().deadline().seconds());
  EXPECT_NE(te.event_id(), decisions[0].envelope.event_id());
}

TEST_F(RoutingServiceTest, LocalStreetInTarsusIsForwardedToTheDistrictMunicipality) {
  ASSERT_OK(Register("reg-2", RegisteredCase("case-2", "yol-sokak", "Tarsus", received_)));
  v1::Envelope task = TaskOn("ilce-tarsus");
  EXPECT_EQ(task.task_assigned().rule_id(), "R-yol-sokak");
  v1::CaseRouted routed = Decision().case_routed();
  EXPECT_TRUE(routed.forwarded());
  EXPECT_EQ(routed.case_().owner().unit_id(), "ilce-tarsus");
  EXPECT_EQ(routed.case_().owner().kind(), v1::OWNER_KIND_DISTRICT_MUNICIPALITY);
  EXPECT_EQ(routed.case_().status(), v1::CASE_STATUS_FORWARDED);
  // "Forward same day" is a 24-hour target: calendar hours, into the Saturday.
  EXPECT_EQ(TrFormat(common::FromProto(routed.case_().deadline())),
            TrFormat(TrTime(2026, 5, 23, 10, 0)));
}

TEST_F(RoutingServiceTest, ElectricityIsForwardedToTheDistributionCompany) {
  ASSERT_OK(Register("reg-3", RegisteredCase("case-3", "elektrik", "Anamur", received_)));
  TaskOn("toroslar-edas");
  v1::CaseRouted routed = Decision().case_routed();
  EXPECT_TRUE(routed.forwarded());
  EXPECT_EQ(routed.case_().owner().kind(), v1::OWNER_KIND_EXTERNAL_INSTITUTION);
  EXPECT_EQ(routed.case_().priority(), v1::PRIORITY_P2);
}

TEST_F(RoutingServiceTest, EmergencyIsPriorityOneWithAnHourDeadline) {
  ASSERT_OK(Register("reg-4", RegisteredCase("case-4", "yangin", "Mut", received_)));
  v1::Case c = TaskOn("itfaiye").task_assigned().case_();
  EXPECT_EQ(c.priority(), v1::PRIORITY_P1);
  EXPECT_EQ(common::FromProto(c.deadline()), received_ + absl::Hours(1));
}

// MESKİ is a separate legal entity: a case sent there is a tracked forward (3071 m.5).
TEST_F(RoutingServiceTest, WaterFaultIsATrackedForwardToMeski) {
  ASSERT_OK(Register("reg-5", RegisteredCase("case-5", "su-ariza", "Mezitli", received_)));
  TaskOn("meski");
  v1::CaseRouted routed = Decision().case_routed();
  EXPECT_EQ(routed.case_().owner().kind(), v1::OWNER_KIND_UTILITY);
  EXPECT_TRUE(routed.forwarded());
  EXPECT_EQ(routed.case_().status(), v1::CASE_STATUS_FORWARDED);
}

TEST_F(RoutingServiceTest, DeadlineCountsFromReceiptNotFromRouting) {
  clock_.Set(TrTime(2026, 5, 25, 9, 0));  // routed on Monday, after a backlog
  ASSERT_OK(Register("reg-6", RegisteredCase("case-6", "yol-ana-arter", "Akdeniz", received_)));
  EXPECT_EQ(TrFormat(common::FromProto(Decision().case_routed().case_().deadline())),
            TrFormat(TrTime(2026, 6, 1, 17, 30)));
}

TEST_F(RoutingServiceTest, ResolvedTaskResolvesTheCase) {
  v1::Case c = RegisteredCase("case-7", "yol-ana-arter", "Akdeniz", received_);
  teksin::testing::SetOwner(c, "yol-yapim", v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
  clock_.Set(TrTime(2026, 5, 25, 14, 0));
  TaskChange t;
  t.task_id = "task-7";
  t.unit_id = "yol-yapim";
  t.status = v1::TASK_STATUS_RESOLVED;
  t.previous = v1::TASK_STATUS_CLAIMED;
  t.actor = "staff-42";
  t.resolution_code = "repaired";
  t.resolution_text = "Çukur asfaltla kapatıldı";
  ASSERT_OK(TaskChanged("upd-7", c, t));

  v1::Envelope e = Decision();
  EXPECT_EQ(e.event_type(), "teksin.v1.CaseResolved");
  EXPECT_EQ(e.causation_id(), "upd-7");
  const v1::CaseResolved& r = e.case_resolved();
  EXPECT_EQ(r.case_().case_id(), "case-7");
  EXPECT_EQ(r.case_().status(), v1::CASE_STATUS_RESOLVED);
  EXPECT_EQ(r.case_().resolution_text(), "Çukur asfaltla kapatıldı");
  EXPECT_EQ(r.task_id(), "task-7");
  EXPECT_EQ(r.resolution_code(), "repaired");
  EXPECT_EQ(r.resolved_by(), "staff-42");
  EXPECT_EQ(common::FromProto(r.resolved_at()), TrTime(2026, 5, 25, 14, 0));
  EXPECT_THAT(publisher_.All(), SizeIs(1));
}

TEST_F(RoutingServiceTest, UnitRejectionBouncesTheCaseToTheCoordinationCentre) {
  v1::Case c = RegisteredCase("case-8", "yol-ana-arter", "Akdeniz", received_);
  teksin::testing::SetOwner(c, "yol-yapim", v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
  TaskChange t;
  t.task_id = "task-8";
  t.unit_id = "yol-yapim";
  t.status = v1::TASK_STATUS_REJECTED;
  t.reason = "Bu sokak ilçe belediyesinin sorumluluğunda";
  ASSERT_OK(TaskChanged("upd-8", c, t));

  v1::TaskAssigned task = TaskOn("koordinasyon").task_assigned();
  EXPECT_EQ(task.attempt(), 2);
  EXPECT_EQ(task.case_().owner().unit_id(), "koordinasyon");
  EXPECT_NE(task.task_id(), "task-8");
  v1::CaseRouted routed = Decision().case_routed();
  EXPECT_EQ(routed.attempt(), 2);
  EXPECT_EQ(routed.previous_unit_id(), "yol-yapim");
  EXPECT_EQ(routed.task_id(), task.task_id());
  EXPECT_FALSE(routed.forwarded());
  EXPECT_EQ(routed.case_().owner().kind(), v1::OWNER_KIND_COORDINATION_CENTRE);
  EXPECT_THAT(publisher_.Published("teksin.routing.tasks.yol-yapim.v1"), IsEmpty());
}

TEST_F(RoutingServiceTest, CoordinationCentreRejectionClosesTheCase) {
  v1::Case c = RegisteredCase("case-9", "yol-ana-arter", "Akdeniz", received_);
  teksin::testing::SetOwner(c, "koordinasyon", v1::OWNER_KIND_COORDINATION_CENTRE);
  TaskChange t;
  t.task_id = "task-9";
  t.unit_id = "koordinasyon";
  t.status = v1::TASK_STATUS_REJECTED;
  t.attempt = 2;
  t.reason = "Belediyenin görev alanı dışında";
  ASSERT_OK(TaskChanged("upd-9", c, t));

  v1::Envelope e = Decision();
  ASSERT_TRUE(e.has_case_closed());
  EXPECT_EQ(e.case_closed().case_id(), "case-9");
  EXPECT_EQ(e.case_closed().case_().status(), v1::CASE_STATUS_CLOSED);
  EXPECT_THAT(e.case_closed().reason(), HasSubstr("koordinasyon"));
  EXPECT_THAT(e.case_closed().reason(), HasSubstr("Belediyenin görev alanı dışında"));
  EXPECT_THAT(publisher_.All(), SizeIs(1));  // no new task anywhere
}

TEST_F(RoutingServiceTest, TooManyBouncesCloseTheCase) {
  v1::Case c = RegisteredCase("case-10", "yol-ana-arter", "Akdeniz", received_);
  TaskChange t;
  t.task_id = "task-10";
  t.unit_id = "yol-yapim";
  t.status = v1::TASK_STATUS_REJECTED;
  t.attempt = 3;  // max_attempts is 3
  t.reason = "not ours";
  ASSERT_OK(TaskChanged("upd-10", c, t));
  EXPECT_TRUE(Decision().has_case_closed());
}

TEST_F(RoutingServiceTest, ClaimsAndProgressNeedNoRouting) {
  v1::Case c = RegisteredCase("case-11", "yol-ana-arter", "Akdeniz", received_);
  TaskChange t;
  t.unit_id = "yol-yapim";
  t.status = v1::TASK_STATUS_CLAIMED;
  EXPECT_OK(TaskChanged("upd-11", c, t));
  t.status = v1::TASK_STATUS_IN_PROGRESS;
  EXPECT_OK(TaskChanged("upd-12", c, t));
  EXPECT_EQ(publisher_.size(), 0u);
}

TEST_F(RoutingServiceTest, RejectedCasesAreIgnored) {
  v1::Case c = RegisteredCase("case-13", "yol-ana-arter", "Akdeniz", received_);
  EXPECT_OK(service_.Handle(Consumed(
      kCasesTopic, teksin::testing::CaseRejectedEnv("rej-13", clock_.Now(), c,
                                                    v1::REJECTION_CODE_OUTSIDE_JURISDICTION))));
  EXPECT_EQ(publisher_.size(), 0u);
}

TEST_F(RoutingServiceTest, UnexpectedPayloadIsAPermanentError) {
  v1::Case c = RegisteredCase("case-14", "yol-ana-arter", "Akdeniz", received_);
  absl::Status s = service_.Handle(
      Consumed(kCasesTopic, teksin::testing::ContactReceivedEnv("c-14", clock_.Now(), c)));
  EXPECT_TRUE(common::IsPermanent(s)) << s;
  EXPECT_EQ(publisher_.size(), 0u);
}

TEST_F(RoutingServiceTest, CaseWithoutIdIsAPermanentError) {
  absl::Status s = Register("reg-15", RegisteredCase("", "yol-ana-arter", "Akdeniz", received_));
  EXPECT_TRUE(common::IsPermanent(s)) << s;
}

TEST_F(RoutingServiceTest, BrokerOutageIsTransientAndTheRetryIsIdentical) {
  v1::Case c = RegisteredCase("case-16", "yol-ana-arter", "Akdeniz", received_);
  publisher_.FailNext(1);
  absl::Status s = Register("reg-16", c);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(common::IsPermanent(s)) << s;
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(publisher_.size(), 0u);

  ASSERT_OK(Register("reg-16", c));
  ASSERT_OK(Register("reg-16", c));  // a redelivery
  auto tasks = publisher_.Published("teksin.routing.tasks.yol-yapim.v1");
  ASSERT_THAT(tasks, SizeIs(2));
  EXPECT_EQ(tasks[0].envelope.event_id(), tasks[1].envelope.event_id());
  EXPECT_EQ(tasks[0].envelope.task_assigned().task_id(), tasks[1].envelope.task_assigned().task_id());
}

TEST_F(RoutingServiceTest, ReplacedRulesApplyToTheNextCase) {
  // The real rules with local streets taken over by the metropolitan Yol Yapım.
  std::ifstream in(teksin::testing::ConfigFile("routing-rules.json"));
  nlohmann::json doc = nlohmann::json::parse(in);
  doc["version"] = "2026-12-01.1";
  for (auto& rule : doc["rules"]) {
    if (rule["id"] == "R-yol-sokak") rule["owner"] = "yol-yapim";
  }
  auto rules = catalogue::RoutingRules::LoadJson(doc.dump(), teksin::testing::RealCatalogue(),
                                                 teksin::testing::RealDistricts().Districts());
  ASSERT_OK(rules);

  ASSERT_OK(Register("reg-17", RegisteredCase("case-17", "yol-sokak", "Mut", received_)));
  service_.ReplaceRules(std::make_shared<const catalogue::RoutingRules>(*std::move(rules)));
  ASSERT_OK(Register("reg-18", RegisteredCase("case-18", "yol-sokak", "Mut", received_)));

  EXPECT_EQ(TaskOn("ilce-mut").task_assigned().rules_version(), "2026-11-28.1");
  EXPECT_EQ(TaskOn("yol-yapim").task_assigned().rules_version(), "2026-12-01.1");
}

}  // namespace
}  // namespace teksin::routing
