// Routing over the real catalogue, rules and holiday table, with a fake clock: who gets the task,
// with which priority and deadline, and what happens when a unit answers.
#include "routing/routing_service.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "common/status.h"
#include "events/in_memory.h"
#include "events/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/registry.h"
#include "nlohmann/json.hpp"
#include "routing/case_state.h"
#include "routing/rules_reloader.h"
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
  InMemoryCaseStateStore cases_;
  RoutingService service_{teksin::testing::RealCatalogue(), teksin::testing::RealRules(),
                          teksin::testing::RealCalendar(), topics_, publisher_, clock_, cases_};
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
  t.attempt = 10;  // max_attempts is 10
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

// ---- Triage, emergencies, bounces (ADR 0015) ----------------------------------------------

// A contact as a unit's rejection leaves it: the workers add a REJECTED line per rejection.
v1::Case WithRejections(v1::Case c, int n) {
  for (int i = 0; i < n; ++i) {
    auto* h = c.add_history();
    h->set_status(v1::CASE_STATUS_REJECTED);
    h->set_actor("staff-" + std::to_string(i));
    h->set_reason("not ours");
  }
  return c;
}

TEST_F(RoutingServiceTest, LowConfidenceClassificationGoesToTriageAtTheCoordinationCentre) {
  v1::Case c = RegisteredCase("case-20", "", "Akdeniz", received_);
  v1::Envelope e = CaseRegisteredEnv("reg-20", clock_.Now(), c);
  auto* cl = e.mutable_case_registered()->mutable_classification();
  cl->set_label("__label__belirsiz");
  cl->set_confidence(0.31);
  cl->set_triaged(true);
  ASSERT_OK(service_.Handle(Consumed(kCasesTopic, e)));
  v1::TaskAssigned task = TaskOn("koordinasyon").task_assigned();
  EXPECT_EQ(task.rule_id(), "triage");
  v1::CaseRouted routed = Decision().case_routed();
  EXPECT_EQ(routed.reason(), "triage");
  EXPECT_EQ(routed.rule_id(), "triage");
  EXPECT_EQ(routed.case_().owner().kind(), v1::OWNER_KIND_COORDINATION_CENTRE);
  EXPECT_EQ(routed.bounces(), 0);
  EXPECT_EQ(service_.stats().triaged.load(), 1);
}

TEST_F(RoutingServiceTest, OrdinaryRoutingSaysRule) {
  ASSERT_OK(Register("reg-21", RegisteredCase("case-21", "yol-ana-arter", "Akdeniz", received_)));
  EXPECT_EQ(Decision().case_routed().reason(), "rule");
}

TEST_F(RoutingServiceTest, EmergencyKeepsPriorityOneAndCountsTheDeadlineAroundTheClock) {
  // Intake flagged an emergency in a category whose own target is in working days.
  v1::Case c = RegisteredCase("case-22", "yol-ana-arter", "Akdeniz", received_);
  c.set_priority(v1::PRIORITY_P1);
  v1::Envelope e = CaseRegisteredEnv("reg-22", clock_.Now(), c);
  e.mutable_case_registered()->set_emergency(true);
  ASSERT_OK(service_.Handle(Consumed(kCasesTopic, e)));
  v1::Case routed = Decision().case_routed().case_();
  EXPECT_EQ(routed.priority(), v1::PRIORITY_P1);
  EXPECT_EQ(common::FromProto(routed.deadline()), received_ + absl::Hours(24));
}

TEST_F(RoutingServiceTest, ARuleMayGiveADeadlineInSeconds) {
  std::ifstream in(teksin::testing::ConfigFile("routing-rules.json"));
  nlohmann::json doc = nlohmann::json::parse(in);
  for (auto& rule : doc["rules"]) {
    if (rule["id"] == "R-yol-ana-arter") rule["deadline_seconds"] = 8;
  }
  auto rules = catalogue::RoutingRules::LoadJson(doc.dump(), teksin::testing::RealCatalogue(),
                                                 teksin::testing::RealDistricts().Districts());
  ASSERT_OK(rules);
  service_.ReplaceRules(std::make_shared<const catalogue::RoutingRules>(*std::move(rules)));
  ASSERT_OK(Register("reg-23", RegisteredCase("case-23", "yol-ana-arter", "Akdeniz", received_)));
  EXPECT_EQ(common::FromProto(Decision().case_routed().case_().deadline()),
            received_ + absl::Seconds(8));
}

TEST_F(RoutingServiceTest, RejectionNamingAUnitSendsTheCaseThere) {
  v1::Case c = WithRejections(RegisteredCase("case-24", "yol-ana-arter", "Tarsus", received_), 1);
  teksin::testing::SetOwner(c, "yol-yapim", v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
  TaskChange t;
  t.task_id = "task-24";
  t.unit_id = "yol-yapim";
  t.status = v1::TASK_STATUS_REJECTED;
  t.reason = "Bu sokak ilçe belediyesinin";
  v1::Envelope e = TaskStatusChangedEnv("upd-24", clock_.Now(), c, t);
  e.mutable_task_status_changed()->set_suggested_unit_id("ilce-tarsus");
  ASSERT_OK(service_.Handle(Consumed(kUpdatesTopic, e)));

  v1::TaskAssigned task = TaskOn("ilce-tarsus").task_assigned();
  EXPECT_EQ(task.attempt(), 2);
  EXPECT_EQ(task.rule_id(), "suggested-by-unit");
  v1::CaseRouted routed = Decision().case_routed();
  EXPECT_EQ(routed.reason(), "rerouted");
  EXPECT_EQ(routed.bounces(), 1);
  EXPECT_EQ(routed.previous_unit_id(), "yol-yapim");
  EXPECT_TRUE(routed.forwarded());
  EXPECT_THAT(publisher_.Published("teksin.routing.tasks.koordinasyon.v1"), IsEmpty());
}

TEST_F(RoutingServiceTest, AboveMaxBouncesTheCaseGoesToTheCoordinationCentreWhateverTheUnitSays) {
  // The third unit rejects it: three rejections > ROUTING_MAX_BOUNCES (2).
  v1::Case c = WithRejections(RegisteredCase("case-25", "yol-ana-arter", "Tarsus", received_), 3);
  teksin::testing::SetOwner(c, "ilce-tarsus", v1::OWNER_KIND_DISTRICT_MUNICIPALITY);
  TaskChange t;
  t.task_id = "task-25";
  t.unit_id = "ilce-tarsus";
  t.status = v1::TASK_STATUS_REJECTED;
  t.attempt = 3;
  t.reason = "Bizim değil";
  v1::Envelope e = TaskStatusChangedEnv("upd-25", clock_.Now(), c, t);
  e.mutable_task_status_changed()->set_suggested_unit_id("yol-yapim");
  ASSERT_OK(service_.Handle(Consumed(kUpdatesTopic, e)));

  v1::TaskAssigned task = TaskOn("koordinasyon").task_assigned();
  EXPECT_EQ(task.attempt(), 4);
  EXPECT_EQ(task.rule_id(), "bounce-to-coordination");
  v1::CaseRouted routed = Decision().case_routed();
  EXPECT_EQ(routed.reason(), "bounced");
  EXPECT_EQ(routed.bounces(), 3);
  EXPECT_EQ(routed.previous_unit_id(), "ilce-tarsus");
  EXPECT_THAT(publisher_.Published("teksin.routing.tasks.yol-yapim.v1"), IsEmpty());
}

TEST_F(RoutingServiceTest, AnUnknownSuggestedUnitLeavesTheChoiceToTheCoordinationCentre) {
  v1::Case c = WithRejections(RegisteredCase("case-26", "yol-ana-arter", "Akdeniz", received_), 1);
  TaskChange t;
  t.unit_id = "yol-yapim";
  t.status = v1::TASK_STATUS_REJECTED;
  t.reason = "not ours";
  v1::Envelope e = TaskStatusChangedEnv("upd-26", clock_.Now(), c, t);
  e.mutable_task_status_changed()->set_suggested_unit_id("nobody");
  ASSERT_OK(service_.Handle(Consumed(kUpdatesTopic, e)));
  EXPECT_EQ(Decision().case_routed().reason(), "bounced");
  TaskOn("koordinasyon");
}

TEST_F(RoutingServiceTest, TheCoordinationCentreHandsACaseToTheUnitItNames) {
  v1::Case c = WithRejections(RegisteredCase("case-27", "", "Mut", received_), 3);
  teksin::testing::SetOwner(c, "koordinasyon", v1::OWNER_KIND_COORDINATION_CENTRE);
  TaskChange t;
  t.unit_id = "koordinasyon";
  t.status = v1::TASK_STATUS_REJECTED;
  t.attempt = 4;
  t.reason = "Park ve Bahçeler'in işi";
  v1::Envelope e = TaskStatusChangedEnv("upd-27", clock_.Now(), c, t);
  e.mutable_task_status_changed()->set_suggested_unit_id("park-bahceler");
  ASSERT_OK(service_.Handle(Consumed(kUpdatesTopic, e)));
  EXPECT_EQ(TaskOn("park-bahceler").task_assigned().rule_id(), "coordination-centre");
  EXPECT_EQ(Decision().case_routed().reason(), "rerouted");
}

TEST_F(RoutingServiceTest, NotesAndDeadlineAlertsNeedNoRouting) {
  v1::Case c = RegisteredCase("case-28", "yol-ana-arter", "Akdeniz", received_);
  v1::Envelope note = teksin::testing::Header("note-28", clock_.Now(), "department_worker", "case-28");
  note.mutable_task_note_added()->set_task_id("task-28");
  EXPECT_OK(service_.Handle(Consumed(kUpdatesTopic, teksin::testing::Stamped(note))));
  v1::Envelope alert = teksin::testing::Header("alert-28", clock_.Now(), "department_worker", "case-28");
  alert.mutable_deadline_alert()->set_kind(v1::DEADLINE_ALERT_KIND_BREACHED);
  EXPECT_OK(service_.Handle(Consumed(kUpdatesTopic, teksin::testing::Stamped(alert))));
  EXPECT_EQ(publisher_.size(), 0u);
}

// ---- Citizen feedback ------------------------------------------------------------------------

constexpr char kFeedbackTopic[] = "teksin.citizen.feedback.v1";

class FeedbackTest : public RoutingServiceTest {
 protected:
  // Case 30 resolved by Yol Yapım's staff-42 on its first task.
  void SetUp() override {
    c_ = RegisteredCase("case-30", "yol-ana-arter", "Akdeniz", received_);
    c_.set_citizen_key("ck1_0123456789abcdef0123456789abcdef01234567");
    teksin::testing::SetOwner(c_, "yol-yapim", v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
    c_.set_status(v1::CASE_STATUS_RESOLVED);
    c_.set_resolution_code("repaired");
    c_.set_resolution_text("Asfalt yapıldı");
    CaseState state;
    state.attempt = 1;
    state.unit_id = "yol-yapim";
    state.task_id = "task-30";
    state.resolved_by = "staff-42";
    state.snapshot = c_;
    ASSERT_OK(cases_.Resolved("case-30", state));
  }
  absl::Status Feedback(const std::string& event_id, v1::FeedbackKind kind, int rating = 0,
                        const std::string& citizen_key = "") {
    v1::Envelope e = teksin::testing::Header(event_id, clock_.Now(), "channel_open311", "case-30");
    auto* f = e.mutable_citizen_feedback();
    f->set_case_id("case-30");
    f->set_tracking_code(c_.tracking_code());
    f->set_kind(kind);
    f->set_rating(rating);
    f->set_comment("Çukur yine açıldı");
    f->set_channel(v1::CHANNEL_MOBILE_APP);
    f->set_citizen_key(citizen_key.empty() ? c_.citizen_key() : citizen_key);
    return service_.Handle(Consumed(kFeedbackTopic, teksin::testing::Stamped(e)));
  }
  v1::Case c_;
};

TEST_F(RoutingServiceTest, ResolvedTaskIsRememberedForTheCitizensFeedback) {
  v1::Case c = RegisteredCase("case-31", "yol-ana-arter", "Akdeniz", received_);
  teksin::testing::SetOwner(c, "yol-yapim", v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
  TaskChange t;
  t.task_id = "task-31";
  t.unit_id = "yol-yapim";
  t.status = v1::TASK_STATUS_RESOLVED;
  t.attempt = 2;
  t.actor = "staff-42";
  t.resolution_code = "repaired";
  ASSERT_OK(TaskChanged("upd-31", c, t));
  auto state = cases_.Get("case-31");
  ASSERT_OK(state);
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ((*state)->status, "resolved");
  EXPECT_EQ((*state)->unit_id, "yol-yapim");
  EXPECT_EQ((*state)->task_id, "task-31");
  EXPECT_EQ((*state)->attempt, 2);
  EXPECT_EQ((*state)->snapshot.status(), v1::CASE_STATUS_RESOLVED);
}

TEST_F(FeedbackTest, ReopenGoesBackToTheUnitThatResolvedIt) {
  clock_.Set(TrTime(2026, 5, 27, 9, 0));
  ASSERT_OK(Feedback("fb-1", v1::FEEDBACK_KIND_REOPEN));
  v1::TaskAssigned task = TaskOn("yol-yapim").task_assigned();
  EXPECT_EQ(task.attempt(), 2);
  EXPECT_EQ(task.rule_id(), "reopen");
  EXPECT_EQ(task.case_().resolution_text(), "");
  auto decisions = publisher_.Published(kDecisionsTopic);
  ASSERT_THAT(decisions, SizeIs(2));
  const v1::CaseReopened& reopened = decisions[0].envelope.case_reopened();
  EXPECT_EQ(decisions[0].envelope.event_type(), "teksin.v1.CaseReopened");
  EXPECT_EQ(reopened.task_id(), task.task_id());
  EXPECT_EQ(reopened.reopen_count(), 1);
  EXPECT_EQ(reopened.feedback_event_id(), "fb-1");
  EXPECT_EQ(reopened.case_().status(), v1::CASE_STATUS_REOPENED);
  const v1::CaseRouted& routed = decisions[1].envelope.case_routed();
  EXPECT_EQ(routed.reason(), "reopened");
  EXPECT_EQ(routed.attempt(), 2);
  EXPECT_EQ(routed.task_id(), task.task_id());
  // The deadline counts again from the reopening (3 working days from Wednesday 27 May, in
  // Kurban Bayramı: 1, 2, 3 June).
  EXPECT_EQ(TrFormat(common::FromProto(routed.case_().deadline())),
            TrFormat(TrTime(2026, 6, 3, 17, 30)));

  // A second reopen while the case is being worked again is ignored; so is the redelivery.
  ASSERT_OK(Feedback("fb-2", v1::FEEDBACK_KIND_REOPEN));
  ASSERT_OK(Feedback("fb-1", v1::FEEDBACK_KIND_REOPEN));
  EXPECT_THAT(publisher_.All(), SizeIs(3));
  EXPECT_EQ(service_.stats().feedback_ignored_not_resolved.load(), 2);
  EXPECT_EQ(service_.stats().feedback_reopened.load(), 1);
}

TEST_F(FeedbackTest, AStaleRedeliveredResolutionDoesNotUndoTheReopening) {
  ASSERT_OK(Feedback("fb-3", v1::FEEDBACK_KIND_REOPEN));
  TaskChange t;
  t.task_id = "task-30";
  t.unit_id = "yol-yapim";
  t.status = v1::TASK_STATUS_RESOLVED;
  t.actor = "staff-42";
  t.resolution_code = "repaired";
  ASSERT_OK(TaskChanged("upd-30", c_, t));  // attempt 1 again
  auto state = cases_.Get("case-30");
  ASSERT_OK(state);
  EXPECT_EQ((*state)->status, "routed");
  EXPECT_EQ((*state)->attempt, 2);
}

TEST_F(FeedbackTest, ConfirmWithARatingClosesTheCase) {
  ASSERT_OK(Feedback("fb-4", v1::FEEDBACK_KIND_RATE, 4));
  v1::Envelope e = Decision();
  ASSERT_TRUE(e.has_case_closed());
  EXPECT_EQ(e.case_closed().reason(), "confirmed by citizen");
  EXPECT_EQ(e.case_closed().case_().satisfaction(), 4);
  EXPECT_EQ(e.case_closed().case_().status(), v1::CASE_STATUS_CLOSED);
  // Closed for good: a later reopen is ignored.
  ASSERT_OK(Feedback("fb-5", v1::FEEDBACK_KIND_REOPEN));
  EXPECT_THAT(publisher_.All(), SizeIs(1));
}

TEST_F(FeedbackTest, ConfirmWithoutARating) {
  ASSERT_OK(Feedback("fb-6", v1::FEEDBACK_KIND_CONFIRM));
  EXPECT_EQ(Decision().case_closed().case_().satisfaction(), 0);
}

TEST_F(FeedbackTest, FeedbackOnACaseRoutingNeverSawResolvedIsIgnored) {
  v1::Envelope e = teksin::testing::Header("fb-7", clock_.Now(), "channel_open311", "case-99");
  e.mutable_citizen_feedback()->set_case_id("case-99");
  e.mutable_citizen_feedback()->set_kind(v1::FEEDBACK_KIND_CONFIRM);
  EXPECT_OK(service_.Handle(Consumed(kFeedbackTopic, teksin::testing::Stamped(e))));
  EXPECT_EQ(publisher_.size(), 0u);
  EXPECT_EQ(service_.stats().feedback_ignored_not_resolved.load(), 1);
}

TEST_F(FeedbackTest, MalformedOrForeignFeedbackIsDeadLettered) {
  EXPECT_TRUE(common::IsPermanent(Feedback("fb-8", v1::FEEDBACK_KIND_RATE, 9)));
  EXPECT_TRUE(common::IsPermanent(Feedback("fb-9", v1::FEEDBACK_KIND_UNSPECIFIED)));
  EXPECT_TRUE(common::IsPermanent(Feedback("fb-10", v1::FEEDBACK_KIND_REOPEN, 3)));
  EXPECT_TRUE(common::IsPermanent(
      Feedback("fb-11", v1::FEEDBACK_KIND_REOPEN, 0, "ck1_ffffffffffffffffffffffffffffffffffffffff")));
  EXPECT_EQ(publisher_.size(), 0u);
}

// ---- Rules reload ----------------------------------------------------------------------------

class RulesReloadTest : public RoutingServiceTest {
 protected:
  void Write(const nlohmann::json& doc) {
    std::ofstream out(path_, std::ios::trunc);
    out << doc.dump(2);
  }
  nlohmann::json Real() {
    std::ifstream in(teksin::testing::ConfigFile("routing-rules.json"));
    return nlohmann::json::parse(in);
  }
  double Metric(const std::string& line_prefix) {
    std::string text = registry_.Render();
    size_t at = text.find("\n" + line_prefix + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + line_prefix.size() + 2));
  }
  std::string path_ = ::testing::TempDir() + "/routing-rules-reload-test.json";
  metrics::Registry registry_;
  int prepared_ = 0;
};

TEST_F(RulesReloadTest, ValidChangesApplyAndInvalidOnesKeepTheRulesInForce) {
  Write(Real());
  RulesReloader reloader(
      path_,
      [](const std::string& text) {
        return catalogue::RoutingRules::LoadJson(text, teksin::testing::RealCatalogue(),
                                                 teksin::testing::RealDistricts().Districts());
      },
      [this](const catalogue::RoutingRules&) {
        ++prepared_;
        return absl::OkStatus();
      },
      service_, registry_);
  EXPECT_EQ(reloader.CheckOnce(), RulesReloader::Result::kUnchanged);
  EXPECT_EQ(Metric("teksin_routing_rules_info{version=\"2026-11-28.1\"}"), 1);

  nlohmann::json next = Real();
  next["version"] = "2026-12-01.1";
  for (auto& rule : next["rules"]) {
    if (rule["id"] == "R-yol-sokak") rule["owner"] = "yol-yapim";
  }
  Write(next);
  EXPECT_EQ(reloader.CheckOnce(), RulesReloader::Result::kReloaded);
  EXPECT_EQ(prepared_, 1);
  EXPECT_EQ(service_.rules()->version(), "2026-12-01.1");
  EXPECT_EQ(Metric("teksin_routing_rules_info{version=\"2026-12-01.1\"}"), 1);
  EXPECT_EQ(Metric("teksin_routing_rules_info{version=\"2026-11-28.1\"}"), -1);  // gone
  EXPECT_EQ(Metric("teksin_routing_rules_reloads_total{result=\"ok\"}"), 1);

  nlohmann::json broken = next;
  broken["version"] = "2026-12-02.1";
  broken["rules"][0]["owner"] = "nobody";
  Write(broken);
  EXPECT_EQ(reloader.CheckOnce(), RulesReloader::Result::kRejected);
  EXPECT_EQ(reloader.CheckOnce(), RulesReloader::Result::kUnchanged);  // reported once
  EXPECT_EQ(service_.rules()->version(), "2026-12-01.1");
  EXPECT_EQ(Metric("teksin_routing_rules_reloads_total{result=\"error\"}"), 1);

  ASSERT_OK(Register("reg-40", RegisteredCase("case-40", "yol-sokak", "Mut", received_)));
  v1::TaskAssigned task = TaskOn("yol-yapim").task_assigned();
  EXPECT_EQ(task.rules_version(), "2026-12-01.1");
  std::remove(path_.c_str());
}

}  // namespace
}  // namespace teksin::routing
